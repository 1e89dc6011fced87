#include "sandbox/cgroup.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "sandbox/cgroup_files.h"
#include "sandbox/cgroup_v1.h"
#include "sandbox/cgroup_v2.h"

namespace forge::sandbox {
namespace {

constexpr absl::Duration kRemoveTimeout = absl::Seconds(2);
constexpr absl::Duration kFirstRemoveBackoff = absl::Milliseconds(1);
constexpr absl::Duration kMaxRemoveBackoff = absl::Milliseconds(50);

void AddDistinct(std::vector<std::string>& dirs, const std::string& dir) {
  if (dir.empty()) return;
  if (std::find(dirs.begin(), dirs.end(), dir) != dirs.end()) return;
  dirs.push_back(dir);
}

// The fields of CgroupDirs in the order processes are added to them: v2
// first (cgroup.kill), then the v1 freezer (v1 kill), then the rest.
std::string CgroupDirs::*const kFieldOrder[] = {
    &CgroupDirs::unified, &CgroupDirs::freezer, &CgroupDirs::memory,
    &CgroupDirs::pids,    &CgroupDirs::cpu,     &CgroupDirs::cpuacct};

}  // namespace

absl::Status ValidateCgroupLimits(const CgroupLimits& limits) {
  if (limits.cpu_quota < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("cpu_quota is negative");
  }
  if (limits.cpu_weight > 10000) {
    return absl::InvalidArgumentError("cpu_weight must be 1..10000");
  }
  if (limits.cpu_quota > absl::ZeroDuration()) {
    if (limits.cpu_period < absl::Milliseconds(1) ||
        limits.cpu_period > absl::Seconds(1)) {
      return absl::InvalidArgumentError("cpu_period must be 1ms..1s");
    }
    if (limits.cpu_quota < absl::Milliseconds(1)) {
      return absl::InvalidArgumentError("cpu_quota must be at least 1ms");
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> CgroupDirs::All() const {
  std::vector<std::string> dirs;
  for (std::string CgroupDirs::*field : kFieldOrder)
    AddDistinct(dirs, this->*field);
  return dirs;
}

std::vector<std::string> CgroupDirs::V1() const {
  std::vector<std::string> dirs;
  for (std::string CgroupDirs::*field : kFieldOrder) {
    if (field != &CgroupDirs::unified) AddDistinct(dirs, this->*field);
  }
  return dirs;
}

absl::StatusOr<Cgroup> Cgroup::Create(CgroupFs& fs, CgroupMode mode,
                                      CgroupDirs dirs,
                                      const CgroupLimits& limits) {
  FORGE_RETURN_IF_ERROR(ValidateCgroupLimits(limits));
  // Owns each directory only once it made it, so a failure never removes a
  // directory that existed before.
  Cgroup cgroup(fs, mode, CgroupDirs{});
  for (std::string CgroupDirs::*field : kFieldOrder) {
    const std::string& dir = dirs.*field;
    if (dir.empty()) continue;
    const std::vector<std::string> owned = cgroup.dirs_.All();
    if (std::find(owned.begin(), owned.end(), dir) == owned.end()) {
      FORGE_RETURN_IF_ERROR(fs.MakeDir(dir));
    }
    cgroup.dirs_.*field = dir;
  }
  if (!cgroup.dirs_.unified.empty()) {
    FORGE_ASSIGN_OR_RETURN(cgroup.unified_fd_,
                           fs.OpenDir(cgroup.dirs_.unified));
  }
  FORGE_RETURN_IF_ERROR(cgroup.SetLimits(limits));
  return cgroup;
}

absl::Status Cgroup::SetLimits(const CgroupLimits& limits) {
  FORGE_RETURN_IF_ERROR(ValidateCgroupLimits(limits));
  if (mode_ == CgroupMode::kV2) {
    return cgroup_v2::ApplyLimits(*fs_, dirs_.unified, limits);
  }
  return cgroup_v1::ApplyLimits(*fs_, dirs_, limits);
}

Cgroup Cgroup::Adopt(CgroupFs& fs, CgroupMode mode, CgroupDirs dirs) {
  for (std::string CgroupDirs::*field : kFieldOrder) {
    if (!(dirs.*field).empty() && !fs.Exists(dirs.*field)) {
      (dirs.*field).clear();
    }
  }
  return Cgroup(fs, mode, std::move(dirs));
}

Cgroup::Cgroup(Cgroup&& other) noexcept
    : fs_(other.fs_),
      mode_(other.mode_),
      dirs_(std::exchange(other.dirs_, CgroupDirs{})),
      unified_fd_(std::move(other.unified_fd_)) {}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
  if (this != &other) {
    Destroy().IgnoreError();
    fs_ = other.fs_;
    mode_ = other.mode_;
    dirs_ = std::exchange(other.dirs_, CgroupDirs{});
    unified_fd_ = std::move(other.unified_fd_);
  }
  return *this;
}

Cgroup::~Cgroup() { Destroy().IgnoreError(); }

absl::Status Cgroup::AddProcess(pid_t pid, bool placed_by_clone) {
  const std::string pid_text = absl::StrCat(pid);
  for (const std::string& dir : dirs_.All()) {
    if (placed_by_clone && dir == dirs_.unified) continue;
    FORGE_RETURN_IF_ERROR(fs_->WriteFile(dir + "/cgroup.procs", pid_text));
  }
  return absl::OkStatus();
}

absl::Status Cgroup::Kill() {
  switch (mode_) {
    case CgroupMode::kNone:
      return absl::OkStatus();
    case CgroupMode::kV1:
      return cgroup_v1::Kill(*fs_, dirs_);
    case CgroupMode::kHybrid:
    case CgroupMode::kV2:
      if (dirs_.unified.empty()) return KillV1Processes();
      return cgroup_v2::Kill(*fs_, dirs_.unified);
  }
  return absl::OkStatus();
}

absl::Status Cgroup::KillV1Processes() {
  if (dirs_.V1().empty()) return absl::OkStatus();
  return cgroup_v1::Kill(*fs_, dirs_);
}

absl::StatusOr<bool> Cgroup::IsEmpty() {
  for (const std::string& dir : dirs_.All()) {
    FORGE_ASSIGN_OR_RETURN(std::vector<pid_t> pids,
                           ReadCgroupPids(*fs_, dir + "/cgroup.procs"));
    if (!pids.empty()) return false;
  }
  return true;
}

absl::StatusOr<uint64_t> Cgroup::ReadCpuTimeNs() {
  if (mode_ == CgroupMode::kV2) {
    return cgroup_v2::ReadCpuTimeNs(*fs_, dirs_.unified);
  }
  return cgroup_v1::ReadCpuTimeNs(*fs_, dirs_);
}

absl::StatusOr<CgroupUsage> Cgroup::ReadUsage() {
  if (mode_ == CgroupMode::kV2) {
    return cgroup_v2::ReadUsage(*fs_, dirs_.unified);
  }
  return cgroup_v1::ReadUsage(*fs_, dirs_);
}

absl::Status Cgroup::RemoveDirWithRetry(const std::string& dir) {
  const absl::Time deadline = absl::Now() + kRemoveTimeout;
  absl::Duration backoff = kFirstRemoveBackoff;
  while (true) {
    absl::Status removed = fs_->RemoveDir(dir);
    if (removed.ok() || absl::IsNotFound(removed)) return absl::OkStatus();
    // EBUSY: processes are still exiting, or escaped the last kill (a fork
    // racing a v1 kill without freezer, or a process that never reached
    // the v2 cgroup of a hybrid host).
    if (!absl::IsFailedPrecondition(removed) || absl::Now() >= deadline) {
      return removed;
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, kMaxRemoveBackoff);
    if (mode_ == CgroupMode::kHybrid) KillV1Processes().IgnoreError();
    Kill().IgnoreError();
  }
}

absl::Status Cgroup::Destroy() {
  const std::vector<std::string> dirs = dirs_.All();
  if (dirs.empty()) return absl::OkStatus();
  Kill().IgnoreError();  // removal below reports what matters
  for (const std::string& dir : dirs) {
    FORGE_RETURN_IF_ERROR(RemoveDirWithRetry(dir));
    for (std::string CgroupDirs::*field : kFieldOrder) {
      if (dirs_.*field == dir) (dirs_.*field).clear();
    }
  }
  unified_fd_.Reset();
  return absl::OkStatus();
}

}  // namespace forge::sandbox
