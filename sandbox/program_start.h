// The last steps of a sandboxed program's start, in the process init forked
// for it (a single-threaded child of the sandbox init): its own session,
// stdio, working directory, rlimits, dropped capabilities, no_new_privs and
// the seccomp filter, then execve. Cold and warm programs take this same
// path; only what they exec differs.
#ifndef FORGE_SANDBOX_PROGRAM_START_H_
#define FORGE_SANDBOX_PROGRAM_START_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sandbox/sandbox_spec.h"
#include "sandbox/seccomp_policy.h"

namespace forge::sandbox {

struct ProgramLaunch {
  const std::vector<std::string>* argv = nullptr;  // argv[0]: absolute path
  const std::vector<std::string>* env = nullptr;
  int stdio[3] = {-1, -1, -1};  // become fds 0, 1, 2
  // A warm runner's job and ready pipes: when >= 0 they become kWarmJobFd
  // and kWarmReadyFd (warm_runner.h).
  int channel[2] = {-1, -1};
  const char* cwd = "/";
  ResourceLimits limits;
  // A warm program sets only CORE and STACK here and keeps the hard limits
  // it inherited: raising a hard limit later needs CAP_SYS_RESOURCE in the
  // host's user namespace, which init lacks, so init lowers them to the
  // job's limits when the job arrives.
  bool apply_job_rlimits = true;
  const SeccompPolicy* seccomp = nullptr;
  int control = -1;     // the seccomp listener goes to the launcher here
  int error_pipe = -1;  // why the start failed, if it did
};

// Runs the steps in order and execs; on failure writes the reason to
// `launch.error_pipe` and exits 127. Call only in a freshly forked child.
[[noreturn]] void ExecProgram(const ProgramLaunch& launch);

// Sets the job's rlimits (CPU, FSIZE, NOFILE, CORE, STACK) on process `pid`
// (0: the caller); init uses it on a warm program that is already running.
// Hard limits can only be lowered (EPERM otherwise).
absl::Status ApplyRlimits(pid_t pid, const ResourceLimits& limits);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_PROGRAM_START_H_
