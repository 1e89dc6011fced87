#include "sandbox/staging_dir.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"

namespace forge::sandbox {
namespace {

constexpr absl::string_view kPrefix = "forge-launcher-";

}  // namespace

absl::StatusOr<std::string> MakeStagingDir(const std::string& parent,
                                           pid_t pid) {
  std::string path = absl::StrCat(parent, "/", kPrefix, pid, "-XXXXXX");
  if (::mkdtemp(path.data()) == nullptr)
    return LastErrorStatus(absl::StrCat("mkdtemp ", path));
  if (::chmod(path.c_str(), 0755) != 0) {
    absl::Status status = LastErrorStatus(absl::StrCat("chmod ", path));
    ::rmdir(path.c_str());
    return status;
  }
  return path;
}

absl::StatusOr<int> RemoveStaleStagingDirs(
    const std::string& parent, pid_t own_pid,
    absl::FunctionRef<bool(absl::string_view pid)> is_dead) {
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) return LastErrorStatus(absl::StrCat("opendir ", parent));
  std::vector<std::string> stale;
  while (dirent* entry = ::readdir(dir)) {
    absl::string_view name = entry->d_name;
    if (!absl::ConsumePrefix(&name, kPrefix)) continue;
    const size_t dash = name.find('-');
    if (dash == absl::string_view::npos) continue;  // not named after a pid
    const absl::string_view pid = name.substr(0, dash);
    pid_t number;
    if (!absl::SimpleAtoi(pid, &number) || number == own_pid) continue;
    if (is_dead(pid)) stale.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  int removed = 0;
  for (const std::string& name : stale) {
    if (::rmdir(absl::StrCat(parent, "/", name).c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace forge::sandbox
