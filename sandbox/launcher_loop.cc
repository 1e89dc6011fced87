#include "sandbox/launcher_loop.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/fd_passing.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/sandbox_init.h"

namespace forge::sandbox {
namespace {

constexpr int kNamespaceFlags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS |
                                CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

// The protections every sandbox made by this loop has.
const std::vector<std::string>& BaseProtections() {
  static const auto* const kProtections = new std::vector<std::string>{
      "userns", "pidns",      "mountns",      "netns",        "ipcns",
      "utsns",  "pivot_root", "no_new_privs", "caps-dropped", "rlimits"};
  return *kProtections;
}

enum class WatchKind { kServer, kControl, kProcess, kWallTimer };

struct SandboxState {
  enum class Phase { kCreating, kReady, kRunning };

  std::string id;
  Phase phase = Phase::kCreating;
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd control;
  UniqueFd wall_timer;
  absl::Time started;
  ResourceLimits limits;
  bool kill_requested = false;
  bool wall_expired = false;
  std::optional<JobReport> report;
  std::optional<absl::Status> failure;  // kInitFailed received
};

class LauncherLoop {
 public:
  LauncherLoop(UniqueFd server, LauncherOptions options)
      : server_(std::move(server)), options_(std::move(options)) {}

  absl::Status Run();

 private:
  absl::Status Watch(int fd, WatchKind kind, SandboxState* sandbox);
  void Unwatch(int fd);

  absl::Status HandleServer();
  void HandleCreate(const CreateRequest& request);
  void HandleStart(const StartRequest& request, std::vector<UniqueFd> fds);
  void HandleKill(const KillRequest& request);
  void HandleControl(SandboxState& sandbox);
  void HandleWallTimer(SandboxState& sandbox);
  void HandleExit(SandboxState& sandbox);

  absl::StatusOr<std::unique_ptr<SandboxState>> Clone(const SandboxSpec& spec);
  void KillSandbox(SandboxState& sandbox);
  void Reply(const std::string& message);
  SandboxResult ComposeResult(const SandboxState& sandbox,
                              const siginfo_t& exit) const;
  void KillAllAndReap();

  UniqueFd server_;
  LauncherOptions options_;
  UniqueFd epoll_;
  bool server_closed_ = false;
  absl::flat_hash_map<std::string, std::unique_ptr<SandboxState>> sandboxes_;
  struct WatchEntry {
    WatchKind kind;
    SandboxState* sandbox;
  };
  absl::flat_hash_map<int, WatchEntry> watches_;
};

absl::Status LauncherLoop::Watch(int fd, WatchKind kind,
                                 SandboxState* sandbox) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return LastErrorStatus("epoll_ctl add");
  }
  watches_[fd] = WatchEntry{kind, sandbox};
  return absl::OkStatus();
}

void LauncherLoop::Unwatch(int fd) {
  if (fd < 0) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  watches_.erase(fd);
}

void LauncherLoop::Reply(const std::string& message) {
  if (server_closed_) return;
  if (!SendMessage(server_.get(), message).ok()) server_closed_ = true;
}

absl::Status LauncherLoop::Run() {
  epoll_.Reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return LastErrorStatus("epoll_create1");
  FORGE_RETURN_IF_ERROR(Watch(server_.get(), WatchKind::kServer, nullptr));
  epoll_event events[64];
  while (!server_closed_) {
    int count = ::epoll_wait(epoll_.get(), events, 64, -1);
    if (count < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("epoll_wait");
    }
    for (int i = 0; i < count && !server_closed_; ++i) {
      auto it = watches_.find(events[i].data.fd);
      if (it == watches_.end()) continue;  // removed earlier in this batch
      WatchEntry entry = it->second;
      switch (entry.kind) {
        case WatchKind::kServer:
          FORGE_RETURN_IF_ERROR(HandleServer());
          break;
        case WatchKind::kControl:
          HandleControl(*entry.sandbox);
          break;
        case WatchKind::kWallTimer:
          HandleWallTimer(*entry.sandbox);
          break;
        case WatchKind::kProcess:
          HandleExit(*entry.sandbox);
          break;
      }
    }
  }
  KillAllAndReap();
  return absl::OkStatus();
}

