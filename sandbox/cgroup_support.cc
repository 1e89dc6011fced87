#include "sandbox/cgroup_support.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace forge::sandbox {

absl::string_view CgroupModeName(CgroupMode mode) {
  switch (mode) {
    case CgroupMode::kNone:
      return "none";
    case CgroupMode::kV1:
      return "v1";
    case CgroupMode::kHybrid:
      return "hybrid";
    case CgroupMode::kV2:
      return "v2";
  }
  return "unknown";
}

absl::string_view CgroupProtectionName(CgroupProtection protection) {
  switch (protection) {
    case CgroupProtection::kMemory:
      return "cgroup-memory";
    case CgroupProtection::kSwapOff:
      return "cgroup-swap";
    case CgroupProtection::kPids:
      return "cgroup-pids";
    case CgroupProtection::kCpu:
      return "cgroup-cpu";
    case CgroupProtection::kCpuTime:
      return "cgroup-cpu-time";
    case CgroupProtection::kKill:
      return "cgroup-kill";
  }
  return "cgroup-unknown";
}

std::vector<std::string> CgroupSupport::ActiveNames() const {
  std::vector<std::string> names;
  for (CgroupProtection p : kAllCgroupProtections) {
    if (Has(p)) names.emplace_back(CgroupProtectionName(p));
  }
  return names;
}

std::vector<std::string> CgroupSupport::MissingNames() const {
  std::vector<std::string> names;
  for (CgroupProtection p : kAllCgroupProtections) {
    if (!Has(p)) names.emplace_back(CgroupProtectionName(p));
  }
  return names;
}

std::string CgroupSupport::Summary() const {
  return absl::StrCat("mode=", CgroupModeName(mode),
                      " active=", absl::StrJoin(ActiveNames(), ","),
                      " missing=", absl::StrJoin(MissingNames(), ","),
                      " notes=\"", absl::StrJoin(notes, "; "), "\"");
}

}  // namespace forge::sandbox
