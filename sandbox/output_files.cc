#include "sandbox/output_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/job_payload.h"
#include "sandbox/wire.h"

namespace forge::sandbox {
namespace {

constexpr int kMaxDepth = 16;
constexpr size_t kMaxEntries = 20000;

UniqueFd OpenBeneath(int dir, const std::string& path, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                RESOLVE_NO_XDEV;
  return UniqueFd(static_cast<int>(
      ::syscall(SYS_openat2, dir, path.c_str(), &how, sizeof(how))));
}

bool Matches(const std::string& path,
             const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) {
                       return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;
                     });
}

// Collects relative paths of regular files (by lstat-like d_type/fstatat
// with AT_SYMLINK_NOFOLLOW), depth first.
void Walk(int workspace, const std::string& relative, int depth,
          std::vector<std::string>& files, size_t& entries) {
  if (depth > kMaxDepth || entries > kMaxEntries) return;
  UniqueFd dir = relative.empty()
                     ? UniqueFd(::dup(workspace))
                     : OpenBeneath(workspace, relative, O_RDONLY | O_DIRECTORY);
  if (!dir) return;
  DIR* stream = ::fdopendir(dir.Release());
  if (stream == nullptr) return;
  std::vector<std::pair<std::string, bool>> children;
  while (dirent* entry = ::readdir(stream)) {
    if (++entries > kMaxEntries) break;
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::fstatat(::dirfd(stream), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue;
    if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))
      children.emplace_back(name, S_ISDIR(st.st_mode));
  }
  ::closedir(stream);
  std::sort(children.begin(), children.end());
  for (const auto& [name, is_dir] : children) {
    std::string path =
        relative.empty() ? name : absl::StrCat(relative, "/", name);
    if (is_dir) {
      Walk(workspace, path, depth + 1, files, entries);
    } else {
      files.push_back(std::move(path));
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<OutputFileData>> CollectOutputFiles(
    int workspace, const OutputFileRequest& request) {
  std::vector<OutputFileData> result;
  if (request.patterns.empty()) return result;
  std::vector<std::string> paths;
  size_t entries = 0;
  Walk(workspace, "", 0, paths, entries);
  for (const std::string& path : paths) {
    if (result.size() >= request.max_files) break;
    if (!Matches(path, request.patterns)) continue;
    // O_NONBLOCK: a FIFO swapped in after the walk must not hang init.
    UniqueFd file = OpenBeneath(workspace, path, O_RDONLY | O_NONBLOCK);
    if (!file) continue;
    struct stat st;
    if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    OutputFileData data;
    data.path = path;
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    data.truncated = size > request.max_file_bytes;
    data.content.resize(std::min(size, request.max_file_bytes));
    size_t done = 0;
    while (done < data.content.size()) {
      ssize_t n = ::read(file.get(), data.content.data() + done,
                         data.content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    data.content.resize(done);
    result.push_back(std::move(data));
  }
  return result;
}

absl::StatusOr<UniqueFd> WriteOutputFiles(
    const std::vector<OutputFileData>& files) {
  WireWriter w;
  w.PutU32(static_cast<uint32_t>(files.size()));
  for (const OutputFileData& file : files) {
    w.PutString(file.path);
    w.PutString(file.content);
    w.PutBool(file.truncated);
  }
  return MakeReadOnlyMemfd("forge-output-files", w.data());
}

absl::StatusOr<std::vector<OutputFileData>> ReadOutputFiles(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return LastErrorStatus("fstat output files");
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pread(fd, data.data() + done, data.size() - done,
                        static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return absl::InvalidArgumentError("output files shorter than their size");
    done += static_cast<size_t>(n);
  }
  WireReader r(data);
  FORGE_ASSIGN_OR_RETURN(uint32_t count, r.GetU32());
  if (count > data.size() / 20 + 1)
    return absl::InvalidArgumentError("bad output file count");
  std::vector<OutputFileData> files;
  for (uint32_t i = 0; i < count; ++i) {
    OutputFileData file;
    FORGE_ASSIGN_OR_RETURN(file.path, r.GetString());
    FORGE_ASSIGN_OR_RETURN(file.content, r.GetString());
    FORGE_ASSIGN_OR_RETURN(file.truncated, r.GetBool());
    files.push_back(std::move(file));
  }
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return files;
}

}  // namespace forge::sandbox
