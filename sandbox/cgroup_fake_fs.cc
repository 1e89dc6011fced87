#include "sandbox/cgroup_fake_fs.h"

#include <fcntl.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"

namespace forge::sandbox {
namespace {

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

// Whether `path` is strictly below `dir`.
bool IsBelow(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() + 1 && absl::StartsWith(path, dir) &&
         path[dir.size()] == '/';
}

std::set<std::string> Words(absl::string_view text) {
  std::set<std::string> words;
  for (absl::string_view word :
       absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    words.emplace(word);
  }
  return words;
}

}  // namespace

void FakeCgroupFs::SetNewDirFiles(std::map<std::string, std::string> files) {
  new_dir_files_ = std::move(files);
}

void FakeCgroupFs::AddDir(absl::string_view path) {
  std::string p(path);
  while (p != "/" && !p.empty()) {
    dirs_.insert(p);
    p = ParentOf(p);
  }
  dirs_.insert("/");
}

void FakeCgroupFs::SetFile(absl::string_view path, absl::string_view contents) {
  files_[std::string(path)] = std::string(contents);
}

std::optional<std::string> FakeCgroupFs::GetFile(absl::string_view path) const {
  auto it = files_.find(std::string(path));
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

bool FakeCgroupFs::HasDir(absl::string_view path) const {
  return dirs_.count(std::string(path)) > 0;
}

void FakeCgroupFs::FailRemoveDir(absl::string_view path, int times,
                                 absl::Status error) {
  remove_failures_[std::string(path)] = {times, std::move(error)};
}

absl::Status FakeCgroupFs::MakeDir(absl::string_view path) {
  const std::string p(path);
  if (dirs_.count(p) || files_.count(p)) {
    return absl::ErrnoToStatus(EEXIST, "mkdir " + p);
  }
  const std::string parent = ParentOf(p);
  if (!dirs_.count(parent)) return absl::ErrnoToStatus(ENOENT, "mkdir " + p);
  dirs_.insert(p);
  for (const auto& [name, contents] : new_dir_files_) {
    files_[p + "/" + name] = contents;
  }
  auto subtree = files_.find(parent + "/cgroup.subtree_control");
  if (subtree != files_.end()) {
    files_[p + "/cgroup.controllers"] = subtree->second;
  }
  return absl::OkStatus();
}

absl::Status FakeCgroupFs::RemoveDir(absl::string_view path) {
  const std::string p(path);
  if (!dirs_.count(p)) return absl::ErrnoToStatus(ENOENT, "rmdir " + p);
  auto failure = remove_failures_.find(p);
  if (failure != remove_failures_.end() && failure->second.first > 0) {
    --failure->second.first;
    return failure->second.second;
  }
  auto child = dirs_.lower_bound(p + "/");
  if (child != dirs_.end() && IsBelow(*child, p)) {
    return absl::ErrnoToStatus(EBUSY, "rmdir " + p + " (child cgroup)");
  }
  auto procs = files_.find(p + "/cgroup.procs");
  if (procs != files_.end() &&
      !absl::StripAsciiWhitespace(procs->second).empty()) {
    return absl::ErrnoToStatus(EBUSY, "rmdir " + p + " (processes)");
  }
  for (auto it = files_.lower_bound(p + "/");
       it != files_.end() && IsBelow(it->first, p);) {
    it = files_.erase(it);
  }
  dirs_.erase(p);
  return absl::OkStatus();
}

absl::Status FakeCgroupFs::WriteSubtreeControl(const std::string& dir,
                                               absl::string_view data) {
  std::set<std::string> enabled =
      Words(files_[dir + "/cgroup.subtree_control"]);
  std::set<std::string> available;
  if (auto controllers = GetFile(dir + "/cgroup.controllers")) {
    available = Words(*controllers);
  }
  for (const std::string& word : Words(data)) {
    const std::string controller = word.substr(1);
    if (word[0] == '+') {
      if (!available.count(controller)) {
        return absl::ErrnoToStatus(ENOENT, "enable " + controller);
      }
      enabled.insert(controller);
    } else if (word[0] == '-') {
      enabled.erase(controller);
    } else {
      return absl::ErrnoToStatus(EINVAL, "subtree_control " + word);
    }
  }
  files_[dir + "/cgroup.subtree_control"] = absl::StrJoin(enabled, " ");
  return absl::OkStatus();
}

void FakeCgroupFs::ClearProcsBelow(const std::string& dir) {
  for (auto& [path, contents] : files_) {
    if (BaseName(path) != "cgroup.procs") continue;
    if (ParentOf(path) == dir || IsBelow(path, dir)) contents.clear();
  }
}

absl::Status FakeCgroupFs::WriteFile(absl::string_view path,
                                     absl::string_view data) {
  const std::string p(path);
  auto file = files_.find(p);
  if (file == files_.end()) return absl::ErrnoToStatus(ENOENT, "open " + p);
  if (write_hook_) {
    absl::Status hooked = write_hook_(p, data);
    if (!hooked.ok()) return hooked;
  }
  const std::string dir = ParentOf(p);
  const std::string name = BaseName(p);
  if (name == "cgroup.subtree_control") {
    absl::Status status = WriteSubtreeControl(dir, data);
    if (!status.ok()) return status;
  } else if (name == "cgroup.procs") {
    file->second += absl::StrCat(absl::StripAsciiWhitespace(data), "\n");
  } else if (name == "cgroup.freeze") {
    // The kernel reports the new state in cgroup.events; nothing here is
    // ever slow to freeze.
    file->second = std::string(data);
    const bool frozen = absl::StripAsciiWhitespace(data) == "1";
    const bool populated =
        !absl::StripAsciiWhitespace(files_[dir + "/cgroup.procs"]).empty();
    files_[dir + "/cgroup.events"] = absl::StrCat(
        "populated ", populated ? 1 : 0, "\nfrozen ", frozen ? 1 : 0, "\n");
  } else if (name == "cgroup.kill" && absl::StripAsciiWhitespace(data) == "1") {
    ClearProcsBelow(dir);
  } else {
    file->second = std::string(data);
  }
  writes_.push_back(Write{p, std::string(data)});
  return absl::OkStatus();
}

absl::StatusOr<std::string> FakeCgroupFs::ReadFile(absl::string_view path) {
  std::optional<std::string> contents = GetFile(path);
  if (!contents) {
    return absl::ErrnoToStatus(ENOENT, absl::StrCat("open ", path));
  }
  return *contents;
}

absl::StatusOr<std::vector<std::string>> FakeCgroupFs::ListSubdirs(
    absl::string_view path) {
  const std::string p(path);
  if (!dirs_.count(p)) return absl::ErrnoToStatus(ENOENT, "open " + p);
  std::vector<std::string> names;
  for (auto it = dirs_.lower_bound(p + "/");
       it != dirs_.end() && IsBelow(*it, p); ++it) {
    if (ParentOf(*it) == p) names.push_back(BaseName(*it));
  }
  return names;
}

bool FakeCgroupFs::Exists(absl::string_view path) {
  const std::string p(path);
  return dirs_.count(p) || files_.count(p);
}

absl::StatusOr<UniqueFd> FakeCgroupFs::OpenDir(absl::string_view path) {
  const std::string p(path);
  if (!dirs_.count(p)) return absl::ErrnoToStatus(ENOENT, "open " + p);
  UniqueFd fd(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return LastErrorStatus("open /");
  return fd;
}

}  // namespace forge::sandbox
