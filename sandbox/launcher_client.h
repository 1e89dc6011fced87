// The server's side of the launcher: starts forge-launcher once (before the
// server's threads exist, or later with posix_spawn, which is safe in a
// threaded process), sends it requests, and delivers its replies to
// callbacks. The server process itself never forks a sandbox.
//
// Thread-safety: every method may be called from any thread. Callbacks run
// on the client's single reader thread, one at a time; they must not block
// and must not call back into a LauncherClient method that waits (none do).
#ifndef FORGE_SANDBOX_LAUNCHER_CLIENT_H_
#define FORGE_SANDBOX_LAUNCHER_CLIENT_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/unique_fd.h"
#include "sandbox/sandbox_spec.h"

namespace forge::sandbox {

class LauncherConnection;

// One sandbox, made for exactly one job and never reused. Destroying it kills
// whatever still runs in it.
class Sandbox {
 public:
  using FinishedCallback = absl::AnyInvocable<void(SandboxResult) &&>;

  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::string& id() const { return id_; }
  // Protections in force, e.g. "userns", "pidns", "seccomp".
  const std::vector<std::string>& protections() const { return protections_; }

  // Starts the job whose payload is in `job.payload` (job_payload.h) with
  // the given stdio descriptors (the program's ends; the caller keeps its
  // own). A warm sandbox got its stdio at creation: leave them invalid.
  // With `job.release` (the read end of a pipe) the job is held: the
  // sandbox applies the limits and prepares the workspace and files, then
  // starts the program only once a byte arrives on the pipe; if the pipe
  // closes without one, the program never starts and the result is
  // kSetupError. The wall-time limit counts from this call.
  // `done` runs exactly once: with the result, or with a kSetupError result if
  // the launcher is lost. Calling Run twice yields a kSetupError result.
  struct JobFds {
    UniqueFd payload{};
    UniqueFd stdin_fd{}, stdout_fd{}, stderr_fd{};
    UniqueFd release{};
  };
  void Run(const ResourceLimits& limits, JobFds job, FinishedCallback done);

  // Kills the sandbox's processes. Non-blocking; idempotent; a Run's `done`
  // still follows, with termination kKilled (unless another verdict came
  // first).
  void Kill();

  // False once the launcher that made this sandbox is gone (its processes
  // died with it): such a sandbox can no longer run anything.
  bool launcher_alive() const;

 private:
  friend class LauncherConnection;
  Sandbox(std::shared_ptr<LauncherConnection> connection, std::string id,
          std::vector<std::string> protections);

  std::shared_ptr<LauncherConnection> connection_;
  std::string id_;
  std::vector<std::string> protections_;
  bool ran_ = false;
};

class LauncherClient {
 public:
  using CreatedCallback =
      absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Sandbox>>) &&>;

  // Runs once, on the reader thread, when the connection to the launcher
  // ends (the launcher died, or Stop), after every pending callback failed.
  using LostCallback = absl::AnyInvocable<void() &&>;

  // Starts `launcher_path` with `args` (see launcher_main.cc) and a fresh
  // socketpair. The launcher dies with this process. `on_lost` (optional)
  // tells a supervisor that the launcher is gone.
  static absl::StatusOr<std::unique_ptr<LauncherClient>> Start(
      const std::string& launcher_path,
      const std::vector<std::string>& args = {}, LostCallback on_lost = {});

  // Stop()s.
  ~LauncherClient();

  // Closes the socket (the launcher then kills every sandbox and exits),
  // fails pending callbacks, waits for the launcher to exit and returns its
  // wait status (as from waitpid). Idempotent: later calls return the same
  // status. Must not be called on the reader thread (from a callback).
  int Stop();

  // Asynchronously makes a ready sandbox. `done` runs exactly once.
  void Create(const SandboxSpec& spec, CreatedCallback done);

  // The program ends of a warm sandbox's stdio, fixed at creation because
  // its program starts then (sandbox_spec.h WarmStart).
  struct WarmStdio {
    UniqueFd stdin_fd;
    UniqueFd stdout_fd;
    UniqueFd stderr_fd;
  };
  // Makes a warm sandbox (`spec.is_warm()`): its interpreter is running and
  // waiting for its job when `done` runs with a sandbox. The descriptors are
  // passed to the launcher and closed here.
  void CreateWarm(const SandboxSpec& spec, WarmStdio stdio,
                  CreatedCallback done);

  // Blocking convenience for tools and tests.
  absl::StatusOr<std::unique_ptr<Sandbox>> CreateSync(const SandboxSpec& spec);

  // False once the launcher has exited or the connection broke.
  bool alive() const;
  pid_t launcher_pid() const { return pid_; }

 private:
  LauncherClient(std::shared_ptr<LauncherConnection> connection, pid_t pid);

  std::shared_ptr<LauncherConnection> connection_;
  pid_t pid_;
  absl::Mutex stop_mutex_;
  std::optional<int> wait_status_ ABSL_GUARDED_BY(stop_mutex_);
};

// Reads the pipes `out` and `err` until both reach end of file, appending
// their bytes to *out_data and *err_data. Error: poll failed (other than
// EINTR). A read error ends that pipe as end of file would.
absl::Status ReadUntilBothClose(int out, int err, std::string* out_data,
                                std::string* err_data);

// Runs `job` in `sandbox` and waits for the result, collecting all of
// stdout and stderr (for tests, tools and benchmarks, not the server).
struct CollectedRun {
  SandboxResult result;
  std::string stdout_data;
  std::string stderr_data;
};
absl::StatusOr<CollectedRun> RunAndCollect(Sandbox& sandbox, const JobSpec& job,
                                           const ResourceLimits& limits,
                                           absl::string_view stdin_data = "");

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_LAUNCHER_CLIENT_H_
