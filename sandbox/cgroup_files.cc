#include "sandbox/cgroup_files.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace forge::sandbox {

std::optional<uint64_t> FindFlatKeyedValue(absl::string_view text,
                                           absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (kv.first != key) continue;
    uint64_t value;
    if (!absl::SimpleAtoi(kv.second, &value)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<uint64_t>> ReadCgroupNumber(
    CgroupFs& fs, const std::string& path) {
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  if (!text.ok()) return text.status();
  absl::string_view value = absl::StripAsciiWhitespace(*text);
  if (value == "max") return std::optional<uint64_t>();
  uint64_t number;
  if (!absl::SimpleAtoi(value, &number)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " holds '", value, "', not a number"));
  }
  return std::optional<uint64_t>(number);
}

absl::StatusOr<std::optional<uint64_t>> ReadFlatKeyed(CgroupFs& fs,
                                                      const std::string& path,
                                                      absl::string_view key) {
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  if (!text.ok()) return text.status();
  return FindFlatKeyedValue(*text, key);
}

absl::StatusOr<std::vector<pid_t>> ReadCgroupPids(CgroupFs& fs,
                                                  const std::string& path) {
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  if (!text.ok()) return text.status();
  std::vector<pid_t> pids;
  for (absl::string_view line :
       absl::StrSplit(*text, '\n', absl::SkipWhitespace())) {
    pid_t pid;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

}  // namespace forge::sandbox
