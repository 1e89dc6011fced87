#include "server/approval_state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"

namespace forge::server {

absl::Status SaveApprovals(
    const std::string& path,
    const forge::exec::v1::ListApprovalsResponse& approvals) {
  std::string bytes;
  if (!approvals.SerializeToString(&bytes)) {
    return absl::InternalError("cannot serialize the approvals");
  }
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    UniqueFd fd(
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return LastErrorStatus(absl::StrCat("open ", tmp));
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return LastErrorStatus(absl::StrCat("write ", tmp));
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      return LastErrorStatus(absl::StrCat("fsync ", tmp));
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return LastErrorStatus(absl::StrCat("rename ", tmp));
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos
                              ? std::string(".")
                              : (slash == 0 ? "/" : path.substr(0, slash));
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd || ::fsync(dir_fd.get()) != 0) {
    return LastErrorStatus(absl::StrCat("fsync ", dir));
  }
  return absl::OkStatus();
}

absl::StatusOr<forge::exec::v1::ListApprovalsResponse> LoadApprovals(
    const std::string& path) {
  forge::exec::v1::ListApprovalsResponse approvals;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return approvals;
    return LastErrorStatus(absl::StrCat("open ", path));
  }
  std::string bytes;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrorStatus(absl::StrCat("read ", path));
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  if (!approvals.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat(path, ": not an approvals state file"));
  }
  return approvals;
}

}  // namespace forge::server
