// Cgroup owns the cgroup of one sandbox: one directory per hierarchy in use
// (the v2 directory, and/or one per v1 controller), its limits, the way
// processes are put into it, killing them all, reading what they used, and
// removing the directories. CgroupTree (cgroup_tree.h) creates them.
//
// Life of a sandbox's cgroup, as the launcher drives it:
//   Cgroup cg = tree.Create(id, limits)      // directories made, limits set
//   clone3(CLONE_INTO_CGROUP, cg.clone_into_fd())   (v2 and hybrid), or clone
//   cg.AddProcess(child_pid)                  // before the child goes on
//   ... ReadCpuTimeNs() while it runs, Kill() on a limit or cancel ...
//   reap the child; cg.ReadUsage(); cg.Destroy()
#ifndef FORGE_SANDBOX_CGROUP_H_
#define FORGE_SANDBOX_CGROUP_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/unique_fd.h"
#include "sandbox/cgroup_fs.h"
#include "sandbox/cgroup_support.h"

namespace forge::sandbox {

// Limits of one sandbox. Zero means "no limit". Limits whose controller the
// host lacks are skipped (CgroupSupport says which; rlimits stay in force).
struct CgroupLimits {
  // Memory of all processes together; swap is limited to zero alongside.
  uint64_t memory_bytes = 0;
  // Processes and threads alive at once (pids.max).
  uint64_t max_pids = 0;
  // CPU bandwidth: at most `cpu_quota` of CPU time per `cpu_period`
  // (100 ms per 100 ms is one CPU). The period is 1 ms to 1 s.
  absl::Duration cpu_quota = absl::ZeroDuration();
  absl::Duration cpu_period = absl::Milliseconds(100);
  // Share of the CPU against the other sandboxes when they compete, in
  // cgroup v2 units: 1..10000, 100 a normal share, 0 leaves it as it is. v1
  // writes cpu.shares = weight * 1024 / 100 (1 → 10, 100 → 1024).
  uint32_t cpu_weight = 0;
};

// A sandbox made ahead of time waits at the lowest weight, so making it uses
// only CPU that running jobs leave idle; its job runs at a normal share.
inline constexpr uint32_t kBackgroundCpuWeight = 1;
inline constexpr uint32_t kNormalCpuWeight = 100;

// InvalidArgument (naming the field) when the kernel would reject a limit.
absl::Status ValidateCgroupLimits(const CgroupLimits& limits);

// What the processes of a cgroup used. Fields the host cannot report are
// nullopt.
struct CgroupUsage {
  // User + system CPU time of every process that was in the cgroup.
  std::optional<uint64_t> cpu_time_ns;
  // Highest memory charge seen.
  std::optional<uint64_t> peak_memory_bytes;
  // Processes the kernel's OOM killer killed in the cgroup (any > 0 means
  // the memory limit was hit).
  uint64_t oom_kills = 0;
  // Whether a fork or clone failed because of the pids limit.
  bool pids_limit_hit = false;
};

// Absolute directories of one cgroup, one per hierarchy; empty strings are
// hierarchies not in use. In v2 only `unified` is set; in hybrid `unified`
// holds the processes for cgroup.kill and the v1 ones hold the controllers.
// Co-mounted v1 controllers may share one directory.
struct CgroupDirs {
  std::string unified;
  std::string memory;
  std::string pids;
  std::string cpu;
  std::string cpuacct;
  std::string freezer;

  // The distinct non-empty directories, v2 first.
  std::vector<std::string> All() const;
  // The distinct non-empty v1 directories.
  std::vector<std::string> V1() const;
};

// Move-only owner. Not thread-safe. The CgroupFs passed in must outlive it.
class Cgroup {
 public:
  // Makes every directory of `dirs` (their parents must exist), opens the v2
  // directory, and applies `limits`. On failure whatever was made is
  // removed again and the error says which step failed.
  static absl::StatusOr<Cgroup> Create(CgroupFs& fs, CgroupMode mode,
                                       CgroupDirs dirs,
                                       const CgroupLimits& limits);

  // Takes ownership of directories that already exist, e.g. left behind by
  // a launcher that crashed, so they can be killed and removed. Directories
  // that do not exist are dropped from `dirs`.
  static Cgroup Adopt(CgroupFs& fs, CgroupMode mode, CgroupDirs dirs);

  Cgroup(Cgroup&& other) noexcept;
  Cgroup& operator=(Cgroup&& other) noexcept;
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  // Destroy(), best effort: kills what is left and removes the directories.
  ~Cgroup();

  CgroupMode mode() const { return mode_; }
  const CgroupDirs& dirs() const { return dirs_; }

  // O_DIRECTORY descriptor of the v2 directory, for
  // clone3(CLONE_INTO_CGROUP): set in kV2 and kHybrid, -1 otherwise. Owned
  // by this object; valid until Destroy().
  int clone_into_fd() const { return unified_fd_.get(); }

  // Applies `limits` (fields that are zero are left as they are), e.g. when
  // a sandbox made ahead of time receives its job.
  absl::Status SetLimits(const CgroupLimits& limits);

  // Moves `pid` (in the caller's pid namespace) into the cgroup in every
  // hierarchy, the v2 one first so that cgroup.kill covers it even if a
  // later write fails. In hybrid and v1 this is required even after
  // CLONE_INTO_CGROUP, which only covers v2; `placed_by_clone` says the
  // clone put it in the v2 directory already, whose write is then skipped
  // (each write waits for the kernel's cgroup threadgroup lock). Error from
  // the first write that failed (e.g. NotFound for a pid that exited).
  absl::Status AddProcess(pid_t pid, bool placed_by_clone = false);

  // Sends SIGKILL to every process in the cgroup, including ones forked
  // meanwhile: v2 and hybrid write cgroup.kill; v1 freezes, signals every
  // listed pid and thaws (cgroup_kill.h). Returns once the signals are
  // sent; the processes exit asynchronously (see IsEmpty()).
  absl::Status Kill();

  // Whether no process is left in any hierarchy.
  absl::StatusOr<bool> IsEmpty();

  // CPU time used so far, cheap enough to poll for a CPU-time limit.
  // NotFound when the host has no CPU accounting (cgroup-cpu-time missing).
  absl::StatusOr<uint64_t> ReadCpuTimeNs();

  // Everything the cgroup reports; read it after the processes are gone and
  // before Destroy().
  absl::StatusOr<CgroupUsage> ReadUsage();

  // Kills what is left and removes every directory. Removal is retried
  // while the kernel says EBUSY (processes still exiting) for up to ~2 s,
  // killing again in between. On failure the directories not yet removed
  // stay owned, so a later call (or the destructor) tries again. OK if
  // already destroyed.
  absl::Status Destroy();

 private:
  Cgroup(CgroupFs& fs, CgroupMode mode, CgroupDirs dirs)
      : fs_(&fs), mode_(mode), dirs_(std::move(dirs)) {}
  absl::Status KillV1Processes();
  absl::Status RemoveDirWithRetry(const std::string& dir);

  CgroupFs* fs_;
  CgroupMode mode_;
  CgroupDirs dirs_;
  UniqueFd unified_fd_;
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_H_
