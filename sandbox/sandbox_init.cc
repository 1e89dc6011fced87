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

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"
#include "sandbox/fd_passing.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/mounts.h"
#include "sandbox/process_title.h"
#include "sandbox/program_start.h"
#include "sandbox/warm_runner.h"

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
  // Init is a clone of the launcher: without this, /proc/1/cmdline and
  // /proc/1/comm would show the launcher's host path and flags.
  FORGE_RETURN_IF_ERROR(SetProcessTitle(kSandboxInitTitle));
  FORGE_RETURN_IF_ERROR(SwitchToSandboxIds());
  // After the id switch: changing the effective uid clears the parent-death
  // signal, so one set before it would be lost.
  FORGE_RETURN_IF_ERROR(DieWithLauncher(control));
  FORGE_RETURN_IF_ERROR(EnterCgroupNamespace());
  FORGE_RETURN_IF_ERROR(SetHostname());
  FORGE_RETURN_IF_ERROR(BringUpLoopback());
  FORGE_RETURN_IF_ERROR(BuildRootFilesystem(spec, staging_dir));
  FORGE_RETURN_IF_ERROR(MakeNonDumpable());
  return absl::OkStatus();
}

uint64_t MonotonicNanos() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

// A warm program: running (the runner waits on its job pipe), not yet given
// a job.
struct WarmProgram {
  pid_t pid = -1;
  UniqueFd job;  // init's end: the job is written here, then closed
};

// Closes every descriptor init inherited from the launcher except `keep`
// (the launcher's other sandboxes' sockets, timers and listeners among them):
// a long-lived ready sandbox holds nothing but its own.
void CloseInheritedExcept(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned int next = 3;
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned int>(fd) < next) continue;
    if (static_cast<unsigned int>(fd) > next)
      ::syscall(SYS_close_range, next, static_cast<unsigned int>(fd) - 1, 0);
    next = static_cast<unsigned int>(fd) + 1;
  }
  ::syscall(SYS_close_range, next, ~0U, 0);
}

// Reads the error pipe of a program that failed to start; empty when it
// exec'd (the pipe closed on exec).
std::string StartError(int error_read) {
  char error_text[512];
  ssize_t error_size;
  do {
    error_size = ::read(error_read, error_text, sizeof(error_text));
  } while (error_size < 0 && errno == EINTR);
  return error_size > 0 ? std::string(error_text, error_size) : "";
}

// Forks the warm program and waits until its runner is ready for a job.
absl::StatusOr<WarmProgram> StartWarmProgram(const SandboxSpec& spec,
                                             int control,
                                             const SeccompPolicy& seccomp,
                                             const int stdio[3]) {
  int job_pipe[2], ready_pipe[2];
  if (::pipe2(job_pipe, O_CLOEXEC) != 0) return LastErrorStatus("pipe2 job");
  UniqueFd job_read(job_pipe[0]), job_write(job_pipe[1]);
  if (::pipe2(ready_pipe, O_CLOEXEC) != 0)
    return LastErrorStatus("pipe2 ready");
  UniqueFd ready_read(ready_pipe[0]), ready_write(ready_pipe[1]);
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
  UniqueFd error_read(error_pipe[0]);
  UniqueFd error_write(error_pipe[1]);
  ProgramLaunch launch;
  launch.argv = &spec.warm.argv;
  launch.env = &spec.warm.env;
  for (int i = 0; i < 3; ++i) launch.stdio[i] = stdio[i];
  launch.channel[0] = job_read.get();
  launch.channel[1] = ready_write.get();
  launch.seccomp = &seccomp;
  launch.control = control;
  launch.error_pipe = error_write.get();
  // The job's rlimits are set on it before the job is delivered.
  launch.apply_job_rlimits = false;
  pid_t pid = ::fork();
  if (pid < 0) return LastErrorStatus("fork warm program");
  if (pid == 0) {
    job_write.Reset();
    ready_read.Reset();
    ExecProgram(launch);
  }
  for (int i = 0; i < 3; ++i) ::close(stdio[i]);  // only the program has them
  job_read.Reset();
  ready_write.Reset();
  error_write.Reset();
  WarmProgram program{pid, std::move(job_write)};
  std::string error = StartError(error_read.get());
  if (!error.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("warm program did not start: ", error));
  }
  char ready = 0;
  ssize_t n;
  do {
    n = ::read(ready_read.get(), &ready, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1 || ready != kWarmReadyByte) {
    ::kill(pid, SIGKILL);
    return absl::FailedPreconditionError(
        "warm program exited before it was ready");
  }
  return program;
}

