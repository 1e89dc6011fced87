// CgroupTree is the part of the host's cgroup hierarchies one launcher owns:
// "<mount>/<parent>/<instance>/" in every hierarchy it uses, under which it
// creates one Cgroup per sandbox ("<...>/<instance>/<sandbox-id>").
//
// Open() detects at start-up what the host offers, in this order:
//  - pure v2: the cgroup2 mount has the memory, pids and cpu controllers;
//    they are enabled in cgroup.subtree_control on the way down to the
//    instance directory (so `parent` must be a directory no process lives
//    in: the kernel's no-internal-process rule);
//  - hybrid: v1 hierarchies for memory, pids, cpu, cpuacct and freezer, plus
//    the (controller-less) cgroup2 mount for cgroup.kill;
//  - v1 only: kill by freezing and signalling;
//  - none: nothing usable; the sandbox has rlimits only.
// A hierarchy whose directories cannot be made (read-only, not delegated)
// is left out with a note. support() says which protections are in force;
// the caller must log it, and report mode kNone loudly.
//
// Move-only. Not thread-safe. The CgroupFs must outlive the tree and every
// Cgroup it created.
#ifndef FORGE_SANDBOX_CGROUP_TREE_H_
#define FORGE_SANDBOX_CGROUP_TREE_H_

#include <map>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fs.h"
#include "sandbox/cgroup_support.h"

namespace forge::sandbox {

struct CgroupTreeOptions {
  // Parent of every launcher's directory, relative to each hierarchy's mount
  // point (SandboxConfig.cgroup_parent), e.g. "forge-exec". May be nested
  // ("a/b"); each component is [A-Za-z0-9._-]+ and not "." or "..".
  std::string parent = "forge-exec";
  // This launcher's directory under `parent`; its pid is the natural choice
  // because RemoveStaleInstances() can then tell live owners from dead ones.
  std::string instance;
  // The mount table to read (tests point it at a trimmed copy).
  std::string proc_mounts = "/proc/self/mounts";
};

class CgroupTree {
 public:
  // Detects the layout, makes "<parent>/<instance>" in every usable
  // hierarchy, and kills and removes whatever an earlier owner of the same
  // instance name left inside it (a leftover that cannot be removed becomes
  // a note). Succeeds with mode kNone when nothing is usable; fails only on
  // bad options or an unreadable mount table.
  static absl::StatusOr<CgroupTree> Open(CgroupFs& fs,
                                         CgroupTreeOptions options);

  CgroupTree(CgroupTree&& other) noexcept;
  CgroupTree& operator=(CgroupTree&& other) noexcept;
  CgroupTree(const CgroupTree&) = delete;
  CgroupTree& operator=(const CgroupTree&) = delete;
  // Removes the instance directories if they are empty (best effort).
  ~CgroupTree();

  const CgroupSupport& support() const { return support_; }
  // The instance directory in every hierarchy in use.
  const CgroupDirs& instance_dirs() const { return instance_dirs_; }

  // Makes the cgroup of one sandbox with `limits` (see Cgroup::Create).
  // InvalidArgument for an id that is not one path component
  // ([A-Za-z0-9._-]+); AlreadyExists if the id is in use;
  // FailedPrecondition in mode kNone.
  absl::StatusOr<Cgroup> Create(absl::string_view sandbox_id,
                                const CgroupLimits& limits);

  // Kills every process in, and removes, each other instance directory under
  // `parent` for which `is_stale(instance_name)` is true — what launchers
  // that crashed left behind. Returns how many instances were removed; on
  // failure, the first error after trying all of them.
  absl::StatusOr<int> RemoveStaleInstances(
      absl::FunctionRef<bool(absl::string_view instance)> is_stale);

 private:
  CgroupTree(CgroupFs& fs, CgroupTreeOptions options)
      : fs_(&fs), options_(std::move(options)) {}
  // `relative` under every hierarchy in use.
  CgroupDirs DirsFor(absl::string_view relative) const;
  // Kills and removes `relative` and everything below it.
  absl::Status RemoveSubtree(const std::string& relative);
  void DetectV2(const std::string& mount);
  void DetectV1(const std::map<std::string, std::string>& v1_mounts,
                const std::string& unified_mount);

  CgroupFs* fs_;
  CgroupTreeOptions options_;
  CgroupSupport support_;
  // Mount point of every hierarchy in use (same field layout as a cgroup).
  CgroupDirs roots_;
  CgroupDirs instance_dirs_;
};

// Whether `name` is a decimal pid of a process that no longer exists
// (kill(pid, 0) fails with ESRCH): a launcher instance that is gone. Names
// that are not pids are not stale. A pid reused by an unrelated process
// keeps its directory until that process exits; pids seen in another pid
// namespace are meaningless here, so launchers in different pid namespaces
// must not share `parent` (in Kubernetes each pod has its own cgroup
// namespace, which keeps them apart).
bool IsDeadProcessName(absl::string_view name);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_TREE_H_
