// FakeCgroupFs is an in-memory CgroupFs for tests. It behaves like cgroupfs
// where the cgroup code depends on it:
//  - MakeDir fills the new directory with the files given to
//    SetNewDirFiles (the kernel's interface files), and sets its
//    "cgroup.controllers" to its parent's "cgroup.subtree_control" when the
//    parent has one;
//  - writing "+c -d" to "cgroup.subtree_control" enables and disables
//    controllers; enabling one that is not in "cgroup.controllers" is
//    NotFound (the kernel's ENOENT);
//  - writing a pid to "cgroup.procs" appends it;
//  - writing "1" to "cgroup.kill" empties "cgroup.procs" here and below;
//  - writing "1"/"0" to "cgroup.freeze" sets "frozen" in "cgroup.events" at
//    once (v1's "freezer.state" needs nothing special: it reads back what
//    was written);
//  - RemoveDir is FailedPrecondition (EBUSY) while "cgroup.procs" is non-empty
//  or a
//    child directory exists, and removes the directory's files with it;
//  - WriteFile to a missing file is NotFound (cgroupfs has no O_CREAT).
// Tests seed state with AddDir/SetFile, inject failures with FailRemoveDir
// and SetWriteHook, and inspect writes().
//
// Not thread-safe.
#ifndef FORGE_SANDBOX_CGROUP_FAKE_FS_H_
#define FORGE_SANDBOX_CGROUP_FAKE_FS_H_

#include <cerrno>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/cgroup_fs.h"

namespace forge::sandbox {

class FakeCgroupFs : public CgroupFs {
 public:
  struct Write {
    std::string path;
    std::string data;
  };
  // Runs before a WriteFile is applied; a non-OK result is returned to the
  // caller and the write is not applied (nor recorded).
  using WriteHook =
      std::function<absl::Status(absl::string_view path, absl::string_view)>;

  // Files (name → contents) every later MakeDir creates in the new dir.
  void SetNewDirFiles(std::map<std::string, std::string> files);
  // Creates `path` and any missing parents, without new-dir files.
  void AddDir(absl::string_view path);
  // Creates or replaces the file `path`; its directory must exist.
  void SetFile(absl::string_view path, absl::string_view contents);
  // Contents of the file `path`; nullopt if absent.
  std::optional<std::string> GetFile(absl::string_view path) const;
  bool HasDir(absl::string_view path) const;
  // The next `times` RemoveDir(path) calls fail with `error` (by default
  // EBUSY, which absl maps to FailedPrecondition).
  void FailRemoveDir(absl::string_view path, int times,
                     absl::Status error = absl::ErrnoToStatus(EBUSY, "rmdir"));
  void SetWriteHook(WriteHook hook) { write_hook_ = std::move(hook); }
  // Every applied WriteFile, oldest first.
  const std::vector<Write>& writes() const { return writes_; }

  absl::Status MakeDir(absl::string_view path) override;
  absl::Status RemoveDir(absl::string_view path) override;
  absl::Status WriteFile(absl::string_view path,
                         absl::string_view data) override;
  absl::StatusOr<std::string> ReadFile(absl::string_view path) override;
  absl::StatusOr<std::vector<std::string>> ListSubdirs(
      absl::string_view path) override;
  bool Exists(absl::string_view path) override;
  // A descriptor for "/" stands in for the directory.
  absl::StatusOr<UniqueFd> OpenDir(absl::string_view path) override;

 private:
  absl::Status WriteSubtreeControl(const std::string& dir,
                                   absl::string_view data);
  void ClearProcsBelow(const std::string& dir);

  std::set<std::string> dirs_;
  std::map<std::string, std::string> files_;
  std::map<std::string, std::string> new_dir_files_;
  std::map<std::string, std::pair<int, absl::Status>> remove_failures_;
  std::vector<Write> writes_;
  WriteHook write_hook_;
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_FAKE_FS_H_
