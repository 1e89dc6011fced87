#include "sandbox/cgroup_mounts.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace forge::sandbox {
namespace {

// The kernel escapes space, tab, newline and backslash in mount points as
// three octal digits after a backslash.
std::string DecodeMountPath(absl::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '\\' && i + 3 < escaped.size() && escaped[i + 1] >= '0' &&
        escaped[i + 1] <= '7' && escaped[i + 2] >= '0' &&
        escaped[i + 2] <= '7' && escaped[i + 3] >= '0' &&
        escaped[i + 3] <= '7') {
      out.push_back(static_cast<char>((escaped[i + 1] - '0') * 64 +
                                      (escaped[i + 2] - '0') * 8 +
                                      (escaped[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(escaped[i]);
    }
  }
  return out;
}

// Mount options that are not controller names.
bool IsGenericOption(absl::string_view option) {
  return option == "rw" || option == "ro" || option == "relatime" ||
         option == "noatime" || option == "nosuid" || option == "nodev" ||
         option == "noexec" || option == "clone_children" ||
         option == "noprefix" || option == "xattr" ||
         option.find('=') != absl::string_view::npos;
}

}  // namespace

CgroupMounts ParseCgroupMounts(absl::string_view proc_mounts) {
  CgroupMounts mounts;
  for (absl::string_view line : absl::StrSplit(proc_mounts, '\n')) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 4) continue;
    const absl::string_view type = fields[2];
    if (type == "cgroup2") {
      if (mounts.unified.empty()) mounts.unified = DecodeMountPath(fields[1]);
      continue;
    }
    if (type != "cgroup") continue;
    for (absl::string_view option : absl::StrSplit(fields[3], ',')) {
      if (option.empty() || IsGenericOption(option)) continue;
      mounts.v1.emplace(std::string(option), DecodeMountPath(fields[1]));
    }
  }
  return mounts;
}

}  // namespace forge::sandbox
