#include "sandbox/cgroup_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace forge::sandbox {

absl::Status RealCgroupFs::MakeDir(absl::string_view path) {
  const std::string p(path);
  if (::mkdir(p.c_str(), 0755) != 0) return LastErrorStatus("mkdir " + p);
  return absl::OkStatus();
}

absl::Status RealCgroupFs::RemoveDir(absl::string_view path) {
  const std::string p(path);
  if (::rmdir(p.c_str()) != 0) return LastErrorStatus("rmdir " + p);
  return absl::OkStatus();
}

absl::Status RealCgroupFs::WriteFile(absl::string_view path,
                                     absl::string_view data) {
  const std::string p(path);
  UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return LastErrorStatus("open " + p);
  ssize_t written;
  do {
    written = ::write(fd.get(), data.data(), data.size());
  } while (written < 0 && errno == EINTR);
  if (written < 0) {
    return LastErrorStatus(absl::StrCat("write '", data, "' to ", p));
  }
  if (static_cast<size_t>(written) != data.size()) {
    return absl::InternalError(absl::StrCat("short write to ", p));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RealCgroupFs::ReadFile(absl::string_view path) {
  const std::string p(path);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return LastErrorStatus("open " + p);
  std::string contents;
  char buffer[4096];
  while (true) {
    ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return LastErrorStatus("read " + p);
    if (got == 0) break;
    contents.append(buffer, static_cast<size_t>(got));
  }
  return contents;
}

absl::StatusOr<std::vector<std::string>> RealCgroupFs::ListSubdirs(
    absl::string_view path) {
  const std::string p(path);
  int fd = ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return LastErrorStatus("open " + p);
  DIR* dir = ::fdopendir(fd);  // owns fd from here on
  if (dir == nullptr) {
    absl::Status status = LastErrorStatus("fdopendir " + p);
    ::close(fd);
    return status;
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_type != DT_DIR) continue;  // cgroupfs fills d_type
    if (std::strcmp(entry->d_name, ".") == 0 ||
        std::strcmp(entry->d_name, "..") == 0) {
      continue;
    }
    names.emplace_back(entry->d_name);
  }
  absl::Status status =
      errno == 0 ? absl::OkStatus() : LastErrorStatus("readdir " + p);
  ::closedir(dir);
  if (!status.ok()) return status;
  return names;
}

bool RealCgroupFs::Exists(absl::string_view path) {
  const std::string p(path);
  return ::access(p.c_str(), F_OK) == 0;
}

absl::StatusOr<UniqueFd> RealCgroupFs::OpenDir(absl::string_view path) {
  const std::string p(path);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return LastErrorStatus("open " + p);
  return fd;
}

}  // namespace forge::sandbox
