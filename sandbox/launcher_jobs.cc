// A job in the launcher, from its start to its result: the job's limits on
// the sandbox's cgroup and its timers, init's messages, seccomp violations,
// the wall-clock and resource checks, kills, and the result sent on init's
// report or its exit (launcher_loop_internal.h).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sandbox/fd_passing.h"
#include "sandbox/launcher_loop_internal.h"
#include "sandbox/seccomp_sandbox_policy.h"

namespace forge::sandbox::launcher_internal {

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
  if (fds.size() != (sandbox.warm ? kWarmJobFdCount : kJobFdCount) +
                        (request.held ? kReleaseFdCount : 0))
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
  int raw_fds[kJobFdCount + kReleaseFdCount];
  for (size_t i = 0; i < fds.size(); ++i) raw_fds[i] = fds[i].get();
  status = SendMessage(sandbox.control.get(),
                       Encode(RunJobCommand{request.limits, request.held}),
                       absl::Span<const int>(raw_fds, fds.size()));
  if (!status.ok()) return fail(status);
  // `fds` close here: only init (and then the program) hold the pipes.
}

void LauncherLoop::HandleKill(const KillRequest& request) {
  auto it = sandboxes_.find(request.sandbox_id);
  if (it == sandboxes_.end()) return;  // already finished: nothing to kill
  KillSandbox(*it->second, Termination::kKilled, "killed on request");
}

void LauncherLoop::KillInit(SandboxState& sandbox) {
  ::syscall(SYS_pidfd_send_signal, sandbox.pidfd.get(), SIGKILL, nullptr, 0);
}

void LauncherLoop::KillProcesses(SandboxState& sandbox) {
  // SIGKILL to a pid namespace's init kills every process in it; the cgroup
  // kill covers the moment before init's death reaches them.
  KillInit(sandbox);
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
    } else if (*type == MessageType::kJobReleased &&
               sandbox.phase == SandboxState::Phase::kRunning) {
      // A held job's program starts now: its wall time counts from here
      // (the timer armed at the start bounded the hold).
      absl::Status restarted =
          RestartTimer(sandbox.wall_timer.get(), sandbox.limits.wall_time);
      if (!restarted.ok()) {
        sandbox.failure = restarted;
        KillSandbox(sandbox, Termination::kSetupError,
                    std::string(restarted.message()));
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
  ++jobs_ended_;  // a queued refill may go soon
  last_job_end_ = absl::Now();
  HandleSeccomp(sandbox, 0);  // a last violation decides the verdict
  // Nothing of the job outlives its result: init sent SIGKILL to whatever
  // the program left behind before it reported, and init itself is killed
  // now (its death kills anything still in its namespace). The cgroup kill
  // follows the reply: it can wait milliseconds for the kernel's cgroup lock
  // while another sandbox is being attached to its cgroups.
  KillInit(sandbox);
  std::optional<CgroupUsage> usage;
  if (sandbox.cgroup) {
    absl::StatusOr<CgroupUsage> read = sandbox.cgroup->ReadUsage();
    if (read.ok()) usage = *read;
  }
  siginfo_t no_exit{};
  SandboxResult result =
      ComposeJobResult(sandbox, exit != nullptr ? *exit : no_exit, usage);
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

}  // namespace forge::sandbox::launcher_internal