absl::Status LauncherLoop::HandleServer() {
  absl::StatusOr<ReceivedMessage> message = ReceiveMessage(server_.get());
  if (!message.ok()) {
    // Closed socket or a broken peer: either way the server is gone.
    server_closed_ = true;
    return absl::OkStatus();
  }
  absl::StatusOr<MessageType> type = PeekType(message->data);
  if (!type.ok()) return type.status();  // a protocol bug: stop loudly
  switch (*type) {
    case MessageType::kCreate: {
      FORGE_ASSIGN_OR_RETURN(CreateRequest request,
                             DecodeCreateRequest(message->data));
      HandleCreate(request);
      return absl::OkStatus();
    }
    case MessageType::kStart: {
      FORGE_ASSIGN_OR_RETURN(StartRequest request,
                             DecodeStartRequest(message->data));
      HandleStart(request, std::move(message->fds));
      return absl::OkStatus();
    }
    case MessageType::kKill: {
      FORGE_ASSIGN_OR_RETURN(KillRequest request,
                             DecodeKillRequest(message->data));
      HandleKill(request);
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("launcher: unexpected message from server");
  }
}

absl::StatusOr<std::unique_ptr<SandboxState>> LauncherLoop::Clone(
    const SandboxSpec& spec) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return LastErrorStatus("socketpair");
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  int pidfd = -1;
  clone_args args{};
  args.flags = kNamespaceFlags | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof(args));
  if (pid < 0) return LastErrorStatus("clone3");
  if (pid == 0) {
    // The child of a single-threaded process: ordinary code is safe here.
    ours.Reset();
    RunSandboxInit(spec, theirs.get(), options_.staging_dir);
  }
  auto sandbox = std::make_unique<SandboxState>();
  sandbox->id = spec.sandbox_id;
  sandbox->pid = static_cast<pid_t>(pid);
  sandbox->pidfd.Reset(pidfd);
  sandbox->control = std::move(ours);
  return sandbox;
}

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

void LauncherLoop::HandleCreate(const CreateRequest& request) {
  const SandboxSpec& spec = request.spec;
  auto fail = [&](const absl::Status& status) {
    Reply(Encode(CreatedReply{spec.sandbox_id, status, {}}));
  };
  if (spec.host_uid == 0 || spec.host_gid == 0) {
    return fail(
        absl::InvalidArgumentError("sandbox host uid/gid must not be 0"));
  }
  if (sandboxes_.contains(spec.sandbox_id)) {
    return fail(absl::AlreadyExistsError("duplicate sandbox id"));
  }
  absl::StatusOr<std::unique_ptr<SandboxState>> cloned = Clone(spec);
  if (!cloned.ok()) return fail(cloned.status());
  std::unique_ptr<SandboxState> sandbox = std::move(*cloned);
  absl::Status status =
      WriteIdMap(sandbox->pid, "uid_map", kSandboxUid, spec.host_uid);
  if (status.ok())
    status = WriteIdMap(sandbox->pid, "gid_map", kSandboxGid, spec.host_gid);
  if (status.ok()) status = SendMessage(sandbox->control.get(), EncodeGo());
  if (status.ok())
    status = Watch(sandbox->control.get(), WatchKind::kControl, sandbox.get());
  if (status.ok())
    status = Watch(sandbox->pidfd.get(), WatchKind::kProcess, sandbox.get());
  SandboxState* raw = sandbox.get();
  sandboxes_[spec.sandbox_id] = std::move(sandbox);
  if (!status.ok()) {
    // The exit handler reports the failure once the child is reaped.
    raw->failure = status;
    KillSandbox(*raw);
  }
}

