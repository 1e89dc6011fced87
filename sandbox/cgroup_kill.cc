#include "sandbox/cgroup_kill.h"

#include <signal.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/cgroup_files.h"

namespace forge::sandbox {
namespace {

constexpr int kFreezePolls = 100;
constexpr absl::Duration kFreezePollInterval = absl::Milliseconds(1);

absl::StatusOr<bool> IsFrozen(CgroupFs& fs, const CgroupFreezer& freezer) {
  FORGE_ASSIGN_OR_RETURN(std::string state, fs.ReadFile(freezer.state_file));
  if (freezer.flat_keyed_state) {
    return FindFlatKeyedValue(state, "frozen") == std::optional<uint64_t>(1);
  }
  return absl::StripAsciiWhitespace(state) == "FROZEN";
}

// Signals every listed pid; returns how many were listed.
absl::StatusOr<size_t> SignalListed(CgroupFs& fs,
                                    const std::string& procs_file) {
  FORGE_ASSIGN_OR_RETURN(std::vector<pid_t> pids,
                         ReadCgroupPids(fs, procs_file));
  for (pid_t pid : pids) {
    if (::kill(pid, SIGKILL) != 0 && errno != ESRCH) {
      return LastErrorStatus("kill");
    }
  }
  return pids.size();
}

}  // namespace

CgroupFreezer CgroupFreezer::V1(const std::string& freezer_dir) {
  return CgroupFreezer{freezer_dir + "/freezer.state", "FROZEN", "THAWED",
                       freezer_dir + "/freezer.state", false};
}

CgroupFreezer CgroupFreezer::V2(const std::string& unified_dir) {
  return CgroupFreezer{unified_dir + "/cgroup.freeze", "1", "0",
                       unified_dir + "/cgroup.events", true};
}

absl::Status KillListedProcesses(CgroupFs& fs, const std::string& procs_file,
                                 const std::optional<CgroupFreezer>& freezer) {
  if (!freezer) return SignalListed(fs, procs_file).status();
  FORGE_RETURN_IF_ERROR(
      fs.WriteFile(freezer->control_file, freezer->freeze_value));
  for (int poll = 0; poll < kFreezePolls; ++poll) {
    absl::StatusOr<bool> frozen = IsFrozen(fs, *freezer);
    if (!frozen.ok() || *frozen) break;
    absl::SleepFor(kFreezePollInterval);
  }
  absl::Status signalled = SignalListed(fs, procs_file).status();
  // Thaw even when signalling failed: a frozen sandbox would never exit.
  absl::Status thawed =
      fs.WriteFile(freezer->control_file, freezer->thaw_value);
  FORGE_RETURN_IF_ERROR(signalled);
  return thawed;
}

}  // namespace forge::sandbox
