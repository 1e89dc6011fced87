// Where the cgroup hierarchies are mounted, read from /proc/self/mounts.
// Pure parsing; no file-system access.
#ifndef FORGE_SANDBOX_CGROUP_MOUNTS_H_
#define FORGE_SANDBOX_CGROUP_MOUNTS_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace forge::sandbox {

struct CgroupMounts {
  // Mount point of the cgroup2 hierarchy; empty if none is mounted.
  std::string unified;
  // cgroup v1 controller name → mount point, for every controller named in
  // a v1 mount's options ("memory", "pids", "cpu", "cpuacct", "freezer", ...).
  // Co-mounted controllers ("cpu,cpuacct") share one mount point.
  std::map<std::string, std::string> v1;
};

// Parses the text of /proc/self/mounts (or /proc/mounts). Lines that are not
// cgroup or cgroup2 mounts, and malformed lines, are skipped. When a
// hierarchy is mounted more than once the first mount wins. Octal escapes
// in mount points ("\040" for a space) are decoded.
CgroupMounts ParseCgroupMounts(absl::string_view proc_mounts);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_MOUNTS_H_
