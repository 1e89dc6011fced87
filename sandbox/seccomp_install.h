// Installing a compiled SeccompPolicy in the process that is about to run
// the sandboxed program. Built for the child between clone and execve:
// async-signal-safe, no allocation, no locks.
#ifndef FORGE_SANDBOX_SECCOMP_INSTALL_H_
#define FORGE_SANDBOX_SECCOMP_INSTALL_H_

#include "sandbox/seccomp_policy.h"

namespace forge::sandbox {

// Sets no_new_privs, then loads `policy` with seccomp(SECCOMP_SET_MODE_FILTER)
// on the calling thread, asking for a notification listener
// (SECCOMP_FILTER_FLAG_NEW_LISTENER) when the policy has Violation()
// verdicts. The filter then applies to this thread and to everything it
// forks, clones or execs, for good. Other threads of the process are not
// covered (no TSYNC): call it from a single-threaded child.
//
// The kernel's default speculative-store-bypass mitigation for filtered
// tasks is kept (no SECCOMP_FILTER_FLAG_SPEC_ALLOW).
//
// Returns 0 and sets *listener_fd to the listener (O_CLOEXEC, owned by the
// caller; -1 when the policy needs none), or returns -errno and leaves
// *listener_fd at -1: -EBUSY when a filter with a listener is already
// installed, -EINVAL/-ENOSYS when the kernel cannot do it (no user
// notification before Linux 5.0), -EFAULT/-ENOMEM as the kernel says.
//
// The caller must pass the listener to the supervisor (SCM_RIGHTS) and
// close its own copy before execve (O_CLOEXEC does so too): a sandboxed
// process holding its own listener could answer its own notifications.
int InstallSeccompPolicy(const SeccompPolicy& policy,
                         int* listener_fd) noexcept;

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SECCOMP_INSTALL_H_
