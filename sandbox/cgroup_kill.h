// Killing every process of a cgroup by listing and signalling them, for
// hierarchies without cgroup.kill (cgroup v1, and v2 before Linux 5.14).
// Stateless; the pids read are in the caller's pid namespace.
#ifndef FORGE_SANDBOX_CGROUP_KILL_H_
#define FORGE_SANDBOX_CGROUP_KILL_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "sandbox/cgroup_fs.h"

namespace forge::sandbox {

// How to freeze one cgroup: v1 writes "FROZEN"/"THAWED" to freezer.state
// and reads the state back from it; v2 writes "1"/"0" to cgroup.freeze and
// reads "frozen 1" from cgroup.events.
struct CgroupFreezer {
  std::string control_file;
  std::string freeze_value;
  std::string thaw_value;
  std::string state_file;
  // v2: the state is the key "frozen" of flat-keyed state_file; v1: the
  // whole file reads "FROZEN".
  bool flat_keyed_state = false;

  static CgroupFreezer V1(const std::string& freezer_dir);
  static CgroupFreezer V2(const std::string& unified_dir);
};

// Sends SIGKILL to every process listed in `procs_file`.
//
// With a freezer the cgroup is frozen first, so no process can fork, or exit
// and free its pid for reuse, between being listed and being signalled; it
// is thawed afterwards so the signals take effect. If the cgroup does not
// report frozen within ~100 ms (a task stuck in uninterruptible sleep) the
// processes are signalled anyway. Without a freezer the listed processes are
// signalled once; a process forked meanwhile escapes this call, so callers
// repeat until the cgroup is empty (Cgroup::Destroy does).
//
// Returns OK once every listed process has been signalled (they exit
// asynchronously); NotFound if `procs_file` is absent; other errors when
// the control files cannot be used.
absl::Status KillListedProcesses(CgroupFs& fs, const std::string& procs_file,
                                 const std::optional<CgroupFreezer>& freezer);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_KILL_H_
