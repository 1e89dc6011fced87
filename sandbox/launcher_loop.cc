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

#include <deque>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/cgroup.h"
#include "sandbox/fd_passing.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/sandbox_attach.h"
#include "sandbox/sandbox_init.h"
#include "sandbox/seccomp_notify.h"
#include "sandbox/seccomp_sandbox_policy.h"

namespace forge::sandbox {
namespace {

constexpr int kNamespaceFlags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS |
                                CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

// CPU bandwidth of one sandbox: one CPU's worth, so a single execution
// cannot take the whole host.
// How long a background creation lets the job start it usually follows go
// first (see LauncherLoop::creations_).
constexpr absl::Duration kRefillHold = absl::Milliseconds(10);
constexpr absl::Duration kCpuQuota = absl::Milliseconds(100);
constexpr absl::Duration kCpuPeriod = absl::Milliseconds(100);

enum class WatchKind {
  kServer,
  kControl,
  kProcess,
  kWallTimer,
  kResourceTimer,
  kSeccomp,
  kAttach
};

struct SandboxState {
  enum class Phase { kCreating, kReady, kRunning };

  std::string id;
  Phase phase = Phase::kCreating;
  bool warm = false;  // its program started with it; kStart brings no stdio
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd control;
  UniqueFd wall_timer;
  UniqueFd resource_timer;
  std::optional<Cgroup> cgroup;
  std::unique_ptr<SeccompNotifyListener> seccomp;
  // The helper joining init to its cgroups (sandbox_attach.h), until done.
  std::optional<Attaching> attaching;
  absl::Time started;
  ResourceLimits limits;
  // The first reason the launcher killed the sandbox; it explains the death
  // better than the signal the program died of, and is never overwritten.
  std::optional<Termination> verdict;
  std::string verdict_message;
  std::optional<JobReport> report;
  UniqueFd output_files;  // memfd from init, forwarded with the result
  std::optional<absl::Status> failure;  // kInitFailed received
  // The job's result went to the server (on init's report, before the
  // sandbox is torn down).
  bool finished_sent = false;
};

absl::StatusOr<UniqueFd> MakeTimer(absl::Duration first,
                                   absl::Duration interval) {
  UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!timer) return LastErrorStatus("timerfd_create");
  itimerspec spec{};
  spec.it_value = absl::ToTimespec(std::max(first, absl::Nanoseconds(1)));
  spec.it_interval = absl::ToTimespec(interval);
  if (::timerfd_settime(timer.get(), 0, &spec, nullptr) != 0) {
    return LastErrorStatus("timerfd_settime");
  }
  return timer;
}

class LauncherLoop {
 public:
  LauncherLoop(UniqueFd server, const LauncherOptions& options)
      : server_(std::move(server)),
        options_(options),
        protections_(LauncherProtections(options)) {}

  absl::Status Run();

 private:
  absl::Status Watch(int fd, WatchKind kind, SandboxState* sandbox);
  void Unwatch(int fd);

  absl::Status HandleServer();
  void HandleCreate(const CreateRequest& request, std::vector<UniqueFd> fds);
  void HandleStart(const StartRequest& request, std::vector<UniqueFd> fds);
  void HandleKill(const KillRequest& request);
  void HandleControl(SandboxState& sandbox);
  void HandleWallTimer(SandboxState& sandbox);
  void HandleResourceTimer(SandboxState& sandbox);
  void HandleSeccomp(SandboxState& sandbox, uint32_t events);
  void HandleExit(SandboxState& sandbox);
  void HandleAttached(SandboxState& sandbox);
  // Kills whatever is left of the job, then sends its result: the server
  // hears of the end before the namespaces and cgroups are torn down.
  void SendFinished(SandboxState& sandbox, const siginfo_t* exit);

