#include "sandbox/mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"

namespace forge::sandbox {
namespace {

absl::Status Mount(const char* source, const std::string& target,
                   const char* type, unsigned long flags,
                   const std::string& data = "") {
  if (::mount(source, target.c_str(), type, flags,
              data.empty() ? nullptr : data.c_str()) != 0) {
    return LastErrorStatus(
        absl::StrCat("mount ", source ? source : "(none)", " on ", target));
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path, mode_t mode = 0755) {
  std::string partial;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    absl::StrAppend(&partial, "/", part);
    if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST) {
      return LastErrorStatus(absl::StrCat("mkdir ", partial));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, absl::string_view content,
                       mode_t mode = 0644) {
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                     mode));
  if (!fd) return LastErrorStatus(absl::StrCat("create ", path));
  while (!content.empty()) {
    ssize_t n = ::write(fd.get(), content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrorStatus(absl::StrCat("write ", path));
    content.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Flags a bind mount inherits from its source and may not clear when
// remounted inside a user namespace (the kernel "locks" them).
unsigned long LockedFlags(const std::string& source) {
  struct statvfs st;
  if (::statvfs(source.c_str(), &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

// Binds host `source` at `target` (inside the new root) read-only. Devices
// keep dev semantics only when `allow_devices`.
absl::Status BindReadOnly(const std::string& source, const std::string& target,
                          bool allow_devices = false) {
  struct stat st;
  if (::stat(source.c_str(), &st) != 0)
    return LastErrorStatus(absl::StrCat("stat ", source));
  if (S_ISDIR(st.st_mode)) {
    FORGE_RETURN_IF_ERROR(MakeDirs(target));
  } else {
    FORGE_RETURN_IF_ERROR(MakeDirs(target.substr(0, target.rfind('/'))));
    FORGE_RETURN_IF_ERROR(WriteFile(target, ""));
  }
  FORGE_RETURN_IF_ERROR(
      Mount(source.c_str(), target, nullptr, MS_BIND | MS_REC));
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | LockedFlags(source);
  if (allow_devices) {
    flags |= MS_NOEXEC;
  } else {
    flags |= MS_RDONLY | MS_NODEV;
  }
  return Mount(nullptr, target, nullptr, flags);
}

constexpr char kPasswd[] =
    "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
    "sandbox:x:1000:1000:sandbox:/workspace:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr char kGroup[] = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";
constexpr char kHosts[] =
    "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n";
constexpr char kNsswitch[] = "passwd: files\ngroup: files\nhosts: files\n";

absl::Status BuildEtc(const std::string& root) {
  const std::string etc = root + "/etc";
  FORGE_RETURN_IF_ERROR(MakeDirs(etc));
  FORGE_RETURN_IF_ERROR(WriteFile(etc + "/passwd", kPasswd));
  FORGE_RETURN_IF_ERROR(WriteFile(etc + "/group", kGroup));
  FORGE_RETURN_IF_ERROR(WriteFile(etc + "/hosts", kHosts));
  FORGE_RETURN_IF_ERROR(WriteFile(etc + "/hostname", "sandbox\n"));
  FORGE_RETURN_IF_ERROR(WriteFile(etc + "/nsswitch.conf", kNsswitch));
  return absl::OkStatus();
}

absl::Status BuildDev(const std::string& root, uint64_t shm_bytes) {
  const std::string dev = root + "/dev";
  FORGE_RETURN_IF_ERROR(MakeDirs(dev));
  FORGE_RETURN_IF_ERROR(Mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
                              "size=64k,nr_inodes=64,mode=0755"));
  for (const char* node : {"null", "zero", "full", "random", "urandom"}) {
    FORGE_RETURN_IF_ERROR(BindReadOnly(absl::StrCat("/dev/", node),
                                       absl::StrCat(dev, "/", node), true));
  }
  const std::pair<const char*, const char*> links[] = {
      {"/proc/self/fd", "fd"},
      {"/proc/self/fd/0", "stdin"},
      {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}};
  for (const auto& [target, name] : links) {
    if (::symlink(target, absl::StrCat(dev, "/", name).c_str()) != 0) {
      return LastErrorStatus(absl::StrCat("symlink /dev/", name));
    }
  }
  FORGE_RETURN_IF_ERROR(MakeDirs(dev + "/shm"));
  FORGE_RETURN_IF_ERROR(
      Mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            absl::StrCat("size=", shm_bytes, ",nr_inodes=256,mode=1777")));
  // /dev itself is read-only once populated.
  return Mount(nullptr, dev, nullptr,
               MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC);
}

absl::Status PivotInto(const std::string& root) {
  if (::chdir(root.c_str()) != 0) return LastErrorStatus("chdir new root");
  // pivot_root(".", ".") stacks the old root on top of the new one; the
  // detach below then removes it without needing a directory for it.
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    return LastErrorStatus("pivot_root");
  if (::umount2(".", MNT_DETACH) != 0)
    return LastErrorStatus("detach old root");
  if (::chdir("/") != 0) return LastErrorStatus("chdir /");
  return absl::OkStatus();
}

}  // namespace

absl::Status BuildRootFilesystem(const SandboxSpec& spec,
                                 const std::string& root) {
  // Nothing we mount may propagate back to the host.
  FORGE_RETURN_IF_ERROR(Mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE));
  FORGE_RETURN_IF_ERROR(Mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV,
                              "size=1m,nr_inodes=1024,mode=0755"));
  for (const BindMount& bind : spec.binds) {
    FORGE_RETURN_IF_ERROR(BindReadOnly(bind.source, root + bind.target));
  }
  // Merged-/usr layout: the usual top-level names point into /usr.
  for (const char* name : {"bin", "sbin", "lib", "lib64"}) {
    std::string usr_dir = absl::StrCat(root, "/usr/", name);
    struct stat st;
    if (::stat(usr_dir.c_str(), &st) == 0 &&
        ::symlink(absl::StrCat("usr/", name).c_str(),
                  absl::StrCat(root, "/", name).c_str()) != 0 &&
        errno != EEXIST) {
      return LastErrorStatus(absl::StrCat("symlink /", name));
    }
  }
  FORGE_RETURN_IF_ERROR(BuildEtc(root));
  FORGE_RETURN_IF_ERROR(BuildDev(root, spec.tmp_bytes));
  FORGE_RETURN_IF_ERROR(MakeDirs(root + "/proc"));
  FORGE_RETURN_IF_ERROR(
      Mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC));
  FORGE_RETURN_IF_ERROR(MakeDirs(root + "/tmp"));
  FORGE_RETURN_IF_ERROR(
      Mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
            absl::StrCat("size=", spec.tmp_bytes,
                         ",nr_inodes=", spec.tmpfs_inodes, ",mode=1777")));
  FORGE_RETURN_IF_ERROR(MakeDirs(root + kWorkspaceDir));
  FORGE_RETURN_IF_ERROR(PivotInto(root));
  return Mount(nullptr, "/", nullptr,
               MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV);
}

