#include "sandbox/cgroup_v2.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "sandbox/cgroup_files.h"
#include "sandbox/cgroup_kill.h"

namespace forge::sandbox::cgroup_v2 {
namespace {

// Writes `value` to dir/name if that file exists.
absl::Status WriteIfPresent(CgroupFs& fs, const std::string& dir,
                            const char* name, const std::string& value) {
  const std::string path = absl::StrCat(dir, "/", name);
  if (!fs.Exists(path)) return absl::OkStatus();
  return fs.WriteFile(path, value);
}

// Tells "file absent" (field left unset) from real read errors.
template <typename T>
absl::StatusOr<std::optional<T>> Optional(absl::StatusOr<T> value) {
  if (absl::IsNotFound(value.status())) return std::optional<T>();
  if (!value.ok()) return value.status();
  return std::optional<T>(*std::move(value));
}

}  // namespace

absl::Status ApplyLimits(CgroupFs& fs, const std::string& dir,
                         const CgroupLimits& limits) {
  FORGE_RETURN_IF_ERROR(ValidateCgroupLimits(limits));
  if (limits.memory_bytes > 0) {
    FORGE_RETURN_IF_ERROR(WriteIfPresent(fs, dir, "memory.max",
                                         absl::StrCat(limits.memory_bytes)));
    FORGE_RETURN_IF_ERROR(WriteIfPresent(fs, dir, "memory.swap.max", "0"));
    FORGE_RETURN_IF_ERROR(WriteIfPresent(fs, dir, "memory.oom.group", "1"));
  }
  if (limits.max_pids > 0) {
    FORGE_RETURN_IF_ERROR(
        WriteIfPresent(fs, dir, "pids.max", absl::StrCat(limits.max_pids)));
  }
  if (limits.cpu_quota > absl::ZeroDuration()) {
    FORGE_RETURN_IF_ERROR(WriteIfPresent(
        fs, dir, "cpu.max",
        absl::StrCat(absl::ToInt64Microseconds(limits.cpu_quota), " ",
                     absl::ToInt64Microseconds(limits.cpu_period))));
  }
  if (limits.cpu_weight > 0) {
    FORGE_RETURN_IF_ERROR(
        WriteIfPresent(fs, dir, "cpu.weight", absl::StrCat(limits.cpu_weight)));
  }
  return absl::OkStatus();
}

absl::Status Kill(CgroupFs& fs, const std::string& dir) {
  const std::string kill_file = dir + "/cgroup.kill";
  if (fs.Exists(kill_file)) return fs.WriteFile(kill_file, "1");
  std::optional<CgroupFreezer> freezer;
  if (fs.Exists(dir + "/cgroup.freeze")) freezer = CgroupFreezer::V2(dir);
  return KillListedProcesses(fs, dir + "/cgroup.procs", freezer);
}

absl::StatusOr<uint64_t> ReadCpuTimeNs(CgroupFs& fs, const std::string& dir) {
  FORGE_ASSIGN_OR_RETURN(std::optional<uint64_t> usec,
                         ReadFlatKeyed(fs, dir + "/cpu.stat", "usage_usec"));
  if (!usec) return absl::NotFoundError(dir + "/cpu.stat has no usage_usec");
  return *usec * 1000;
}

absl::StatusOr<CgroupUsage> ReadUsage(CgroupFs& fs, const std::string& dir) {
  CgroupUsage usage;
  FORGE_ASSIGN_OR_RETURN(usage.cpu_time_ns, Optional(ReadCpuTimeNs(fs, dir)));
  FORGE_ASSIGN_OR_RETURN(std::optional<std::optional<uint64_t>> peak,
                         Optional(ReadCgroupNumber(fs, dir + "/memory.peak")));
  if (peak) usage.peak_memory_bytes = *peak;
  FORGE_ASSIGN_OR_RETURN(
      std::optional<std::optional<uint64_t>> oom_kills,
      Optional(ReadFlatKeyed(fs, dir + "/memory.events", "oom_kill")));
  if (oom_kills && *oom_kills) usage.oom_kills = **oom_kills;
  FORGE_ASSIGN_OR_RETURN(
      std::optional<std::optional<uint64_t>> pids_max_events,
      Optional(ReadFlatKeyed(fs, dir + "/pids.events", "max")));
  usage.pids_limit_hit =
      pids_max_events && *pids_max_events && **pids_max_events > 0;
  return usage;
}

}  // namespace forge::sandbox::cgroup_v2
