// Syscall names and numbers for the seccomp policy and its reports. The
// policy is written for x86_64; names of the foreign ABIs it blocks (i386,
// x32) are only needed to say what a blocked program tried.
#ifndef FORGE_SANDBOX_SECCOMP_SYSCALLS_H_
#define FORGE_SANDBOX_SECCOMP_SYSCALLS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace forge::sandbox {

// The highest x86_64 syscall number the sandbox policy was reviewed against
// (file_setattr, Linux 6.17). The policy answers ENOSYS above it, so a
// syscall added by a later kernel is refused until someone has looked at it.
inline constexpr int kHighestReviewedSyscall = 469;

// The x32 ABI marks its syscall numbers with this bit (__X32_SYSCALL_BIT).
inline constexpr uint32_t kX32SyscallBit = 0x40000000;

// The name of syscall `nr` as seen by a seccomp filter with audit
// architecture `audit_arch`: "ptrace" for x86_64, "i386:ptrace" for the
// 32-bit ABI, "x32:ptrace" for x32 (nr carries kX32SyscallBit), and
// "syscall_<nr>" (with the ABI prefix) when the number is unknown. Names
// come from libseccomp plus a table of x86_64 syscalls newer than it.
// Allocates; not for a child between fork and exec.
std::string SeccompSyscallName(uint32_t audit_arch, int nr);

// The x86_64 number of syscall `name`; nullopt if there is no such syscall
// on x86_64 (e.g. "socketcall").
std::optional<int> X86_64SyscallNumber(absl::string_view name);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SECCOMP_SYSCALLS_H_