absl::Status MountWorkspace(uint64_t bytes, uint64_t inodes) {
  return Mount(
      "tmpfs", kWorkspaceDir, "tmpfs", MS_NOSUID | MS_NODEV,
      absl::StrCat("size=", bytes, ",nr_inodes=", inodes,
                   ",mode=0755,uid=", kSandboxUid, ",gid=", kSandboxGid));
}

absl::Status WriteInputFiles(const std::vector<InputFileSpec>& files) {
  UniqueFd workspace(
      ::open(kWorkspaceDir, O_DIRECTORY | O_PATH | O_CLOEXEC | O_NOFOLLOW));
  if (!workspace) return LastErrorStatus("open /workspace");
  for (const InputFileSpec& file : files) {
    std::vector<std::string> parts =
        absl::StrSplit(file.path, '/', absl::SkipEmpty());
    if (file.path.empty() || file.path[0] == '/' || parts.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad input file path: ", file.path));
    }
    // Walk one component at a time with O_NOFOLLOW so nothing can redirect
    // the write outside /workspace.
    UniqueFd dir(::dup(workspace.get()));
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] == ".." || parts[i] == ".") {
        return absl::InvalidArgumentError(
            absl::StrCat("bad input file path: ", file.path));
      }
      if (::mkdirat(dir.get(), parts[i].c_str(), 0755) != 0 &&
          errno != EEXIST) {
        return LastErrorStatus(absl::StrCat("mkdir ", parts[i]));
      }
      UniqueFd next(::openat(dir.get(), parts[i].c_str(),
                             O_DIRECTORY | O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!next) return LastErrorStatus(absl::StrCat("open dir ", parts[i]));
      dir = std::move(next);
    }
    if (parts.back() == ".." || parts.back() == ".") {
      return absl::InvalidArgumentError(
          absl::StrCat("bad input file path: ", file.path));
    }
    const mode_t mode = (file.mode == 0 ? 0644 : file.mode) & 0777;
    UniqueFd out(::openat(dir.get(), parts.back().c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          mode));
    if (!out) return LastErrorStatus(absl::StrCat("create ", file.path));
    absl::string_view content = file.content;
    while (!content.empty()) {
      ssize_t n = ::write(out.get(), content.data(), content.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return LastErrorStatus(absl::StrCat("write ", file.path));
      content.remove_prefix(static_cast<size_t>(n));
    }
    if (::fchmod(out.get(), mode) != 0)
      return LastErrorStatus(absl::StrCat("chmod ", file.path));
  }
  return absl::OkStatus();
}

}  // namespace forge::sandbox
