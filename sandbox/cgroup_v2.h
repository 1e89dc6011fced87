// The cgroup v2 side of Cgroup: one directory holds every controller.
// Stateless functions over a CgroupFs; `dir` is the cgroup's absolute path.
#ifndef FORGE_SANDBOX_CGROUP_V2_H_
#define FORGE_SANDBOX_CGROUP_V2_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fs.h"

namespace forge::sandbox::cgroup_v2 {

// memory.max, memory.swap.max = 0, memory.oom.group = 1 (an OOM kill takes
// the whole sandbox, so the outcome is unambiguous), pids.max, cpu.max.
// A limit whose control file is absent (controller not delegated) is
// skipped. Error from the first write the kernel rejects.
absl::Status ApplyLimits(CgroupFs& fs, const std::string& dir,
                         const CgroupLimits& limits);

// Writes "1" to cgroup.kill (Linux 5.14+); before that, freezes with
// cgroup.freeze and signals every listed pid (cgroup_kill.h).
absl::Status Kill(CgroupFs& fs, const std::string& dir);

// usage_usec of cpu.stat, in nanoseconds.
absl::StatusOr<uint64_t> ReadCpuTimeNs(CgroupFs& fs, const std::string& dir);

// cpu.stat usage_usec, memory.peak (Linux 5.19+), memory.events oom_kill,
// pids.events max. Files that are absent leave their field unset; other
// read errors are returned.
absl::StatusOr<CgroupUsage> ReadUsage(CgroupFs& fs, const std::string& dir);

}  // namespace forge::sandbox::cgroup_v2

#endif  // FORGE_SANDBOX_CGROUP_V2_H_
