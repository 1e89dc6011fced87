#include "sandbox/sandbox_init.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"
#include "sandbox/fd_passing.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/mounts.h"
#include "sandbox/seccomp_install.h"

namespace forge::sandbox {
namespace {

absl::Status WaitForGo(int control) {
  FORGE_ASSIGN_OR_RETURN(ReceivedMessage message, ReceiveMessage(control));
  FORGE_ASSIGN_OR_RETURN(MessageType type, PeekType(message.data));
  if (type != MessageType::kGo) return absl::InternalError("init: expected go");
  return absl::OkStatus();
}

absl::Status DieWithLauncher(int control) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    return LastErrorStatus("PR_SET_PDEATHSIG");
  // The launcher may have died before the line above took effect (getppid()
  // cannot tell: the parent is outside our pid namespace, so it reads 0).
  pollfd hangup{control, POLLRDHUP, 0};
  if (::poll(&hangup, 1, 0) != 0) return absl::AbortedError("launcher gone");
  return absl::OkStatus();
}

// The launcher mapped kSandboxUid/Gid onto unprivileged host ids. Init takes
// them now (keeping its capabilities in its own user namespace, where uid 0
// is unmapped) so nothing it creates is owned by host root.
absl::Status SwitchToSandboxIds() {
  if (::setgroups(0, nullptr) != 0) return LastErrorStatus("setgroups");
  if (::setresgid(kSandboxGid, kSandboxGid, kSandboxGid) != 0)
    return LastErrorStatus("setresgid");
  if (::setresuid(kSandboxUid, kSandboxUid, kSandboxUid) != 0)
    return LastErrorStatus("setresuid");
  return absl::OkStatus();
}

// The launcher put this process in its cgroup before sending go; a new
// cgroup namespace rooted there hides the host's cgroup tree.
absl::Status EnterCgroupNamespace() {
  if (::unshare(CLONE_NEWCGROUP) != 0)
    return LastErrorStatus("unshare(CLONE_NEWCGROUP)");
  return absl::OkStatus();
}

absl::Status SetHostname() {
  if (::sethostname(kSandboxHostname, std::strlen(kSandboxHostname)) != 0) {
    return LastErrorStatus("sethostname");
  }
  return absl::OkStatus();
}

// The new network namespace has only `lo`, down; bring it up so programs
// can use 127.0.0.1 among themselves.
absl::Status BringUpLoopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return LastErrorStatus("socket for lo");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0)
    return LastErrorStatus("SIOCGIFFLAGS lo");
  request.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0)
    return LastErrorStatus("SIOCSIFFLAGS lo");
  return absl::OkStatus();
}

absl::Status MakeNonDumpable() {
  // Keeps the program (same uid) out of /proc/1 and away from ptrace.
  if (::prctl(PR_SET_DUMPABLE, 0) != 0)
    return LastErrorStatus("PR_SET_DUMPABLE");
  return absl::OkStatus();
}

// The containment checklist, in order. Each step is one line and fallible.
absl::Status ContainInit(const SandboxSpec& spec, int control,
                         const std::string& staging_dir) {
  FORGE_RETURN_IF_ERROR(WaitForGo(control));
  FORGE_RETURN_IF_ERROR(DieWithLauncher(control));
  FORGE_RETURN_IF_ERROR(SwitchToSandboxIds());
  FORGE_RETURN_IF_ERROR(EnterCgroupNamespace());
  FORGE_RETURN_IF_ERROR(SetHostname());
  FORGE_RETURN_IF_ERROR(BringUpLoopback());
  FORGE_RETURN_IF_ERROR(BuildRootFilesystem(spec, staging_dir));
  FORGE_RETURN_IF_ERROR(MakeNonDumpable());
  return absl::OkStatus();
}

// --- The program's own last steps, in the forked child. -------------------

absl::Status SetLimit(int resource, rlim_t soft, rlim_t hard,
                      const char* name) {
  rlimit limit{soft, hard};
  if (::setrlimit(resource, &limit) != 0)
    return LastErrorStatus(absl::StrCat("setrlimit ", name));
  return absl::OkStatus();
}

