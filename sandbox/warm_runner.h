// Warm interpreters: a ready sandbox may already run its runtime's
// interpreter, started by the sandbox init under the program's full
// confinement (the same fork path, dropped capabilities and seccomp filter as
// a cold program), executing a small runner that waits for its job on a
// private descriptor (kWarmChannelFd). When the job arrives the runner gets
// the job's argv and env, becomes the program (argv, cwd, `__main__` /
// main module, exit code and uncaught-error reporting as on the cold path)
// and forgets itself; if the job needs an interpreter started differently
// (other flags or environment) the runner execs the job's argv as the cold
// path would.
//
// The runner's source is passed on the interpreter's command line (-c / -e):
// it is never a file in the sandbox and never an importable module.
//
// Channel protocol (init ↔ runner, a SOCK_STREAM socketpair on fd 3):
//   runner → init: one byte 'R' once it waits for its job;
//   init → runner: EncodeWarmJob(argv, env), then EOF.
//
// Pure functions; thread-safe.
#ifndef FORGE_SANDBOX_WARM_RUNNER_H_
#define FORGE_SANDBOX_WARM_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace forge::sandbox {

// The runner's descriptor inside the warm program.
inline constexpr int kWarmChannelFd = 3;
inline constexpr char kWarmReadyByte = 'R';

enum class WarmRunnerKind { kPython, kNode };

// Which runner fits the interpreter at `binary` (by its file name: python3*,
// node). NOT_FOUND when the runtime has no warm runner (bash, deno).
absl::StatusOr<WarmRunnerKind> WarmRunnerFor(absl::string_view binary);

// The arguments that follow the interpreter's own (the runtime's args) to
// start the runner, e.g. {"-c", <source>} for Python. The job's argv must
// then be [binary, runtime args..., script, user args...].
std::vector<std::string> WarmRunnerArgs(WarmRunnerKind kind);

// The job message: argc, argv..., envc, env..., each NUL-terminated.
std::string EncodeWarmJob(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_WARM_RUNNER_H_
