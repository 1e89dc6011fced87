// The seccomp policy every sandboxed program runs under. docs/SECCOMP.md
// has the table of rules and the reason for each; keep the two in step.
//
// In short: every x86_64 syscall up to kHighestReviewedSyscall is allowed
// except the dangerous set, which is either a Violation() (the supervisor
// reports SANDBOX_VIOLATION with the syscall's name and kills the sandbox)
// or, where runtimes probe it at start-up and cope with a refusal, an
// errno. Numbers above that, and the i386 and x32 ABIs, never run.
#ifndef FORGE_SANDBOX_SECCOMP_SANDBOX_POLICY_H_
#define FORGE_SANDBOX_SECCOMP_SANDBOX_POLICY_H_

#include <cerrno>

#include "absl/status/statusor.h"
#include "sandbox/seccomp_policy.h"

namespace forge::sandbox {

// The errno a supervisor answers a violation with (the sandbox is killed
// anyway; this only matters for a thread that outlives the kill briefly).
inline constexpr int kSeccompViolationErrno = EPERM;

// The sandbox's rules, still open for additions (a rule for a syscall that
// already has one is an error, so nothing here can be loosened by accident).
SeccompPolicyBuilder SandboxSeccompPolicyBuilder();

// SandboxSeccompPolicyBuilder().TryBuild().
absl::StatusOr<SeccompPolicy> BuildSandboxSeccompPolicy();

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SECCOMP_SANDBOX_POLICY_H_
