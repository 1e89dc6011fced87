#include "sandbox/program_start.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"
#include "sandbox/fd_passing.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/seccomp_install.h"
#include "sandbox/warm_runner.h"

namespace forge::sandbox {
namespace {

absl::Status SetLimit(pid_t pid, int resource, rlim_t soft, rlim_t hard,
                      const char* name) {
  rlimit limit{soft, hard};
  if (::prlimit(pid, static_cast<__rlimit_resource>(resource), &limit,
                nullptr) != 0)
    return LastErrorStatus(absl::StrCat("setrlimit ", name));
  return absl::OkStatus();
}

// The limits every program has whatever its job: no core files, an 8 MiB
// stack.
absl::Status ApplyFixedRlimits(pid_t pid) {
  FORGE_RETURN_IF_ERROR(SetLimit(pid, RLIMIT_CORE, 0, 0, "CORE"));
  return SetLimit(pid, RLIMIT_STACK, 8 << 20, 8 << 20, "STACK");
}

absl::Status DropCapabilities() {
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return LastErrorStatus(absl::StrCat("PR_CAPBSET_DROP ", cap));
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return LastErrorStatus("PR_CAP_AMBIENT_CLEAR_ALL");
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capset, &header, data) != 0)
    return LastErrorStatus("capset");
  return absl::OkStatus();
}

// Last step before execve: no_new_privs and the seccomp filter, whose
// listener goes to the launcher and is closed here, so no process in the
// sandbox ever holds it (whoever holds it could allow its own syscalls).
absl::Status InstallSeccomp(const SeccompPolicy& policy, int control) {
  int listener = -1;
  int error = InstallSeccompPolicy(policy, &listener);
  if (error != 0) return absl::ErrnoToStatus(-error, "install seccomp filter");
  if (listener < 0) return absl::OkStatus();
  UniqueFd owned(listener);
  const int fds[1] = {owned.get()};
  return SendMessage(control, EncodeSeccompListener(), fds);
}

absl::Status InstallStdio(const int stdio[3], const int channel[2]) {
  for (int target = 0; target < 3; ++target) {
    // dup2 clears O_CLOEXEC on the target; dup3 with the same fd would fail.
    if (::dup2(stdio[target], target) < 0) return LastErrorStatus("dup2 stdio");
  }
  // Everything else closes at execve; until then the error pipe still works.
  if (::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    return LastErrorStatus("close_range");
  }
  if (channel[0] >= 0) {
    // Both moved above the two targets first (close-on-exec copies), so
    // neither dup2 below overwrites the other's source.
    int moved[2];
    for (int i = 0; i < 2; ++i) {
      moved[i] = ::fcntl(channel[i], F_DUPFD_CLOEXEC, kWarmReadyFd + 1);
      if (moved[i] < 0) return LastErrorStatus("F_DUPFD channel");
    }
    if (::dup2(moved[0], kWarmJobFd) < 0 || ::dup2(moved[1], kWarmReadyFd) < 0)
      return LastErrorStatus("dup2 channel");
  }
  return absl::OkStatus();
}

// Everything between fork and execve, in order. Returns only on failure.
absl::Status PrepareAndExec(const ProgramLaunch& launch) {
  if (::setsid() < 0) return LastErrorStatus("setsid");
  FORGE_RETURN_IF_ERROR(InstallStdio(launch.stdio, launch.channel));
  if (::chdir(launch.cwd) != 0)
    return LastErrorStatus(absl::StrCat("chdir ", launch.cwd));
  ::umask(022);
  if (launch.apply_job_rlimits) {
    FORGE_RETURN_IF_ERROR(ApplyRlimits(0, launch.limits));
  } else {
    FORGE_RETURN_IF_ERROR(ApplyFixedRlimits(0));
  }
  FORGE_RETURN_IF_ERROR(DropCapabilities());
  FORGE_RETURN_IF_ERROR(InstallSeccomp(*launch.seccomp, launch.control));
  std::vector<char*> argv;
  for (const std::string& arg : *launch.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (const std::string& entry : *launch.env)
    env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  ::execve(argv[0], argv.data(), env.data());
  return LastErrorStatus(absl::StrCat("execve ", (*launch.argv)[0]));
}

}  // namespace

absl::Status ApplyRlimits(pid_t pid, const ResourceLimits& limits) {
  const rlim_t cpu_seconds = static_cast<rlim_t>(
      absl::ToInt64Seconds(limits.cpu_time + absl::Milliseconds(999)));
  FORGE_RETURN_IF_ERROR(
      SetLimit(pid, RLIMIT_CPU, cpu_seconds, cpu_seconds + 1, "CPU"));
  FORGE_RETURN_IF_ERROR(SetLimit(pid, RLIMIT_FSIZE, limits.max_file_bytes,
                                 limits.max_file_bytes, "FSIZE"));
  FORGE_RETURN_IF_ERROR(SetLimit(pid, RLIMIT_NOFILE, limits.max_open_files,
                                 limits.max_open_files, "NOFILE"));
  FORGE_RETURN_IF_ERROR(SetLimit(pid, RLIMIT_CORE, 0, 0, "CORE"));
  FORGE_RETURN_IF_ERROR(SetLimit(pid, RLIMIT_STACK, 8 << 20, 8 << 20, "STACK"));
  return absl::OkStatus();
}

void ExecProgram(const ProgramLaunch& launch) {
  absl::Status status = PrepareAndExec(launch);
  std::string message(status.message());
  (void)!::write(launch.error_pipe, message.data(), message.size());
  ::_exit(127);
}

}  // namespace forge::sandbox
