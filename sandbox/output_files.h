// Returning files the program wrote. Runs in the sandbox init after the
// program exited, inside the sandbox's mount namespace, so nothing outside
// the sandbox is even nameable; within it, every open is resolved beneath
// /workspace with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS), so a symlink the program planted (to /proc/1/...,
// to a bound host file) is refused, and only regular files are read. A hard
// link cannot cross into /workspace: it is its own tmpfs.
#ifndef FORGE_SANDBOX_OUTPUT_FILES_H_
#define FORGE_SANDBOX_OUTPUT_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace forge::sandbox {

struct OutputFileData {
  std::string path;  // relative to /workspace
  std::string content;
  bool truncated = false;  // the file was larger than the cap
};

struct OutputFileRequest {
  // fnmatch(3) patterns over paths relative to /workspace, without
  // FNM_PATHNAME: "*" also matches "/" ("out/*" covers "out/a/b.txt").
  std::vector<std::string> patterns;
  uint32_t max_files = 32;
  uint64_t max_file_bytes = 1 << 20;
};

// Walks `workspace` (a directory fd; depth and entry count bounded) and
// reads every regular file matching a pattern, in path order, up to the
// caps. Symlinks and special files are skipped, never followed.
absl::StatusOr<std::vector<OutputFileData>> CollectOutputFiles(
    int workspace, const OutputFileRequest& request);

// Encodes files into a sealed memfd / decodes them (bounds-checked).
absl::StatusOr<UniqueFd> WriteOutputFiles(
    const std::vector<OutputFileData>& files);
absl::StatusOr<std::vector<OutputFileData>> ReadOutputFiles(int fd);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_OUTPUT_FILES_H_