// Init is its pid namespace's init: the kernel drops the SIGPIPE a write to
// the pipe of a runner that died would raise, and the write fails (EPIPE).
absl::Status WriteAllTo(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("write warm job");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Blocks until the server releases a held job: one byte on `release`.
// The pipe closing without it means the job must never start.
absl::Status WaitForRelease(UniqueFd release) {
  char byte = 0;
  ssize_t n;
  do {
    n = ::read(release.get(), &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) {
    return absl::AbortedError(
        "the job was withdrawn before it started (never released)");
  }
  return absl::OkStatus();
}

// Reaps until `program` exits; fills the report's status and usage.
absl::StatusOr<JobReport> ReapProgram(pid_t program, uint64_t start) {
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
  return report;
}

// Receives the job, starts the program (or hands the job to the warm one),
// reaps until it exits. Returns the report, or an error when the program
// could not be started.
absl::StatusOr<JobReport> RunJob(const SandboxSpec& spec, int control,
                                 const SeccompPolicy& seccomp,
                                 WarmProgram* warm, UniqueFd* output_files) {
  FORGE_ASSIGN_OR_RETURN(ReceivedMessage message, ReceiveMessage(control));
  FORGE_ASSIGN_OR_RETURN(RunJobCommand command,
                         DecodeRunJobCommand(message.data));
  if (message.fds.size() != (warm ? kWarmJobFdCount : kJobFdCount) +
                                (command.held ? kReleaseFdCount : 0))
    return absl::InternalError("init: job without its fds");
  UniqueFd release;
  if (command.held) {
    release = std::move(message.fds.back());
    message.fds.pop_back();
  }
  FORGE_RETURN_IF_ERROR(
      MountWorkspace(command.limits.workspace_bytes, spec.tmpfs_inodes));
  FORGE_ASSIGN_OR_RETURN(JobSpec job,
                         ReadJobPayload(message.fds[kJobPayloadFd].get()));
  FORGE_RETURN_IF_ERROR(WriteInputFiles(job.files));
  // The limits first, then the job: its code never runs unlimited.
  if (warm != nullptr)
    FORGE_RETURN_IF_ERROR(ApplyRlimits(warm->pid, command.limits));
  // Everything is ready; a held job waits here until it may run. Its
  // wall-time limit counts from the release (the launcher restarts it).
  if (release) {
    FORGE_RETURN_IF_ERROR(WaitForRelease(std::move(release)));
    FORGE_RETURN_IF_ERROR(SendMessage(control, EncodeJobReleased()));
  }

  uint64_t start = 0;
  pid_t program = -1;
  if (warm != nullptr) {
    start = MonotonicNanos();
    program = warm->pid;
    FORGE_RETURN_IF_ERROR(
        WriteAllTo(warm->job.get(), EncodeWarmJob(job.argv, job.env)));
    warm->job.Reset();
  } else {
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
    UniqueFd error_read(error_pipe[0]);
    UniqueFd error_write(error_pipe[1]);
    ProgramLaunch launch;
    launch.argv = &job.argv;
    launch.env = &job.env;
    for (int i = 0; i < 3; ++i) launch.stdio[i] = message.fds[1 + i].get();
    launch.cwd = kWorkspaceDir;
    launch.limits = command.limits;
    launch.seccomp = &seccomp;
    launch.control = control;
    launch.error_pipe = error_write.get();
    start = MonotonicNanos();
    program = ::fork();
    if (program < 0) return LastErrorStatus("fork program");
    if (program == 0) ExecProgram(launch);
    error_write.Reset();
    message.fds.clear();  // only the program holds the stdio pipes now
    std::string error = StartError(error_read.get());
    if (!error.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("program did not start: ", error));
    }
  }

  FORGE_ASSIGN_OR_RETURN(JobReport report, ReapProgram(program, start));
  // The program has ended: everything it left behind is sent SIGKILL now
  // (kill(-1) spares only init, the namespace's pid 1), before its files are
  // collected and before the result is reported.
  (void)::kill(-1, SIGKILL);
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
                    const SeccompPolicy& seccomp, const int warm_stdio[3]) {
  CloseInheritedExcept({control, warm_stdio[0], warm_stdio[1], warm_stdio[2]});
  absl::Status contained = ContainInit(spec, control, staging_dir);
  std::optional<WarmProgram> warm;
  if (contained.ok() && spec.is_warm()) {
    absl::StatusOr<WarmProgram> started =
        StartWarmProgram(spec, control, seccomp, warm_stdio);
    if (started.ok()) {
      warm = std::move(*started);
    } else {
      contained = started.status();
    }
  }
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
      RunJob(spec, control, seccomp, warm ? &*warm : nullptr, &output_files);
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