void LauncherLoop::HandleStart(const StartRequest& request,
                               std::vector<UniqueFd> fds) {
  auto it = sandboxes_.find(request.sandbox_id);
  if (it == sandboxes_.end()) {
    SandboxResult result;
    result.message = "unknown sandbox";
    Reply(Encode(FinishedReply{request.sandbox_id, result}));
    return;
  }
  SandboxState& sandbox = *it->second;
  auto fail = [&](const absl::Status& status) {
    sandbox.failure = status;
    KillSandbox(sandbox);
  };
  if (sandbox.phase != SandboxState::Phase::kReady) {
    return fail(
        absl::FailedPreconditionError("sandbox not ready or already used"));
  }
  if (fds.size() != kJobFdCount)
    return fail(absl::InvalidArgumentError("start without job fds"));
  sandbox.phase = SandboxState::Phase::kRunning;
  sandbox.limits = request.limits;
  sandbox.started = absl::Now();
  sandbox.wall_timer.Reset(
      ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!sandbox.wall_timer) return fail(LastErrorStatus("timerfd_create"));
  itimerspec expiry{};
  expiry.it_value = absl::ToTimespec(request.limits.wall_time);
  if (expiry.it_value.tv_sec == 0 && expiry.it_value.tv_nsec == 0)
    expiry.it_value.tv_nsec = 1;
  if (::timerfd_settime(sandbox.wall_timer.get(), 0, &expiry, nullptr) != 0) {
    return fail(LastErrorStatus("timerfd_settime"));
  }
  absl::Status status =
      Watch(sandbox.wall_timer.get(), WatchKind::kWallTimer, &sandbox);
  if (!status.ok()) return fail(status);
  int raw_fds[kJobFdCount];
  for (size_t i = 0; i < kJobFdCount; ++i) raw_fds[i] = fds[i].get();
  status = SendMessage(sandbox.control.get(),
                       Encode(RunJobCommand{request.limits}), raw_fds);
  if (!status.ok()) return fail(status);
  // `fds` close here: only init (and then the program) hold the pipes.
}

void LauncherLoop::HandleKill(const KillRequest& request) {
  auto it = sandboxes_.find(request.sandbox_id);
  if (it == sandboxes_.end()) return;  // already finished: nothing to kill
  it->second->kill_requested = true;
  KillSandbox(*it->second);
}

void LauncherLoop::KillSandbox(SandboxState& sandbox) {
  // SIGKILL to a pid namespace's init kills every process in it.
  ::syscall(SYS_pidfd_send_signal, sandbox.pidfd.get(), SIGKILL, nullptr, 0);
}

void LauncherLoop::HandleControl(SandboxState& sandbox) {
  ::fcntl(sandbox.control.get(), F_SETFL, O_NONBLOCK);
  while (true) {
    absl::StatusOr<ReceivedMessage> message =
        ReceiveMessage(sandbox.control.get());
    if (!message.ok()) {
      // EOF or nothing more to read; exit is reported via the pidfd.
      if (!absl::IsUnavailable(message.status()))
        Unwatch(sandbox.control.get());
      return;
    }
    absl::StatusOr<MessageType> type = PeekType(message->data);
    if (!type.ok()) {
      sandbox.failure =
          absl::InternalError("sandbox init sent a malformed message");
      KillSandbox(sandbox);
      return;
    }
    if (*type == MessageType::kInitReady &&
        sandbox.phase == SandboxState::Phase::kCreating) {
      sandbox.phase = SandboxState::Phase::kReady;
      Reply(Encode(
          CreatedReply{sandbox.id, absl::OkStatus(), BaseProtections()}));
    } else if (*type == MessageType::kInitFailed) {
      absl::StatusOr<InitStatus> status = DecodeInitStatus(message->data);
      sandbox.failure = status.ok() ? status->status : status.status();
    } else if (*type == MessageType::kJobReport) {
      absl::StatusOr<JobReport> report = DecodeJobReport(message->data);
      if (report.ok()) sandbox.report = *report;
    }
  }
}

