// Attaching a freshly cloned sandbox init to its cgroups and giving it its
// uid/gid maps, in a short-lived helper process the launcher forks, so the
// launcher's loop never waits for these steps. On hosts with cgroup v1
// hierarchies every cgroup.procs write waits for the cgroup threadgroup lock
// (an RCU grace period: milliseconds, more under load), and meanwhile other
// sandboxes' jobs start and end through the same single-threaded loop.
//
// The helper does, in order: the cgroup.procs writes (Cgroup::AddProcess),
// uid_map, gid_map, then sends "go" on the sandbox's control socket. Init
// does nothing before "go", so it never runs outside its cgroups or without
// its id maps. The helper holds no other state and exits at once.
//
// Call from the single-threaded launcher only (it forks).
#ifndef FORGE_SANDBOX_SANDBOX_ATTACH_H_
#define FORGE_SANDBOX_SANDBOX_ATTACH_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"
#include "sandbox/cgroup.h"

namespace forge::sandbox {

struct AttachRequest {
  pid_t pid = -1;            // the sandbox init, waiting for "go"
  Cgroup* cgroup = nullptr;  // null: no cgroups on this host
  // clone3(CLONE_INTO_CGROUP) already placed it in the v2 directory.
  bool placed_by_clone = false;
  uint32_t host_uid = 0;  // kSandboxUid/Gid map onto these
  uint32_t host_gid = 0;
  int control = -1;  // the launcher's end of init's control socket
};

// A helper at work. Watch `pidfd` (readable once the helper exited), then
// call FinishAttach.
struct Attaching {
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd error_read;  // the failed step's message, if one failed
};

// Forks the helper. Errors: the fork or its descriptors failed (nothing was
// started then).
absl::StatusOr<Attaching> StartAttach(const AttachRequest& request);

// Reaps the helper (blocking until it exits). OK when every step succeeded
// (init has its "go"); otherwise the first failed step's error.
absl::Status FinishAttach(Attaching& attaching);

// Kills the helper and reaps it; for a sandbox that ends before its helper
// did.
void AbandonAttach(Attaching& attaching);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SANDBOX_ATTACH_H_