absl::Status ApplyRlimits(const ResourceLimits& limits) {
  const rlim_t cpu_seconds = static_cast<rlim_t>(
      absl::ToInt64Seconds(limits.cpu_time + absl::Milliseconds(999)));
  FORGE_RETURN_IF_ERROR(
      SetLimit(RLIMIT_CPU, cpu_seconds, cpu_seconds + 1, "CPU"));
  FORGE_RETURN_IF_ERROR(SetLimit(RLIMIT_FSIZE, limits.max_file_bytes,
                                 limits.max_file_bytes, "FSIZE"));
  FORGE_RETURN_IF_ERROR(SetLimit(RLIMIT_NOFILE, limits.max_open_files,
                                 limits.max_open_files, "NOFILE"));
  FORGE_RETURN_IF_ERROR(SetLimit(RLIMIT_CORE, 0, 0, "CORE"));
  FORGE_RETURN_IF_ERROR(SetLimit(RLIMIT_STACK, 8 << 20, 8 << 20, "STACK"));
  return absl::OkStatus();
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

absl::Status InstallStdio(const std::vector<UniqueFd>& fds) {
  const int sources[3] = {fds[kJobStdinFd].get(), fds[kJobStdoutFd].get(),
                          fds[kJobStderrFd].get()};
  for (int target = 0; target < 3; ++target) {
    // dup2 clears O_CLOEXEC on the target; dup3 with the same fd would fail.
    if (::dup2(sources[target], target) < 0)
      return LastErrorStatus("dup2 stdio");
  }
  // Everything else closes at execve; until then the error pipe still works.
  if (::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    return LastErrorStatus("close_range");
  }
  return absl::OkStatus();
}

// Everything between fork and execve, in order. Returns only on failure.
absl::Status PrepareAndExec(const JobSpec& job, const ResourceLimits& limits,
                            const std::vector<UniqueFd>& fds,
                            const SeccompPolicy& seccomp, int control) {
  if (::setsid() < 0) return LastErrorStatus("setsid");
  FORGE_RETURN_IF_ERROR(InstallStdio(fds));
  if (::chdir(kWorkspaceDir) != 0) return LastErrorStatus("chdir /workspace");
  ::umask(022);
  FORGE_RETURN_IF_ERROR(ApplyRlimits(limits));
  FORGE_RETURN_IF_ERROR(DropCapabilities());
  FORGE_RETURN_IF_ERROR(InstallSeccomp(seccomp, control));
  std::vector<char*> argv;
  for (const std::string& arg : job.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (const std::string& entry : job.env)
    env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  ::execve(argv[0], argv.data(), env.data());
  return LastErrorStatus(absl::StrCat("execve ", job.argv[0]));
}

[[noreturn]] void ExecProgram(const JobSpec& job, const ResourceLimits& limits,
                              const std::vector<UniqueFd>& fds,
                              const SeccompPolicy& seccomp, int control,
                              int error_pipe) {
  absl::Status status = PrepareAndExec(job, limits, fds, seccomp, control);
  std::string message(status.message());
  (void)!::write(error_pipe, message.data(), message.size());
  ::_exit(127);
}

uint64_t MonotonicNanos() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

// Receives the job, starts the program, reaps until it exits. Returns the
// report, or an error when the program could not be started.
absl::StatusOr<JobReport> RunJob(const SandboxSpec& spec, int control,
                                 const SeccompPolicy& seccomp,
                                 UniqueFd* output_files) {
  FORGE_ASSIGN_OR_RETURN(ReceivedMessage message, ReceiveMessage(control));
  FORGE_ASSIGN_OR_RETURN(RunJobCommand command,
                         DecodeRunJobCommand(message.data));
  if (message.fds.size() != kJobFdCount)
    return absl::InternalError("init: job without its fds");
  FORGE_RETURN_IF_ERROR(
      MountWorkspace(command.limits.workspace_bytes, spec.tmpfs_inodes));
  FORGE_ASSIGN_OR_RETURN(JobSpec job,
                         ReadJobPayload(message.fds[kJobPayloadFd].get()));
  FORGE_RETURN_IF_ERROR(WriteInputFiles(job.files));

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
  UniqueFd error_read(error_pipe[0]);
  UniqueFd error_write(error_pipe[1]);
  const uint64_t start = MonotonicNanos();
  pid_t program = ::fork();
  if (program < 0) return LastErrorStatus("fork program");
  if (program == 0) {
    ExecProgram(job, command.limits, message.fds, seccomp, control,
                error_write.get());
  }
  error_write.Reset();
  message.fds.clear();  // only the program holds the stdio pipes now
  char error_text[512];
  ssize_t error_size;
  do {
    error_size = ::read(error_read.get(), error_text, sizeof(error_text));
  } while (error_size < 0 && errno == EINTR);
  if (error_size > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "program did not start: ", absl::string_view(error_text, error_size)));
  }

  JobReport report;
  while (true) {
    int status = 0;
    pid_t reaped = ::waitpid(-1, &status, __WALL);
    if (reaped < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("waitpid");
    }
    if (reaped == program) {
      report.wait_status = status;
      break;
    }
  }
  report.wall_ns = MonotonicNanos() - start;
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  report.user_cpu_us = static_cast<uint64_t>(usage.ru_utime.tv_sec) * 1000000 +
                       usage.ru_utime.tv_usec;
  report.system_cpu_us =
      static_cast<uint64_t>(usage.ru_stime.tv_sec) * 1000000 +
      usage.ru_stime.tv_usec;
  report.max_rss_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  if (!job.output_files.patterns.empty()) {
    UniqueFd workspace(
        ::open(kWorkspaceDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!workspace) return LastErrorStatus("open /workspace");
    FORGE_ASSIGN_OR_RETURN(
        std::vector<OutputFileData> files,
        CollectOutputFiles(workspace.get(), job.output_files));
    FORGE_ASSIGN_OR_RETURN(*output_files, WriteOutputFiles(files));
  }
  return report;
}

}  // namespace

void RunSandboxInit(const SandboxSpec& spec, int control,
                    const std::string& staging_dir,
                    const SeccompPolicy& seccomp) {
  absl::Status contained = ContainInit(spec, control, staging_dir);
  if (!contained.ok()) {
    (void)SendMessage(control,
                      Encode(InitStatus{contained}, MessageType::kInitFailed));
    ::_exit(1);
  }
  if (!SendMessage(control, Encode(InitStatus{absl::OkStatus()},
                                   MessageType::kInitReady))
           .ok()) {
    ::_exit(1);
  }
  UniqueFd output_files;
  absl::StatusOr<JobReport> report =
      RunJob(spec, control, seccomp, &output_files);
  if (!report.ok()) {
    (void)SendMessage(
        control, Encode(InitStatus{report.status()}, MessageType::kInitFailed));
    ::_exit(1);
  }
  if (output_files) {
    const int fds[1] = {output_files.get()};
    (void)SendMessage(control, Encode(*report), fds);
  } else {
    (void)SendMessage(control, Encode(*report));
  }
  // Exiting kills every process still left in the namespace.
  ::_exit(0);
}

}  // namespace forge::sandbox
