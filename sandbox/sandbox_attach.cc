#include "sandbox/sandbox_attach.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/fd_passing.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/sandbox_spec.h"

namespace forge::sandbox {
namespace {

absl::Status WriteIdMap(pid_t pid, const char* file, uint32_t inside,
                        uint32_t outside) {
  std::string path = absl::StrCat("/proc/", pid, "/", file);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return LastErrorStatus(absl::StrCat("open ", path));
  std::string line = absl::StrCat(inside, " ", outside, " 1\n");
  if (::write(fd.get(), line.data(), line.size()) !=
      static_cast<ssize_t>(line.size())) {
    return LastErrorStatus(absl::StrCat("write ", path));
  }
  return absl::OkStatus();
}

// The helper's steps, in order.
absl::Status Attach(const AttachRequest& request) {
  if (request.cgroup != nullptr) {
    FORGE_RETURN_IF_ERROR(
        request.cgroup->AddProcess(request.pid, request.placed_by_clone));
  }
  FORGE_RETURN_IF_ERROR(
      WriteIdMap(request.pid, "uid_map", kSandboxUid, request.host_uid));
  FORGE_RETURN_IF_ERROR(
      WriteIdMap(request.pid, "gid_map", kSandboxGid, request.host_gid));
  return SendMessage(request.control, EncodeGo());
}

}  // namespace

absl::StatusOr<Attaching> StartAttach(const AttachRequest& request) {
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
  UniqueFd error_read(error_pipe[0]);
  UniqueFd error_write(error_pipe[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return LastErrorStatus("fork attach helper");
  if (pid == 0) {
    // The child of a single-threaded process: ordinary code is safe here.
    absl::Status status = Attach(request);
    if (status.ok()) ::_exit(0);
    std::string message(status.message());
    (void)!::write(error_write.get(), message.data(), message.size());
    ::_exit(1);
  }
  Attaching attaching;
  attaching.pid = pid;
  attaching.error_read = std::move(error_read);
  attaching.pidfd.Reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!attaching.pidfd) {
    absl::Status status = LastErrorStatus("pidfd_open attach helper");
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return status;
  }
  return attaching;
}

absl::Status FinishAttach(Attaching& attaching) {
  int wait_status = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(attaching.pid, &wait_status, 0);
  } while (reaped < 0 && errno == EINTR);
  attaching.pid = -1;
  attaching.pidfd.Reset();
  if (reaped < 0) return LastErrorStatus("reap attach helper");
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
    return absl::OkStatus();
  }
  char text[512];
  ssize_t n;
  do {
    n = ::read(attaching.error_read.get(), text, sizeof(text));
  } while (n < 0 && errno == EINTR);
  return absl::InternalError(
      n > 0 ? std::string(text, static_cast<size_t>(n))
            : absl::StrCat("sandbox attach helper failed (status ", wait_status,
                           ")"));
}

void AbandonAttach(Attaching& attaching) {
  if (attaching.pid < 0) return;
  ::kill(attaching.pid, SIGKILL);
  (void)FinishAttach(attaching);
}

}  // namespace forge::sandbox
