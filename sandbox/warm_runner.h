// Warm interpreters: a ready sandbox may already run its runtime's
// interpreter, started by the sandbox init under the program's full
// confinement (the same fork path, dropped capabilities and seccomp filter as
// a cold program), executing a small runner that waits for its job on a
// private descriptor (kWarmJobFd). When the job arrives the runner gets the
// job's argv and env, becomes the program (argv, cwd, `__main__` / main
// module, exit code and uncaught-error reporting as on the cold path) and
// forgets itself; if the job needs an interpreter started differently
// (other flags or environment) the Python and Node runners exec the job's
// argv as the cold path would (Deno's cannot; see below).
//
// The runner's source is passed on the interpreter's command line (-c / -e,
// Deno: a `data:` URL module given to --preload): it is never a file in the
// sandbox and never an importable module.
//
// Deno's runner is a preload module: Deno runs it before it loads the main
// module, which is the job's script named on the warm command line, so the
// program is Deno's own main module (import.meta.main, Deno.mainModule, exit
// codes and uncaught errors as cold). The runner sets Deno.args to the job's
// arguments. It reaches its channel as /proc/self/fd/3 and /proc/self/fd/4,
// for which the warm command line grants read and write, and revokes both
// grants before the program loads, leaving exactly the cold permissions
// (Deno's revoke of a path also drops grants of its ancestors, so it is
// skipped when /proc/self/fd itself is granted: the program then has these
// paths cold as well). Deno has no permission to start another interpreter:
// a job for it must have the warm start's env and runtime args (the server
// gives warm sandboxes only to requests without env of their own); the
// runner exits 70 with a message if the job names another script.
//
// Channel protocol (init ↔ runner, two pipes):
//   fd 4, runner → init: one byte 'R' once it waits for its job;
//   fd 3, init → runner: EncodeWarmJob(argv, env), then EOF.
//
// Pure functions; thread-safe.
#ifndef FORGE_SANDBOX_WARM_RUNNER_H_
#define FORGE_SANDBOX_WARM_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace forge::sandbox {

// The runner's descriptors inside the warm program: the job arrives on the
// first, the ready byte leaves on the second.
inline constexpr int kWarmJobFd = 3;
inline constexpr int kWarmReadyFd = 4;
inline constexpr char kWarmReadyByte = 'R';

enum class WarmRunnerKind { kPython, kNode, kDeno };

// Which runner fits the interpreter at `binary` (by its file name: python3*,
// node, deno). NOT_FOUND when the runtime has no warm runner (bash).
absl::StatusOr<WarmRunnerKind> WarmRunnerFor(absl::string_view binary);

// The arguments that follow the interpreter's own (the runtime's args) to
// start the runner, e.g. {"-c", <source>} for Python; Deno's end with
// `script`, the path the job's script will have (the others ignore it). The
// job's argv must then be [binary, runtime args..., script, user args...].
std::vector<std::string> WarmRunnerArgs(WarmRunnerKind kind,
                                        absl::string_view script);

// The job message: argc, argv..., envc, env..., each NUL-terminated.
std::string EncodeWarmJob(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_WARM_RUNNER_H_
