// Reading the kernel's cgroup control files: single numbers, flat-keyed
// "key value" lists (memory.events, pids.events, cpu.stat,
// memory.oom_control) and pid lists (cgroup.procs). Shared by the v1 and v2
// code; stateless.
#ifndef FORGE_SANDBOX_CGROUP_FILES_H_
#define FORGE_SANDBOX_CGROUP_FILES_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sandbox/cgroup_fs.h"

namespace forge::sandbox {

// The value of `key` in flat-keyed text ("oom 0\noom_kill 2\n"); nullopt if
// the key is absent or its value is not a number.
std::optional<uint64_t> FindFlatKeyedValue(absl::string_view text,
                                           absl::string_view key);

// The file `path` holding one unsigned number. "max" reads as nullopt.
// NotFound if absent; InvalidArgument if it holds anything else.
absl::StatusOr<std::optional<uint64_t>> ReadCgroupNumber(
    CgroupFs& fs, const std::string& path);

// `key` in the flat-keyed file `path`. NotFound if the file is absent;
// nullopt if the key is.
absl::StatusOr<std::optional<uint64_t>> ReadFlatKeyed(CgroupFs& fs,
                                                      const std::string& path,
                                                      absl::string_view key);

// The pids listed in a cgroup.procs file. NotFound if absent.
absl::StatusOr<std::vector<pid_t>> ReadCgroupPids(CgroupFs& fs,
                                                  const std::string& path);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_CGROUP_FILES_H_