  absl::StatusOr<std::unique_ptr<SandboxState>> Clone(
      const SandboxSpec& spec, const std::vector<UniqueFd>& warm_stdio);
  // Kills every process of the sandbox; `verdict` is recorded if it is the
  // first reason.
  void KillSandbox(SandboxState& sandbox, Termination verdict,
                   std::string message);
  // The same kill without a verdict (the job is over).
  void KillProcesses(SandboxState& sandbox);
  // Sends `message` to the server, with descriptor `fd` attached if >= 0.
  void Reply(const std::string& message, int fd = -1);
  SandboxResult ComposeResult(const SandboxState& sandbox,
                              const siginfo_t& exit,
                              const std::optional<CgroupUsage>& usage) const;
  void KillAllAndReap();

  UniqueFd server_;
  const LauncherOptions& options_;
  const std::vector<std::string> protections_;
  UniqueFd epoll_;
  bool server_closed_ = false;
  absl::flat_hash_map<std::string, std::unique_ptr<SandboxState>> sandboxes_;
  struct WatchEntry {
    WatchKind kind;
    SandboxState* sandbox;
  };
  absl::flat_hash_map<int, WatchEntry> watches_;
  // Background creations (pool refills) wait here until nothing else is
  // ready: a clone (namespaces, cgroups, id maps) takes milliseconds of this
  // single thread, and a job's start, a kill, a finished job or a sandbox a
  // request waits for must not wait behind a refill. A refill is asked for
  // when a ready sandbox is taken, a moment before that sandbox's job start
  // arrives (the server first commits the execution's start to its audit
  // log), so each also waits for a start after it was queued, or for
  // kRefillHold, whichever comes first.
  struct QueuedCreate {
    CreateRequest request;
    std::vector<UniqueFd> fds;
    absl::Time queued_at;
    uint64_t starts_before;  // starts_ when it was queued
  };
  std::deque<QueuedCreate> creations_;
  uint64_t starts_ = 0;  // job starts received
  // How long until the first queued creation may run: zero if now, -1 if
  // none is queued (epoll_wait's timeout, in ms).
  int CreationTimeoutMs() const;
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

void LauncherLoop::Reply(const std::string& message, int fd) {
  if (server_closed_) return;
  const int fds[1] = {fd};
  absl::Span<const int> attached =
      fd >= 0 ? absl::Span<const int>(fds, 1) : absl::Span<const int>();
  if (!SendMessage(server_.get(), message, attached).ok())
    server_closed_ = true;
}

int LauncherLoop::CreationTimeoutMs() const {
  if (creations_.empty()) return -1;
  const QueuedCreate& next = creations_.front();
  return BackgroundCreationWaitMs(next.queued_at, next.starts_before, starts_,
                                  absl::Now(), kRefillHold);
}

absl::Status LauncherLoop::Run() {
  epoll_.Reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return LastErrorStatus("epoll_create1");
  FORGE_RETURN_IF_ERROR(Watch(server_.get(), WatchKind::kServer, nullptr));
  epoll_event events[64];
  while (!server_closed_) {
    int count = ::epoll_wait(epoll_.get(), events, 64, CreationTimeoutMs());
    if (count < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("epoll_wait");
    }
    if (count == 0 && CreationTimeoutMs() == 0) {
      QueuedCreate next = std::move(creations_.front());
      creations_.pop_front();
      HandleCreate(next.request, std::move(next.fds));
      continue;
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
        case WatchKind::kResourceTimer:
          HandleResourceTimer(*entry.sandbox);
          break;
        case WatchKind::kSeccomp:
          HandleSeccomp(*entry.sandbox, events[i].events);
          break;
        case WatchKind::kProcess:
          HandleExit(*entry.sandbox);
          break;
        case WatchKind::kAttach:
          HandleAttached(*entry.sandbox);
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
      // A request waits for a sandbox made on its path: that one goes now.
      if (!request.spec.background) {
        HandleCreate(request, std::move(message->fds));
      } else {
        creations_.push_back({std::move(request), std::move(message->fds),
                              absl::Now(), starts_});
      }
      return absl::OkStatus();
    }
    case MessageType::kStart: {
      FORGE_ASSIGN_OR_RETURN(StartRequest request,
                             DecodeStartRequest(message->data));
      ++starts_;
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
    const SandboxSpec& spec, const std::vector<UniqueFd>& warm_stdio) {
  auto sandbox = std::make_unique<SandboxState>();
  sandbox->id = spec.sandbox_id;
  sandbox->warm = spec.is_warm();
  if (options_.cgroups != nullptr &&
      options_.cgroups->support().mode != CgroupMode::kNone) {
    // No limits yet: they come with the job (Start).
    CgroupLimits weight;
    if (spec.background) weight.cpu_weight = kBackgroundCpuWeight;
    FORGE_ASSIGN_OR_RETURN(Cgroup cgroup,
                           options_.cgroups->Create(spec.sandbox_id, weight));
    sandbox->cgroup.emplace(std::move(cgroup));
  }
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
  if (sandbox->cgroup && sandbox->cgroup->clone_into_fd() >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(sandbox->cgroup->clone_into_fd());
  }
  long pid = ::syscall(SYS_clone3, &args, sizeof(args));
  if (pid < 0) return LastErrorStatus("clone3");
  if (pid == 0) {
    // The child of a single-threaded process: ordinary code is safe here.
    ours.Reset();
    // A warm program's stdio is inherited here; the launcher closes its own
    // copies as soon as the clone is made.
    int stdio[kWarmStdioCount] = {-1, -1, -1};
    for (size_t i = 0; i < warm_stdio.size() && i < kWarmStdioCount; ++i)
      stdio[i] = warm_stdio[i].get();
    RunSandboxInit(spec, theirs.get(), options_.staging_dir, *options_.seccomp,
                   stdio);
  }
  sandbox->pid = static_cast<pid_t>(pid);
  sandbox->pidfd.Reset(pidfd);
  sandbox->control = std::move(ours);
  return sandbox;
}

void LauncherLoop::HandleCreate(const CreateRequest& request,
                                std::vector<UniqueFd> fds) {
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
  if (fds.size() != (spec.is_warm() ? kWarmStdioCount : 0)) {
    return fail(absl::InvalidArgumentError(
        "a warm sandbox comes with exactly its stdio, a cold one with none"));
  }
  absl::StatusOr<std::unique_ptr<SandboxState>> cloned = Clone(spec, fds);
  fds.clear();  // only the sandbox holds the warm program's stdio now
  if (!cloned.ok()) return fail(cloned.status());
  std::unique_ptr<SandboxState> sandbox = std::move(*cloned);
  // The child waits for "go": it is in its cgroups (v1 ones included) and
  // has its id maps before it does anything. A helper does those steps and
  // sends "go", so this loop does not wait for them.
  AttachRequest attach;
  attach.pid = sandbox->pid;
  attach.cgroup = sandbox->cgroup ? &*sandbox->cgroup : nullptr;
  attach.placed_by_clone =
      sandbox->cgroup && sandbox->cgroup->clone_into_fd() >= 0;
  attach.host_uid = spec.host_uid;
  attach.host_gid = spec.host_gid;
  attach.control = sandbox->control.get();
  absl::StatusOr<Attaching> attaching = StartAttach(attach);
  absl::Status status = attaching.status();
  if (status.ok()) {
    sandbox->attaching = std::move(*attaching);
    status = Watch(sandbox->attaching->pidfd.get(), WatchKind::kAttach,
                   sandbox.get());
  }
  if (status.ok())
    status = Watch(sandbox->control.get(), WatchKind::kControl, sandbox.get());
  if (status.ok())
    status = Watch(sandbox->pidfd.get(), WatchKind::kProcess, sandbox.get());
  SandboxState* raw = sandbox.get();
  sandboxes_[spec.sandbox_id] = std::move(sandbox);
  if (!status.ok()) {
    // The exit handler reports the failure once the child is reaped.
    raw->failure = status;
    KillSandbox(*raw, Termination::kSetupError, std::string(status.message()));
  }
}

void LauncherLoop::HandleAttached(SandboxState& sandbox) {
  if (!sandbox.attaching) return;
  Unwatch(sandbox.attaching->pidfd.get());
  absl::Status status = FinishAttach(*sandbox.attaching);
  sandbox.attaching.reset();
  if (!status.ok()) {
    sandbox.failure = status;
    KillSandbox(sandbox, Termination::kSetupError,
                std::string(status.message()));
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
    KillSandbox(sandbox, Termination::kSetupError,
                std::string(status.message()));
  };
  if (sandbox.phase != SandboxState::Phase::kReady) {
    return fail(
        absl::FailedPreconditionError("sandbox not ready or already used"));
  }
  if (fds.size() != (sandbox.warm ? kWarmJobFdCount : kJobFdCount))
    return fail(absl::InvalidArgumentError("start without job fds"));
  sandbox.phase = SandboxState::Phase::kRunning;
  sandbox.limits = request.limits;
  sandbox.started = absl::Now();
  if (sandbox.cgroup) {
    CgroupLimits limits;
    limits.memory_bytes = request.limits.memory_bytes;
    limits.max_pids = request.limits.max_processes;
    limits.cpu_quota = kCpuQuota;
    limits.cpu_period = kCpuPeriod;
    limits.cpu_weight = kNormalCpuWeight;
    absl::Status applied = sandbox.cgroup->SetLimits(limits);
    if (!applied.ok()) return fail(applied);
    absl::StatusOr<UniqueFd> resource_timer = MakeTimer(
        options_.resource_check_interval, options_.resource_check_interval);
    if (!resource_timer.ok()) return fail(resource_timer.status());
    sandbox.resource_timer = std::move(*resource_timer);
    absl::Status watched = Watch(sandbox.resource_timer.get(),
                                 WatchKind::kResourceTimer, &sandbox);
    if (!watched.ok()) return fail(watched);
  }
  absl::StatusOr<UniqueFd> wall_timer =
      MakeTimer(request.limits.wall_time, absl::ZeroDuration());
  if (!wall_timer.ok()) return fail(wall_timer.status());
  sandbox.wall_timer = std::move(*wall_timer);
  absl::Status status =
      Watch(sandbox.wall_timer.get(), WatchKind::kWallTimer, &sandbox);
  if (!status.ok()) return fail(status);
  int raw_fds[kJobFdCount];
  for (size_t i = 0; i < fds.size(); ++i) raw_fds[i] = fds[i].get();
  status =
      SendMessage(sandbox.control.get(), Encode(RunJobCommand{request.limits}),
                  absl::Span<const int>(raw_fds, fds.size()));
  if (!status.ok()) return fail(status);
  // `fds` close here: only init (and then the program) hold the pipes.
}

void LauncherLoop::HandleKill(const KillRequest& request) {
  auto it = sandboxes_.find(request.sandbox_id);
  if (it == sandboxes_.end()) return;  // already finished: nothing to kill
  KillSandbox(*it->second, Termination::kKilled, "killed on request");
}

void LauncherLoop::KillProcesses(SandboxState& sandbox) {
  // SIGKILL to a pid namespace's init kills every process in it; the cgroup
  // kill covers the moment before init's death reaches them.
  ::syscall(SYS_pidfd_send_signal, sandbox.pidfd.get(), SIGKILL, nullptr, 0);
  if (sandbox.cgroup) (void)sandbox.cgroup->Kill();
}

void LauncherLoop::KillSandbox(SandboxState& sandbox, Termination verdict,
                               std::string message) {
  if (!sandbox.verdict) {
    sandbox.verdict = verdict;
    sandbox.verdict_message = std::move(message);
  }
  KillProcesses(sandbox);
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
      KillSandbox(sandbox, Termination::kSetupError,
                  "sandbox init sent a malformed message");
      return;
    }
    if (*type == MessageType::kInitReady &&
        sandbox.phase == SandboxState::Phase::kCreating) {
      // Init had its "go", the helper's last step: the helper is exiting.
      // Reap it now, so a ready sandbox is init and its program alone.
      HandleAttached(sandbox);
      if (sandbox.failure) continue;  // killed; the exit reports it
      sandbox.phase = SandboxState::Phase::kReady;
      Reply(Encode(CreatedReply{sandbox.id, absl::OkStatus(), protections_}));
    } else if (*type == MessageType::kInitFailed) {
      absl::StatusOr<InitStatus> status = DecodeInitStatus(message->data);
      sandbox.failure = status.ok() ? status->status : status.status();
    } else if (*type == MessageType::kJobReport) {
      absl::StatusOr<JobReport> report = DecodeJobReport(message->data);
      if (report.ok()) sandbox.report = *report;
      // Files count only when the program ended on its own.
      if (report.ok() && message->fds.size() == 1) {
        sandbox.output_files = std::move(message->fds[0]);
      }
      // Init exits next; its exit and the namespaces' teardown need not
      // delay the result.
      if (report.ok() && sandbox.phase == SandboxState::Phase::kRunning) {
        SendFinished(sandbox, nullptr);
        return;
      }
    } else if (*type == MessageType::kSeccompListener &&
               message->fds.size() == 1 && sandbox.seccomp == nullptr) {
      sandbox.seccomp =
          std::make_unique<SeccompNotifyListener>(std::move(message->fds[0]));
      if (!Watch(sandbox.seccomp->fd(), WatchKind::kSeccomp, &sandbox).ok()) {
        KillSandbox(sandbox, Termination::kSetupError,
                    "cannot watch the seccomp listener");
      }
    }
  }
}

void LauncherLoop::HandleSeccomp(SandboxState& sandbox, uint32_t events) {
  while (sandbox.seccomp != nullptr) {
    absl::StatusOr<std::optional<SeccompNotification>> notification =
        sandbox.seccomp->TryReceive();
    if (!notification.ok() || !notification->has_value()) break;
    const SeccompNotification& violation = **notification;
    KillSandbox(
        sandbox, Termination::kViolation,
        absl::StrCat("forbidden system call: ", violation.syscall_name));
    (void)sandbox.seccomp->RespondWithError(violation.id,
                                            kSeccompViolationErrno);
  }
  if ((events & (EPOLLHUP | EPOLLERR)) != 0 && sandbox.seccomp != nullptr) {
    // No process uses the filter any more.
    Unwatch(sandbox.seccomp->fd());
    sandbox.seccomp.reset();
  }
}

void LauncherLoop::HandleWallTimer(SandboxState& sandbox) {
  uint64_t expirations;
  (void)!::read(sandbox.wall_timer.get(), &expirations, sizeof(expirations));
  KillSandbox(sandbox, Termination::kWallTimeout,
              absl::StrCat("wall-clock limit of ",
                           absl::FormatDuration(sandbox.limits.wall_time),
                           " exceeded"));
}

void LauncherLoop::HandleResourceTimer(SandboxState& sandbox) {
  uint64_t expirations;
  (void)!::read(sandbox.resource_timer.get(), &expirations,
                sizeof(expirations));
  if (!sandbox.cgroup || sandbox.verdict) return;
  absl::StatusOr<CgroupUsage> usage = sandbox.cgroup->ReadUsage();
  if (!usage.ok()) return;
  if (usage->oom_kills > 0) {
    KillSandbox(sandbox, Termination::kMemoryLimit,
                absl::StrCat("memory limit of ", sandbox.limits.memory_bytes,
                             " bytes exceeded"));
  } else if (usage->pids_limit_hit) {
    KillSandbox(sandbox, Termination::kProcessLimit,
                absl::StrCat("process limit of ", sandbox.limits.max_processes,
                             " reached"));
  } else if (usage->cpu_time_ns &&
             absl::Nanoseconds(static_cast<int64_t>(*usage->cpu_time_ns)) >
                 sandbox.limits.cpu_time) {
    KillSandbox(sandbox, Termination::kCpuTimeout,
                absl::StrCat("CPU-time limit of ",
                             absl::FormatDuration(sandbox.limits.cpu_time),
                             " exceeded"));
  }
}

SandboxResult LauncherLoop::ComposeResult(
    const SandboxState& sandbox, const siginfo_t& exit,
    const std::optional<CgroupUsage>& usage) const {
  SandboxResult result;
  result.wall_time = absl::Now() - sandbox.started;
  if (sandbox.report) {
    const JobReport& report = *sandbox.report;
    result.wall_time = absl::Nanoseconds(static_cast<int64_t>(report.wall_ns));
    result.cpu_time = absl::Microseconds(
        static_cast<int64_t>(report.user_cpu_us + report.system_cpu_us));
    result.peak_memory_bytes = report.max_rss_bytes;
  }
  // The cgroup saw every process, reaped or not.
  if (usage && usage->cpu_time_ns) {
    result.cpu_time =
        absl::Nanoseconds(static_cast<int64_t>(*usage->cpu_time_ns));
  }
  if (usage && usage->peak_memory_bytes)
    result.peak_memory_bytes = *usage->peak_memory_bytes;

  if (sandbox.verdict && sandbox.verdict != Termination::kSetupError) {
    result.termination = *sandbox.verdict;
    result.signal = SIGKILL;
    result.message = sandbox.verdict_message;
  } else if (sandbox.failure) {
    result.termination = Termination::kSetupError;
    result.message = std::string(sandbox.failure->message());
  } else if (usage && usage->oom_kills > 0) {
    result.termination = Termination::kMemoryLimit;
    result.signal = SIGKILL;
    result.message = absl::StrCat(
        "memory limit of ", sandbox.limits.memory_bytes, " bytes exceeded");
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
    // A fork that failed at the pids limit and took the program down.
    const bool clean_exit =
        result.termination == Termination::kExited && result.exit_code == 0;
    if (usage && usage->pids_limit_hit && !clean_exit) {
      result.termination = Termination::kProcessLimit;
      result.message = absl::StrCat("process limit of ",
                                    sandbox.limits.max_processes, " reached");
    }
  } else {
    result.termination = Termination::kSetupError;
    result.message =
        sandbox.verdict
            ? sandbox.verdict_message
            : absl::StrCat("sandbox init ended unexpectedly (code ",
                           exit.si_code, ", status ", exit.si_status, ")");
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
  // Init writes its report before exiting; read it, and any last
  // violation, before deciding (the report usually came earlier and the
  // result went out with it).
  if (!sandbox.finished_sent) HandleControl(sandbox);
  if (sandbox.attaching) {
    Unwatch(sandbox.attaching->pidfd.get());
    AbandonAttach(*sandbox.attaching);
    sandbox.attaching.reset();
  }
  if (sandbox.phase == SandboxState::Phase::kCreating) {
    if (sandbox.cgroup) (void)sandbox.cgroup->Kill();
    absl::Status status = sandbox.failure.value_or(
        absl::InternalError("sandbox init exited during setup"));
    if (status.ok())
      status = absl::InternalError("sandbox init exited during setup");
    Reply(Encode(CreatedReply{sandbox.id, status, {}}));
  } else if (!sandbox.finished_sent) {
    SendFinished(sandbox, &exit);
  }
  if (sandbox.cgroup) {
    absl::Status destroyed = sandbox.cgroup->Destroy();
    if (!destroyed.ok()) {
      std::fprintf(
          stderr, "forge-launcher: sandbox_id=%s cgroup not removed: %s\n",
          sandbox.id.c_str(), std::string(destroyed.message()).c_str());
    }
  }
  for (int fd : {sandbox.control.get(), sandbox.pidfd.get(),
                 sandbox.wall_timer.get(), sandbox.resource_timer.get(),
                 sandbox.seccomp ? sandbox.seccomp->fd() : -1}) {
    Unwatch(fd);
  }
  sandboxes_.erase(sandbox.id);  // `sandbox` is gone after this line
}

void LauncherLoop::SendFinished(SandboxState& sandbox, const siginfo_t* exit) {
  sandbox.finished_sent = true;
  HandleSeccomp(sandbox, 0);  // a last violation decides the verdict
  // Nothing of the job outlives its result: init sent SIGKILL to whatever
  // the program left behind before it reported, and init itself is killed
  // now (its death kills anything still in its namespace). The cgroup kill
  // follows the reply: it can wait milliseconds for the kernel's cgroup lock
  // while another sandbox is being attached to its cgroups.
  ::syscall(SYS_pidfd_send_signal, sandbox.pidfd.get(), SIGKILL, nullptr, 0);
  std::optional<CgroupUsage> usage;
  if (sandbox.cgroup) {
    absl::StatusOr<CgroupUsage> read = sandbox.cgroup->ReadUsage();
    if (read.ok()) usage = *read;
  }
  siginfo_t no_exit{};
  SandboxResult result =
      ComposeResult(sandbox, exit != nullptr ? *exit : no_exit, usage);
  const bool with_files = sandbox.output_files.valid() &&
                          (result.termination == Termination::kExited ||
                           result.termination == Termination::kSignaled);
  Reply(Encode(FinishedReply{sandbox.id, result}),
        with_files ? sandbox.output_files.get() : -1);
  if (sandbox.cgroup) (void)sandbox.cgroup->Kill();
  // The timers have nothing left to decide.
  Unwatch(sandbox.wall_timer.get());
  Unwatch(sandbox.resource_timer.get());
}

void LauncherLoop::KillAllAndReap() {
  for (auto& [id, sandbox] : sandboxes_) {
    KillSandbox(*sandbox, Termination::kKilled, "launcher shutting down");
  }
  for (auto& [id, sandbox] : sandboxes_) {
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), sandbox->pidfd.get(), &info,
             WEXITED);
    if (sandbox->attaching) AbandonAttach(*sandbox->attaching);
    if (sandbox->cgroup) (void)sandbox->cgroup->Destroy();
  }
  sandboxes_.clear();
}

}  // namespace

int BackgroundCreationWaitMs(absl::Time queued_at, uint64_t starts_at_queue,
                             uint64_t starts_now, absl::Time now,
                             absl::Duration hold) {
  if (starts_now > starts_at_queue) return 0;
  const absl::Duration left = queued_at + hold - now;
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
}

std::vector<std::string> LauncherProtections(const LauncherOptions& options) {
  std::vector<std::string> protections = {
      "userns",       "pidns",        "mountns",  "netns",
      "ipcns",        "utsns",        "cgroupns", "pivot_root",
      "no_new_privs", "caps-dropped", "rlimits"};
  if (options.seccomp != nullptr) protections.push_back("seccomp");
  if (options.cgroups != nullptr) {
    for (const std::string& name : options.cgroups->support().ActiveNames()) {
      protections.push_back(name);
    }
  }
  return protections;
}

absl::Status RunLauncher(UniqueFd server_socket,
                         const LauncherOptions& options) {
  if (options.seccomp == nullptr)
    return absl::InvalidArgumentError("launcher needs a seccomp policy");
  LauncherLoop loop(std::move(server_socket), options);
  return loop.Run();
}

}  // namespace forge::sandbox
