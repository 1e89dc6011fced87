// LauncherSupervisor: keeps a forge-launcher running for the server. It
// starts the launcher, hands every sandbox request to the one running now,
// and when that launcher dies (crash, kill -9, OOM kill) it reaps it and
// starts a new one after a backoff:
//
//   launcher dies ─► its in-flight jobs end (LauncherClient fails them:
//   kSetupError) ─► on_lost ─► reap, log event=launcher_lost ─► backoff
//   (doubling from initial_backoff up to max_backoff; reset once a launcher
//   stayed up for stable_after) ─► start ─► log event=launcher_restarted
//   ─► on_restart (the server counts it and drops the dead launcher's ready
//   sandboxes from the pool, which refills)
//
// The sandboxes of a dead launcher die with it (their inits have
// PR_SET_PDEATHSIG), and the new launcher removes the dead one's cgroups,
// killing whatever is left in them, before it makes any sandbox.
//
// While no launcher runs, Create fails at once with UNAVAILABLE.
//
// Thread-safe. Callbacks (Create's, on_restart) must not block; on_restart
// runs on the supervisor's own thread.
#ifndef FORGE_SERVER_LAUNCHER_SUPERVISOR_H_
#define FORGE_SERVER_LAUNCHER_SUPERVISOR_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/launcher_client.h"
#include "sandbox/sandbox_spec.h"
#include "spdlog/logger.h"

namespace forge::server {

struct LauncherSupervisorOptions {
  std::string launcher_path;
  std::vector<std::string> args;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // A launcher that ran at least this long before dying restarts after
  // initial_backoff again.
  absl::Duration stable_after = absl::Seconds(60);
  // Runs after each restart with the new launcher's pid.
  absl::AnyInvocable<void(pid_t)> on_restart;
};

class LauncherSupervisor {
 public:
  // Starts the first launcher (its error if that fails: the server cannot
  // run without one) and the supervising thread.
  static absl::StatusOr<std::unique_ptr<LauncherSupervisor>> Start(
      LauncherSupervisorOptions options, std::shared_ptr<spdlog::logger> log);
  // StopLauncher(), then ends the supervising thread.
  ~LauncherSupervisor();
  LauncherSupervisor(const LauncherSupervisor&) = delete;
  LauncherSupervisor& operator=(const LauncherSupervisor&) = delete;

  // As LauncherClient::Create / CreateWarm on the launcher running now;
  // UNAVAILABLE (via `done`, inline) while none runs.
  void Create(const sandbox::SandboxSpec& spec,
              sandbox::LauncherClient::CreatedCallback done);
  void CreateWarm(const sandbox::SandboxSpec& spec,
                  sandbox::LauncherClient::WarmStdio stdio,
                  sandbox::LauncherClient::CreatedCallback done);

  // The running launcher's pid, or -1 while none runs.
  pid_t launcher_pid() const;
  // Launchers started after the first.
  uint64_t restarts() const;

  // Shutdown(), then stops the current launcher: it kills its sandboxes,
  // removes their cgroups and exits; every pending Create and Run callback
  // has run (failed) when this returns. Create fails UNAVAILABLE after it.
  // Idempotent.
  void StopLauncher();

  // Stops supervising: no restart and no on_restart after this returns.
  // The current launcher keeps running until destruction. Idempotent.
  // (The supervising thread ends only at destruction, after the launcher:
  // a launcher it restarted dies with it.)
  void Shutdown();

 private:
  LauncherSupervisor(LauncherSupervisorOptions options,
                     std::shared_ptr<spdlog::logger> log);

  absl::StatusOr<std::shared_ptr<sandbox::LauncherClient>> StartLauncher();
  void OnLost();
  void SuperviseLoop();
  bool LostOrExiting() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  bool Stopping() const;
  // The running launcher; null, after failing `done` with UNAVAILABLE, while
  // it is being restarted.
  std::shared_ptr<sandbox::LauncherClient> Current(
      sandbox::LauncherClient::CreatedCallback& done);
  // Sleeps up to `duration`; false if Shutdown came first.
  bool SleepUnlessStopping(absl::Duration duration);

  LauncherSupervisorOptions options_;
  const std::shared_ptr<spdlog::logger> log_;

  mutable absl::Mutex mutex_;
  std::shared_ptr<sandbox::LauncherClient> current_ ABSL_GUARDED_BY(mutex_);
  absl::Time current_started_ ABSL_GUARDED_BY(mutex_);
  bool lost_ ABSL_GUARDED_BY(mutex_) = false;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;  // no more restarts
  bool exiting_ ABSL_GUARDED_BY(mutex_) = false;   // the thread ends
  uint64_t restarts_ ABSL_GUARDED_BY(mutex_) = 0;
  // Held while on_restart runs, so Shutdown can wait for it.
  absl::Mutex hook_mutex_ ABSL_ACQUIRED_BEFORE(mutex_);
  std::thread thread_;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_LAUNCHER_SUPERVISOR_H_
