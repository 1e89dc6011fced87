// The first process of every sandbox: pid 1 of its pid namespace. The
// launcher clones it with new user, pid, mount, net, ipc and uts namespaces;
// it then contains itself (the steps in ContainInit, in order), reports
// ready, waits for one job, forks the program, reaps every process until the
// program exits, reports, and exits — which makes the kernel kill whatever
// else is left in the namespace.
#ifndef FORGE_SANDBOX_SANDBOX_INIT_H_
#define FORGE_SANDBOX_SANDBOX_INIT_H_

#include <string>

#include "sandbox/sandbox_spec.h"
#include "sandbox/seccomp_policy.h"

namespace forge::sandbox {

// Runs the sandbox init on `control` (its end of the launcher socketpair).
// `staging_dir` is the host directory the new root is mounted on. The
// program runs under `seccomp` (compiled by the launcher before the clone);
// its notification listener goes to the launcher over `control`. Never
// returns; setup failures are reported on `control` as kInitFailed.
//
// A warm sandbox (`spec.is_warm()`) forks its program right after
// containment, with `warm_stdio` (stdin, stdout, stderr; init keeps no
// copy) and the runner's channel (warm_runner.h), and reports ready only
// once the runner waits for its job. When the job comes, init mounts the
// workspace, writes the input files, sets the job's rlimits on the running
// program (prlimit; the cgroup limits were set by the launcher before
// kRunJob) and then delivers argv and env: no job code runs before its
// limits are in force, and the wall time counts from delivery. Cold
// sandboxes pass {-1, -1, -1}.
[[noreturn]] void RunSandboxInit(const SandboxSpec& spec, int control,
                                 const std::string& staging_dir,
                                 const SeccompPolicy& seccomp,
                                 const int warm_stdio[3]);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SANDBOX_INIT_H_
