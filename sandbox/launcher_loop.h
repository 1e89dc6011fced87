// The body of the forge-launcher process: a single-threaded epoll loop that
// owns every sandbox. It clones sandbox inits (so the multithreaded server
// never forks), puts each in its own cgroup, forwards jobs to them, enforces
// the wall-clock limit with a timerfd and the cgroup limits (CPU time, OOM,
// pids) with a resource check, reports seccomp violations by syscall name,
// kills on request, reaps with pidfds, and reports typed results. When the
// server's socket closes, it kills every sandbox and returns.
#ifndef FORGE_SANDBOX_LAUNCHER_LOOP_H_
#define FORGE_SANDBOX_LAUNCHER_LOOP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/unique_fd.h"
#include "sandbox/cgroup_tree.h"
#include "sandbox/seccomp_policy.h"

namespace forge::sandbox {

struct LauncherOptions {
  // Empty host directory each sandbox mounts its new root on (privately, in
  // its own mount namespace). Created by the caller, mode 0755.
  std::string staging_dir;
  // Where sandbox cgroups are made; null or mode kNone means rlimits only
  // (the caller has logged that loudly).
  CgroupTree* cgroups = nullptr;
  // The filter every program runs under. Required.
  const SeccompPolicy* seccomp = nullptr;
  // Interval of the resource check (CPU time, OOM, pids) of running jobs.
  absl::Duration resource_check_interval = absl::Milliseconds(20);
};

// Serves `server_socket` (SOCK_SEQPACKET) until the server goes away.
// Must be called in a single-threaded process. Returns OK on an orderly end
// (socket closed), an error if the loop itself failed.
absl::Status RunLauncher(UniqueFd server_socket,
                         const LauncherOptions& options);

// The protections every sandbox of a launcher with `options` has, as
// reported in CreatedReply (e.g. "userns", "seccomp", "cgroup-memory").
std::vector<std::string> LauncherProtections(const LauncherOptions& options);

// What decides when a queued background creation (a pool refill) goes.
struct RefillState {
  absl::Time queued_at;    // when it was queued
  uint64_t ends_at_queue;  // job results sent by then
  uint64_t ends_now;       // job results sent so far
  absl::Time last_end;     // when the last result was sent
};

// How long the refill still waits, in ms for epoll_wait: once a job ended
// after it was queued, until `settle` after the last job end (the server is
// then still sending that job's result to its client); never past `hold`
// after it was queued. 0 when it may go; otherwise the time left, rounded
// up so it is never early.
int BackgroundCreationWaitMs(const RefillState& refill, absl::Time now,
                             absl::Duration hold, absl::Duration settle);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_LAUNCHER_LOOP_H_
