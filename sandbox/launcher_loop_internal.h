// The launcher's event loop (launcher_loop.h) and its record of each
// sandbox, shared by the files that implement it: launcher_loop.cc (the
// loop, the server's messages, shutdown), launcher_creation.cc (making a
// sandbox), launcher_jobs.cc (a job from its start to its result) and
// launcher_result.cc (what the result says). Internal to the launcher.
//
// Thread-safety: none; everything runs on the launcher's one thread.
#ifndef FORGE_SANDBOX_LAUNCHER_LOOP_INTERNAL_H_
#define FORGE_SANDBOX_LAUNCHER_LOOP_INTERNAL_H_

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/unique_fd.h"
#include "sandbox/cgroup.h"
#include "sandbox/launcher_loop.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/sandbox_attach.h"
#include "sandbox/sandbox_spec.h"
#include "sandbox/seccomp_notify.h"

namespace forge::sandbox::launcher_internal {

// How long a background creation lets the job it usually follows end
// first (see LauncherLoop::creations_).
constexpr absl::Duration kRefillHold = absl::Milliseconds(10);
// How long after a job's result a refill still waits: the server's side of
// that result (the closing audit commit, the last events) runs meanwhile.
constexpr absl::Duration kRefillSettle = absl::Milliseconds(2);
// CPU bandwidth of one sandbox: one CPU's worth, so a single execution
// cannot take the whole host.
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

// A non-blocking CLOCK_MONOTONIC timerfd that fires after `first` (at least
// 1 ns) and then every `interval` (zero: once).
absl::StatusOr<UniqueFd> MakeTimer(absl::Duration first,
                                   absl::Duration interval);

// Restarts `timer` (from MakeTimer) to fire once, `first` from now.
absl::Status RestartTimer(int timer, absl::Duration first);

// The result of `sandbox`'s job (launcher_result.cc): the launcher's verdict
// first, then a setup failure, an OOM kill, and otherwise how the program
// ended by init's report; CPU time and peak memory from the cgroup's
// `usage` when there is one (it saw every process), else from the report.
// `exit` is init's exit, when known (its si_code and si_status explain an
// init that ended without a report).
SandboxResult ComposeJobResult(const SandboxState& sandbox,
                               const siginfo_t& exit,
                               const std::optional<CgroupUsage>& usage);

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
  // SIGKILL to init alone (its death ends its pid namespace).
  void KillInit(SandboxState& sandbox);
  // Sends `message` to the server, with descriptor `fd` attached if >= 0.
  void Reply(const std::string& message, int fd = -1);
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
  // when a ready sandbox is taken, a moment before that sandbox's job
  // arrives, and its clone would take a CPU from that job (its preparation,
  // its program, its result) on a small host; so each also waits for a job
  // to end after it was queued and kRefillSettle more, or for kRefillHold,
  // whichever comes first.
  struct QueuedCreate {
    CreateRequest request;
    std::vector<UniqueFd> fds;
    absl::Time queued_at;
    uint64_t ended_before;  // jobs_ended_ when it was queued
  };
  std::deque<QueuedCreate> creations_;
  uint64_t jobs_ended_ = 0;  // job results sent
  absl::Time last_job_end_;  // when the last one was sent
  // How long until the first queued creation may run: zero if now, -1 if
  // none is queued (epoll_wait's timeout, in ms).
  int CreationTimeoutMs() const;
};

}  // namespace forge::sandbox::launcher_internal

#endif  // FORGE_SANDBOX_LAUNCHER_LOOP_INTERNAL_H_
