// The cgroup v1 side of Cgroup (v1-only and hybrid hosts): one directory per
// controller. Stateless functions over a CgroupFs.
#ifndef FORGE_SANDBOX_CGROUP_V1_H_
#define FORGE_SANDBOX_CGROUP_V1_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fs.h"

namespace forge::sandbox::cgroup_v1 {

// memory.limit_in_bytes, then memory.memsw.limit_in_bytes to the same value
// (swap off; present only with swap accounting) and memory.swappiness = 0;
// pids.max; cpu.cfs_period_us then cpu.cfs_quota_us. Controllers without a
// directory, and absent files, are skipped. Error from the first write the
// kernel rejects.
absl::Status ApplyLimits(CgroupFs& fs, const CgroupDirs& dirs,
                         const CgroupLimits& limits);

// Kills every process in the v1 directories: with the freezer hierarchy,
// freeze + signal + thaw on its cgroup.procs (every process is there, see
// Cgroup::AddProcess); without it, one signal pass over every directory's
// list, which the caller repeats until the cgroup is empty (cgroup_kill.h).
absl::Status Kill(CgroupFs& fs, const CgroupDirs& dirs);

// cpuacct.usage; without a cpuacct directory, usage_usec of the v2
// directory's cpu.stat (hybrid). NotFound when neither exists.
absl::StatusOr<uint64_t> ReadCpuTimeNs(CgroupFs& fs, const CgroupDirs& dirs);

// CPU time as above, memory.max_usage_in_bytes, the oom_kill counter of
// memory.oom_control (Linux 4.13+), and the pids limit: pids.events "max"
// when present, else pids.peak (or pids.current) having reached pids.max.
absl::StatusOr<CgroupUsage> ReadUsage(CgroupFs& fs, const CgroupDirs& dirs);

}  // namespace forge::sandbox::cgroup_v1

#endif  // FORGE_SANDBOX_CGROUP_V1_H_
