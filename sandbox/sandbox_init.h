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
[[noreturn]] void RunSandboxInit(const SandboxSpec& spec, int control,
                                 const std::string& staging_dir,
                                 const SeccompPolicy& seccomp);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SANDBOX_INIT_H_
