// CgroupFs is the whole file-system surface the cgroup code touches: making
// and removing directories, and reading and writing the small control files
// the kernel puts in them. RealCgroupFs goes to the kernel; FakeCgroupFs
// (cgroup_fake_fs.h) is an in-memory tree for tests. Paths are absolute.
#ifndef FORGE_SANDBOX_CGROUP_FS_H_
#define FORGE_SANDBOX_CGROUP_FS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/unique_fd.h"

namespace forge::sandbox {

// Implementations say whether they are thread-safe; callers must not assume
// it.
class CgroupFs {
 public:
  virtual ~CgroupFs() = default;

  // Creates the directory `path`. AlreadyExists if it exists, NotFound if
  // its parent does not; other errors as the kernel reports them.
  virtual absl::Status MakeDir(absl::string_view path) = 0;

  // Removes the cgroup directory `path`. A cgroup directory can be removed
  // while it still holds its interface files but not while it has processes
  // or child cgroups: then FailedPrecondition (EBUSY, as absl maps it).
  // NotFound if absent.
  virtual absl::Status RemoveDir(absl::string_view path) = 0;

  // Writes `data` to the existing file `path` with one write(2), as cgroup
  // control files require. NotFound if absent; a value the kernel rejects
  // comes back as the kernel's error (e.g. InvalidArgument for EINVAL).
  virtual absl::Status WriteFile(absl::string_view path,
                                 absl::string_view data) = 0;

  // The whole contents of the file `path`. NotFound if absent.
  virtual absl::StatusOr<std::string> ReadFile(absl::string_view path) = 0;

  // Names of the immediate subdirectories of `path`, in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> ListSubdirs(
      absl::string_view path) = 0;

  // Whether `path` exists (file or directory). Errors other than "absent"
  // also answer false.
  virtual bool Exists(absl::string_view path) = 0;

  // Opens the directory `path` O_RDONLY|O_DIRECTORY|O_CLOEXEC, e.g. for
  // clone3(CLONE_INTO_CGROUP). The caller owns the descriptor.
  virtual absl::StatusOr<UniqueFd> OpenDir(absl::string_view path) = 0;
};

// CgroupFs over the real file system. Stateless, so thread-safe.
class RealCgroupFs : public CgroupFs {
 public:
  absl::Status MakeDir(absl::string_view path) override;
  absl::Status RemoveDir(absl::string_view path) override;
  absl::Status WriteFile(absl::string_view path,
                         absl::string_view data) override;
  absl::StatusOr<std::string> ReadFile(absl::string_view path) override;
  absl::StatusOr<std::vector<std::string>> ListSubdirs(
      absl::string_view path) override;
  bool Exists(absl::string_view path) override;
  absl::StatusOr<UniqueFd> OpenDir(absl::string_view path) override;
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_FS_H_
