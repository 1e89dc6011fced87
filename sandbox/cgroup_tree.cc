#include "sandbox/cgroup_tree.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "sandbox/cgroup_mounts.h"

namespace forge::sandbox {
namespace {

// v2 controllers a sandbox needs, in the order they are enabled.
constexpr const char* kV2Controllers[] = {"memory", "pids", "cpu"};

// The CgroupDirs field each v1 controller lives in.
struct V1Controller {
  const char* name;
  std::string CgroupDirs::*field;
};
const V1Controller kV1Controllers[] = {
    {"freezer", &CgroupDirs::freezer}, {"memory", &CgroupDirs::memory},
    {"pids", &CgroupDirs::pids},       {"cpu", &CgroupDirs::cpu},
    {"cpuacct", &CgroupDirs::cpuacct},
};
std::string CgroupDirs::*const kAllFields[] = {
    &CgroupDirs::unified, &CgroupDirs::freezer, &CgroupDirs::memory,
    &CgroupDirs::pids,    &CgroupDirs::cpu,     &CgroupDirs::cpuacct};

bool IsValidComponent(absl::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

std::set<std::string> Words(absl::string_view text) {
  std::set<std::string> words;
  for (absl::string_view word :
       absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    words.emplace(word);
  }
  return words;
}

absl::Status MakeDirIfMissing(CgroupFs& fs, const std::string& dir) {
  absl::Status made = fs.MakeDir(dir);
  if (absl::IsAlreadyExists(made)) return absl::OkStatus();
  return made;
}

// mkdir -p of `relative` under `root`.
absl::Status MakeDirs(CgroupFs& fs, const std::string& root,
                      absl::string_view relative) {
  std::string dir = root;
  for (absl::string_view part : absl::StrSplit(relative, '/')) {
    absl::StrAppend(&dir, "/", part);
    FORGE_RETURN_IF_ERROR(MakeDirIfMissing(fs, dir));
  }
  return absl::OkStatus();
}

// Enables in `dir`'s cgroup.subtree_control each wanted controller that its
// cgroup.controllers offers and that is not enabled yet, one at a time so
// one refusal does not block the others. Refusals become notes.
void EnableV2Controllers(CgroupFs& fs, const std::string& dir,
                         std::vector<std::string>& notes) {
  absl::StatusOr<std::string> available =
      fs.ReadFile(dir + "/cgroup.controllers");
  absl::StatusOr<std::string> enabled =
      fs.ReadFile(dir + "/cgroup.subtree_control");
  if (!available.ok() || !enabled.ok()) return;
  const std::set<std::string> have = Words(*available);
  const std::set<std::string> on = Words(*enabled);
  for (const char* controller : kV2Controllers) {
    if (!have.count(controller) || on.count(controller)) continue;
    absl::Status status = fs.WriteFile(dir + "/cgroup.subtree_control",
                                       absl::StrCat("+", controller));
    if (!status.ok()) {
      notes.push_back(absl::StrCat("cannot enable ", controller, " in ", dir,
                                   " (a directory holding processes cannot "
                                   "delegate controllers): ",
                                   status.message()));
    }
  }
}

}  // namespace

absl::StatusOr<CgroupTree> CgroupTree::Open(CgroupFs& fs,
                                            CgroupTreeOptions options) {
  for (absl::string_view part : absl::StrSplit(options.parent, '/')) {
    if (!IsValidComponent(part)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad cgroup parent '", options.parent, "'"));
    }
  }
  if (!IsValidComponent(options.instance)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad cgroup instance name '", options.instance, "'"));
  }
  FORGE_ASSIGN_OR_RETURN(std::string mount_table,
                         fs.ReadFile(options.proc_mounts));
  const CgroupMounts mounts = ParseCgroupMounts(mount_table);

  CgroupTree tree(fs, std::move(options));
  if (!mounts.unified.empty()) tree.DetectV2(mounts.unified);
  if (tree.support_.mode == CgroupMode::kNone) {
    tree.DetectV1(mounts.v1, mounts.unified);
  }
  if (tree.support_.mode == CgroupMode::kNone) {
    tree.support_.notes.push_back(
        "no usable cgroup hierarchy: resource limits are rlimits only");
    return tree;
  }
  tree.instance_dirs_ = tree.DirsFor(tree.options_.instance);

  // An earlier launcher with the same instance name (a pid reused, a
  // restarted container) may have left sandboxes behind.
  std::set<std::string> leftovers;
  for (const std::string& dir : tree.instance_dirs_.All()) {
    absl::StatusOr<std::vector<std::string>> names = fs.ListSubdirs(dir);
    if (names.ok()) leftovers.insert(names->begin(), names->end());
  }
  for (const std::string& name : leftovers) {
    // A leftover that will not go is worth a loud note, not a launcher
    // that refuses to start.
    absl::Status removed =
        tree.RemoveSubtree(absl::StrCat(tree.options_.instance, "/", name));
    if (!removed.ok()) {
      tree.support_.notes.push_back(absl::StrCat(
          "leftover cgroup ", name, " not removed: ", removed.message()));
    }
  }
  return tree;
}

void CgroupTree::DetectV2(const std::string& mount) {
  absl::StatusOr<std::string> controllers =
      fs_->ReadFile(mount + "/cgroup.controllers");
  const std::set<std::string> available =
      controllers.ok() ? Words(*controllers) : std::set<std::string>();
  if (std::none_of(std::begin(kV2Controllers), std::end(kV2Controllers),
                   [&](const char* c) { return available.count(c) > 0; })) {
    return;  // controllers are on v1 (hybrid) or not delegated to us
  }
  // Walk down, enabling the controllers at every level so that the
  // sandboxes below the instance directory get them.
  std::string dir = mount;
  std::vector<std::string> parts = absl::StrSplit(options_.parent, '/');
  parts.push_back(options_.instance);
  for (const std::string& part : parts) {
    EnableV2Controllers(*fs_, dir, support_.notes);
    absl::StrAppend(&dir, "/", part);
    absl::Status made = MakeDirIfMissing(*fs_, dir);
    if (!made.ok()) {
      support_.notes.push_back(
          absl::StrCat("cgroup v2 unusable: ", made.message()));
      return;
    }
  }
  EnableV2Controllers(*fs_, dir, support_.notes);
  support_.mode = CgroupMode::kV2;
  roots_.unified = mount;
  const std::set<std::string> enabled = Words(
      fs_->ReadFile(dir + "/cgroup.subtree_control").value_or(std::string()));
  if (enabled.count("memory")) {
    support_.active.insert(CgroupProtection::kMemory);
    if (fs_->Exists(dir + "/memory.swap.max")) {
      support_.active.insert(CgroupProtection::kSwapOff);
    } else {
      support_.notes.push_back("no memory.swap.max: swap is not limited");
    }
  }
  if (enabled.count("pids")) support_.active.insert(CgroupProtection::kPids);
  if (enabled.count("cpu")) support_.active.insert(CgroupProtection::kCpu);
  if (fs_->Exists(dir + "/cpu.stat")) {
    support_.active.insert(CgroupProtection::kCpuTime);
  }
  if (fs_->Exists(dir + "/cgroup.kill") ||
      fs_->Exists(dir + "/cgroup.freeze")) {
    support_.active.insert(CgroupProtection::kKill);
  }
}

void CgroupTree::DetectV1(const std::map<std::string, std::string>& v1_mounts,
                          const std::string& unified_mount) {
  const std::string relative =
      absl::StrCat(options_.parent, "/", options_.instance);
  for (const V1Controller& controller : kV1Controllers) {
    auto mount = v1_mounts.find(controller.name);
    if (mount == v1_mounts.end()) {
      support_.notes.push_back(
          absl::StrCat("no cgroup v1 ", controller.name, " hierarchy"));
      continue;
    }
    absl::Status made = MakeDirs(*fs_, mount->second, relative);
    if (!made.ok()) {
      support_.notes.push_back(absl::StrCat("cgroup v1 ", controller.name,
                                            " unusable: ", made.message()));
      continue;
    }
    roots_.*controller.field = mount->second;
  }
  if (roots_.V1().empty()) return;
  support_.mode = CgroupMode::kV1;
  if (!unified_mount.empty()) {
    absl::Status made = MakeDirs(*fs_, unified_mount, relative);
    if (made.ok()) {
      support_.mode = CgroupMode::kHybrid;
      roots_.unified = unified_mount;
    } else {
      support_.notes.push_back(absl::StrCat(
          "cgroup v2 (for cgroup.kill) unusable: ", made.message()));
    }
  }
  const CgroupDirs dirs = DirsFor(options_.instance);
  if (!dirs.memory.empty()) {
    support_.active.insert(CgroupProtection::kMemory);
    if (fs_->Exists(dirs.memory + "/memory.memsw.limit_in_bytes")) {
      support_.active.insert(CgroupProtection::kSwapOff);
    } else {
      support_.notes.push_back(
          "no memory.memsw.limit_in_bytes (swap accounting off): only "
          "swappiness=0 keeps sandboxes out of swap");
    }
  }
  if (!dirs.pids.empty()) support_.active.insert(CgroupProtection::kPids);
  if (!dirs.cpu.empty()) support_.active.insert(CgroupProtection::kCpu);
  if (!dirs.cpuacct.empty() ||
      (!dirs.unified.empty() && fs_->Exists(dirs.unified + "/cpu.stat"))) {
    support_.active.insert(CgroupProtection::kCpuTime);
  }
  if (!dirs.freezer.empty() ||
      (!dirs.unified.empty() && fs_->Exists(dirs.unified + "/cgroup.kill"))) {
    support_.active.insert(CgroupProtection::kKill);
  }
}

CgroupTree::CgroupTree(CgroupTree&& other) noexcept
    : fs_(other.fs_),
      options_(std::move(other.options_)),
      support_(std::move(other.support_)),
      roots_(std::exchange(other.roots_, CgroupDirs{})),
      instance_dirs_(std::exchange(other.instance_dirs_, CgroupDirs{})) {}

CgroupTree& CgroupTree::operator=(CgroupTree&& other) noexcept {
  if (this != &other) {
    for (const std::string& dir : instance_dirs_.All()) {
      fs_->RemoveDir(dir).IgnoreError();
    }
    fs_ = other.fs_;
    options_ = std::move(other.options_);
    support_ = std::move(other.support_);
    roots_ = std::exchange(other.roots_, CgroupDirs{});
    instance_dirs_ = std::exchange(other.instance_dirs_, CgroupDirs{});
  }
  return *this;
}

CgroupTree::~CgroupTree() {
  // Not the parent: another launcher may be about to make its instance there.
  for (const std::string& dir : instance_dirs_.All()) {
    fs_->RemoveDir(dir).IgnoreError();
  }
}

CgroupDirs CgroupTree::DirsFor(absl::string_view relative) const {
  CgroupDirs dirs;
  for (std::string CgroupDirs::*field : kAllFields) {
    if (!(roots_.*field).empty()) {
      dirs.*field =
          absl::StrCat(roots_.*field, "/", options_.parent, "/", relative);
    }
  }
  return dirs;
}

absl::StatusOr<Cgroup> CgroupTree::Create(absl::string_view sandbox_id,
                                          const CgroupLimits& limits) {
  if (support_.mode == CgroupMode::kNone) {
    return absl::FailedPreconditionError("no usable cgroup hierarchy");
  }
  if (!IsValidComponent(sandbox_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad sandbox id for a cgroup: '", sandbox_id, "'"));
  }
  return Cgroup::Create(
      *fs_, support_.mode,
      DirsFor(absl::StrCat(options_.instance, "/", sandbox_id)), limits);
}

absl::Status CgroupTree::RemoveSubtree(const std::string& relative) {
  const CgroupDirs dirs = DirsFor(relative);
  std::set<std::string> children;
  for (const std::string& dir : dirs.All()) {
    absl::StatusOr<std::vector<std::string>> names = fs_->ListSubdirs(dir);
    if (names.ok()) children.insert(names->begin(), names->end());
  }
  for (const std::string& child : children) {
    FORGE_RETURN_IF_ERROR(RemoveSubtree(absl::StrCat(relative, "/", child)));
  }
  return Cgroup::Adopt(*fs_, support_.mode, dirs).Destroy();
}

absl::StatusOr<int> CgroupTree::RemoveStaleInstances(
    absl::FunctionRef<bool(absl::string_view instance)> is_stale) {
  if (support_.mode == CgroupMode::kNone) return 0;
  std::set<std::string> instances;
  for (const std::string& root : roots_.All()) {
    absl::StatusOr<std::vector<std::string>> names =
        fs_->ListSubdirs(absl::StrCat(root, "/", options_.parent));
    if (names.ok()) instances.insert(names->begin(), names->end());
  }
  int removed = 0;
  absl::Status first_error;
  for (const std::string& instance : instances) {
    if (instance == options_.instance || !is_stale(instance)) continue;
    absl::Status status = RemoveSubtree(instance);
    if (status.ok()) {
      ++removed;
    } else if (first_error.ok()) {
      first_error = status;
    }
  }
  if (!first_error.ok()) return first_error;
  return removed;
}

bool IsDeadProcessName(absl::string_view name) {
  pid_t pid;
  if (!absl::SimpleAtoi(name, &pid) || pid <= 0) return false;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace forge::sandbox
