// The plain data that describes a sandbox, a job run in it, and how the job
// ended. These cross the launcher socket (launcher_protocol.h) and are the
// vocabulary of the sandbox/ library's public API. No behaviour lives here.
#ifndef FORGE_SANDBOX_SANDBOX_SPEC_H_
#define FORGE_SANDBOX_SANDBOX_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "sandbox/output_files.h"

namespace forge::sandbox {

// The uid and gid every sandboxed program runs as, inside its namespace.
inline constexpr uint32_t kSandboxUid = 1000;
inline constexpr uint32_t kSandboxGid = 1000;
inline constexpr char kSandboxHostname[] = "sandbox";
inline constexpr char kWorkspaceDir[] = "/workspace";

// A host path made visible read-only (nosuid, nodev) inside the sandbox.
struct BindMount {
  std::string source;  // absolute host path (file or directory)
  std::string target;  // absolute path inside the sandbox
};

// A warm sandbox starts its program (an interpreter running a warm runner,
// warm_runner.h) when it is created, under the program's full confinement;
// the job then only delivers argv, env and files. Empty argv: a cold
// sandbox, whose program starts with the job.
struct WarmStart {
  std::vector<std::string> argv;  // argv[0] is the absolute binary path
  std::vector<std::string> env;   // "NAME=value" entries, the whole env
};

// What a fresh sandbox looks like before any job runs in it.
struct SandboxSpec {
  std::string sandbox_id;  // unique; [A-Za-z0-9_-]+
  uint32_t host_uid = 0;   // host ids kSandboxUid/Gid map to; never 0
  uint32_t host_gid = 0;
  std::vector<BindMount> binds;
  uint64_t tmp_bytes = 64 << 20;  // size of /tmp (and /dev/shm) tmpfs
  uint64_t tmpfs_inodes = 4096;   // inode cap of /tmp and /workspace
  WarmStart warm;
  // Made ahead of time (a pool's refill): until its job starts, the
  // sandbox's cgroup has the lowest CPU weight, so making it and starting a
  // warm interpreter take only CPU that running jobs leave idle.
  bool background = false;
  bool is_warm() const { return !warm.argv.empty(); }
};

// Limits of one job. Zero means "not limited" only where noted; the server
// always fills every field.
struct ResourceLimits {
  absl::Duration wall_time = absl::Seconds(10);
  absl::Duration cpu_time = absl::Seconds(10);
  uint64_t memory_bytes = 256 << 20;
  uint32_t max_processes = 64;
  uint64_t max_file_bytes = 16 << 20;
  uint64_t workspace_bytes = 64 << 20;
  uint32_t max_open_files = 256;
};

struct InputFileSpec {
  std::string path;  // relative to the workspace, already validated
  std::string content;
  uint32_t mode = 0644;
};

// The program to run in a ready sandbox.
struct JobSpec {
  std::vector<std::string> argv;  // argv[0] is the absolute binary path
  std::vector<std::string> env;   // "NAME=value" entries, the whole env
  std::vector<InputFileSpec> files;
  // Files returned after the program exits (empty patterns: none).
  OutputFileRequest output_files;
};

// Why a job ended, as seen by the sandbox. The first verdict wins: a job
// killed for its wall time is kWallTimeout even though it died of SIGKILL.
enum class Termination : uint32_t {
  kExited = 1,    // exit_code is valid
  kSignaled = 2,  // signal is valid
  kWallTimeout = 3,
  kCpuTimeout = 4,
  kMemoryLimit = 5,  // the cgroup's OOM killer fired
  kProcessLimit = 6,
  kViolation = 7,   // forbidden syscall; message names it
  kKilled = 8,      // killed on request (cancel, output limit, shutdown)
  kSetupError = 9,  // the sandbox could not run the job; message says why
};

const char* TerminationName(Termination termination);

struct SandboxResult {
  Termination termination = Termination::kSetupError;
  int exit_code = 0;
  int signal = 0;
  absl::Duration wall_time;
  absl::Duration cpu_time;
  uint64_t peak_memory_bytes = 0;
  std::string message;
  // Files matching the job's output patterns, when the program ended on its
  // own (a killed sandbox returns none).
  std::vector<OutputFileData> files;
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SANDBOX_SPEC_H_