void LauncherLoop::HandleWallTimer(SandboxState& sandbox) {
  uint64_t expirations;
  (void)!::read(sandbox.wall_timer.get(), &expirations, sizeof(expirations));
  if (!sandbox.kill_requested) sandbox.wall_expired = true;
  KillSandbox(sandbox);
}

SandboxResult LauncherLoop::ComposeResult(const SandboxState& sandbox,
                                          const siginfo_t& exit) const {
  SandboxResult result;
  result.wall_time = absl::Now() - sandbox.started;
  if (sandbox.report) {
    const JobReport& report = *sandbox.report;
    result.wall_time = absl::Nanoseconds(static_cast<int64_t>(report.wall_ns));
    result.cpu_time = absl::Microseconds(
        static_cast<int64_t>(report.user_cpu_us + report.system_cpu_us));
    result.peak_memory_bytes = report.max_rss_bytes;
  }
  // The first verdict wins: what the launcher did to the sandbox explains
  // its death better than the signal the program died of.
  if (sandbox.wall_expired) {
    result.termination = Termination::kWallTimeout;
    result.signal = SIGKILL;
    result.message = absl::StrCat(
        "wall-clock limit of ", absl::FormatDuration(sandbox.limits.wall_time),
        " exceeded");
  } else if (sandbox.kill_requested) {
    result.termination = Termination::kKilled;
    result.signal = SIGKILL;
    result.message = "killed on request";
  } else if (sandbox.failure) {
    result.termination = Termination::kSetupError;
    result.message = std::string(sandbox.failure->message());
  } else if (sandbox.report) {
    const int status = sandbox.report->wait_status;
    if (WIFEXITED(status)) {
      result.termination = Termination::kExited;
      result.exit_code = WEXITSTATUS(status);
    } else {
      result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      const bool over_cpu = result.cpu_time >= sandbox.limits.cpu_time;
      if (result.signal == SIGXCPU || (result.signal == SIGKILL && over_cpu)) {
        result.termination = Termination::kCpuTimeout;
        result.message = absl::StrCat(
            "CPU-time limit of ", absl::FormatDuration(sandbox.limits.cpu_time),
            " exceeded");
      } else {
        result.termination = Termination::kSignaled;
      }
    }
  } else {
    result.termination = Termination::kSetupError;
    result.message =
        absl::StrCat("sandbox init ended unexpectedly (code ", exit.si_code,
                     ", status ", exit.si_status, ")");
  }
  return result;
}

void LauncherLoop::HandleExit(SandboxState& sandbox) {
  siginfo_t exit{};
  if (::waitid(static_cast<idtype_t>(P_PIDFD), sandbox.pidfd.get(), &exit,
               WEXITED | WNOHANG) != 0 ||
      exit.si_pid == 0) {
    return;  // not exited yet (spurious wake-up)
  }
  // Init writes its report before exiting; read it before deciding.
  HandleControl(sandbox);
  if (sandbox.phase == SandboxState::Phase::kCreating) {
    absl::Status status = sandbox.failure.value_or(
        absl::InternalError("sandbox init exited during setup"));
    if (status.ok())
      status = absl::InternalError("sandbox init exited during setup");
    Reply(Encode(CreatedReply{sandbox.id, status, {}}));
  } else {
    Reply(Encode(FinishedReply{sandbox.id, ComposeResult(sandbox, exit)}));
  }
  Unwatch(sandbox.control.get());
  Unwatch(sandbox.pidfd.get());
  Unwatch(sandbox.wall_timer.get());
  sandboxes_.erase(sandbox.id);  // `sandbox` is gone after this line
}

void LauncherLoop::KillAllAndReap() {
  for (auto& [id, sandbox] : sandboxes_) KillSandbox(*sandbox);
  for (auto& [id, sandbox] : sandboxes_) {
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), sandbox->pidfd.get(), &info,
             WEXITED);
  }
  sandboxes_.clear();
}

}  // namespace

absl::Status RunLauncher(UniqueFd server_socket,
                         const LauncherOptions& options) {
  LauncherLoop loop(std::move(server_socket), options);
  return loop.Run();
}

}  // namespace forge::sandbox
