// The body of the forge-launcher process: a single-threaded epoll loop that
// owns every sandbox. It clones sandbox inits (so the multithreaded server
// never forks), forwards jobs to them, enforces wall-clock limits with
// timerfds, kills on request, reaps with pidfds, and reports results. When
// the server's socket closes, it kills every sandbox and returns.
#ifndef FORGE_SANDBOX_LAUNCHER_LOOP_H_
#define FORGE_SANDBOX_LAUNCHER_LOOP_H_

#include <string>

#include "absl/status/status.h"
#include "common/unique_fd.h"

namespace forge::sandbox {

struct LauncherOptions {
  // Empty host directory each sandbox mounts its new root on (privately, in
  // its own mount namespace). Created by the caller, mode 0755.
  std::string staging_dir;
};

// Serves `server_socket` (SOCK_SEQPACKET) until the server goes away.
// Must be called in a single-threaded process. Returns OK on an orderly end
// (socket closed), an error if the loop itself failed.
absl::Status RunLauncher(UniqueFd server_socket,
                         const LauncherOptions& options);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_LAUNCHER_LOOP_H_
