#include "sandbox/cgroup_v1.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "sandbox/cgroup_files.h"
#include "sandbox/cgroup_kill.h"
#include "sandbox/cgroup_v2.h"

namespace forge::sandbox::cgroup_v1 {
namespace {

absl::Status WriteIfPresent(CgroupFs& fs, const std::string& dir,
                            const char* name, const std::string& value) {
  if (dir.empty()) return absl::OkStatus();
  const std::string path = absl::StrCat(dir, "/", name);
  if (!fs.Exists(path)) return absl::OkStatus();
  return fs.WriteFile(path, value);
}

// Whether the pids limit was reached, from the best file the kernel offers.
absl::StatusOr<bool> PidsLimitHit(CgroupFs& fs, const std::string& dir) {
  if (fs.Exists(dir + "/pids.events")) {
    FORGE_ASSIGN_OR_RETURN(std::optional<uint64_t> max_events,
                           ReadFlatKeyed(fs, dir + "/pids.events", "max"));
    return max_events.value_or(0) > 0;
  }
  FORGE_ASSIGN_OR_RETURN(std::optional<uint64_t> limit,
                         ReadCgroupNumber(fs, dir + "/pids.max"));
  if (!limit) return false;  // "max": no limit to hit
  const std::string high_water =
      fs.Exists(dir + "/pids.peak") ? "/pids.peak" : "/pids.current";
  FORGE_ASSIGN_OR_RETURN(std::optional<uint64_t> count,
                         ReadCgroupNumber(fs, dir + high_water));
  return count.value_or(0) >= *limit;
}

}  // namespace

absl::Status ApplyLimits(CgroupFs& fs, const CgroupDirs& dirs,
                         const CgroupLimits& limits) {
  FORGE_RETURN_IF_ERROR(ValidateCgroupLimits(limits));
  if (limits.memory_bytes > 0) {
    const std::string bytes = absl::StrCat(limits.memory_bytes);
    // memsw must stay >= limit_in_bytes, so the plain limit goes first.
    FORGE_RETURN_IF_ERROR(
        WriteIfPresent(fs, dirs.memory, "memory.limit_in_bytes", bytes));
    FORGE_RETURN_IF_ERROR(
        WriteIfPresent(fs, dirs.memory, "memory.memsw.limit_in_bytes", bytes));
    FORGE_RETURN_IF_ERROR(
        WriteIfPresent(fs, dirs.memory, "memory.swappiness", "0"));
  }
  if (limits.max_pids > 0) {
    FORGE_RETURN_IF_ERROR(WriteIfPresent(fs, dirs.pids, "pids.max",
                                         absl::StrCat(limits.max_pids)));
  }
  if (limits.cpu_quota > absl::ZeroDuration()) {
    // The kernel checks quota against the current period: period first.
    FORGE_RETURN_IF_ERROR(WriteIfPresent(
        fs, dirs.cpu, "cpu.cfs_period_us",
        absl::StrCat(absl::ToInt64Microseconds(limits.cpu_period))));
    FORGE_RETURN_IF_ERROR(WriteIfPresent(
        fs, dirs.cpu, "cpu.cfs_quota_us",
        absl::StrCat(absl::ToInt64Microseconds(limits.cpu_quota))));
  }
  if (limits.cpu_weight > 0) {
    // The kernel's own v2 conversion: weight 100 is the default 1024.
    const uint64_t shares = uint64_t{limits.cpu_weight} * 1024 / 100;
    FORGE_RETURN_IF_ERROR(
        WriteIfPresent(fs, dirs.cpu, "cpu.shares", absl::StrCat(shares)));
  }
  return absl::OkStatus();
}

absl::Status Kill(CgroupFs& fs, const CgroupDirs& dirs) {
  // Cgroup::AddProcess writes the freezer hierarchy before the other v1
  // ones, so every process of the sandbox is in the freezer cgroup.
  if (!dirs.freezer.empty()) {
    return KillListedProcesses(fs, dirs.freezer + "/cgroup.procs",
                               CgroupFreezer::V1(dirs.freezer));
  }
  for (const std::string& dir : dirs.V1()) {
    absl::Status status =
        KillListedProcesses(fs, dir + "/cgroup.procs", std::nullopt);
    if (!status.ok() && !absl::IsNotFound(status)) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ReadCpuTimeNs(CgroupFs& fs, const CgroupDirs& dirs) {
  if (!dirs.cpuacct.empty()) {
    FORGE_ASSIGN_OR_RETURN(
        std::optional<uint64_t> ns,
        ReadCgroupNumber(fs, dirs.cpuacct + "/cpuacct.usage"));
    return ns.value_or(0);
  }
  if (!dirs.unified.empty()) return cgroup_v2::ReadCpuTimeNs(fs, dirs.unified);
  return absl::NotFoundError("no CPU accounting hierarchy");
}

absl::StatusOr<CgroupUsage> ReadUsage(CgroupFs& fs, const CgroupDirs& dirs) {
  CgroupUsage usage;
  absl::StatusOr<uint64_t> cpu = ReadCpuTimeNs(fs, dirs);
  if (cpu.ok()) {
    usage.cpu_time_ns = *cpu;
  } else if (!absl::IsNotFound(cpu.status())) {
    return cpu.status();
  }
  if (!dirs.memory.empty()) {
    FORGE_ASSIGN_OR_RETURN(
        usage.peak_memory_bytes,
        ReadCgroupNumber(fs, dirs.memory + "/memory.max_usage_in_bytes"));
    FORGE_ASSIGN_OR_RETURN(
        std::optional<uint64_t> oom_kills,
        ReadFlatKeyed(fs, dirs.memory + "/memory.oom_control", "oom_kill"));
    usage.oom_kills = oom_kills.value_or(0);
  }
  if (!dirs.pids.empty()) {
    FORGE_ASSIGN_OR_RETURN(usage.pids_limit_hit, PidsLimitHit(fs, dirs.pids));
  }
  return usage;
}

}  // namespace forge::sandbox::cgroup_v1
