// What the cgroup setup of this host can do for a sandbox: which layout was
// detected (pure v2, v1/v2 hybrid, v1 only, none) and which protections are
// in force. The caller logs and exports it at start-up; anything missing,
// above all mode kNone (rlimits only), must be reported loudly.
#ifndef FORGE_SANDBOX_CGROUP_SUPPORT_H_
#define FORGE_SANDBOX_CGROUP_SUPPORT_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace forge::sandbox {

enum class CgroupMode {
  kNone,    // no usable hierarchy: rlimits are the only resource limits
  kV1,      // v1 controllers only; kill by freezing and signalling
  kHybrid,  // v1 controllers plus the v2 hierarchy for cgroup.kill
  kV2,      // pure v2 with delegated controllers
};

// Stable names, for logs and metric labels: "none", "v1", "hybrid", "v2".
absl::string_view CgroupModeName(CgroupMode mode);

enum class CgroupProtection {
  kMemory,   // "cgroup-memory": memory limit, OOM and peak reported
  kSwapOff,  // "cgroup-swap": swap limited to zero
  kPids,     // "cgroup-pids": process/thread count limit
  kCpu,      // "cgroup-cpu": CPU bandwidth quota
  kCpuTime,  // "cgroup-cpu-time": CPU time of all processes together
  kKill,     // "cgroup-kill": every process killed at once, forks included
};

inline constexpr CgroupProtection kAllCgroupProtections[] = {
    CgroupProtection::kMemory,  CgroupProtection::kSwapOff,
    CgroupProtection::kPids,    CgroupProtection::kCpu,
    CgroupProtection::kCpuTime, CgroupProtection::kKill};

// Stable names as listed above.
absl::string_view CgroupProtectionName(CgroupProtection protection);

struct CgroupSupport {
  CgroupMode mode = CgroupMode::kNone;
  std::set<CgroupProtection> active;
  // Why something is missing or degraded, one sentence each.
  std::vector<std::string> notes;

  bool Has(CgroupProtection protection) const {
    return active.count(protection) > 0;
  }
  std::vector<std::string> ActiveNames() const;
  std::vector<std::string> MissingNames() const;
  // One line for the start-up log: "mode=hybrid active=cgroup-memory,...
  // missing=... notes=...".
  std::string Summary() const;
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_SUPPORT_H_
