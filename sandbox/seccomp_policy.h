// A seccomp-bpf policy: which syscalls a sandboxed program may make, and
// what happens when it tries one it may not. The launcher builds it once,
// before any clone (building allocates); the child only installs it
// (seccomp_install.h). The sandbox's own policy is in
// seccomp_sandbox_policy.h; docs/SECCOMP.md explains each choice.
//
//   absl::StatusOr<SeccompPolicy> policy =
//       SeccompPolicyBuilder()
//           .On("ptrace", SeccompVerdict::Violation())
//           .On("io_uring_setup", SeccompVerdict::Errno(ENOSYS))
//           .OnArgs("socket", {{{SeccompArg::Equals32(0, AF_UNIX)},
//                               SeccompVerdict::Allow()}},
//                   SeccompVerdict::Violation())
//           .TryBuild();
//
// As in sandbox2's PolicyBuilder, the first error (an unknown syscall, a
// rule set twice, a bad errno) sticks and TryBuild() returns it, so every
// SeccompPolicy that exists was validated. The filter is for x86_64; its
// first instructions send every i386 and x32 call to the foreign-ABI
// verdict.
#ifndef FORGE_SANDBOX_SECCOMP_POLICY_H_
#define FORGE_SANDBOX_SECCOMP_POLICY_H_

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sandbox/seccomp_syscalls.h"

namespace forge::sandbox {

// What the filter does with a syscall. A value type.
class SeccompVerdict {
 public:
  static SeccompVerdict Allow() { return SeccompVerdict(SECCOMP_RET_ALLOW); }
  // The syscall fails with `errno_value` (1..4095) without running.
  static SeccompVerdict Errno(int errno_value);
  // The syscall does not run: the calling thread is held and the supervisor
  // holding the listener (seccomp_notify.h) is told which syscall it was;
  // the supervisor records the violation and kills the sandbox. If no
  // supervisor holds the listener any more, the syscall fails with ENOSYS.
  static SeccompVerdict Violation() {
    return SeccompVerdict(SECCOMP_RET_USER_NOTIF);
  }

  // The SECCOMP_RET_* value the filter returns.
  uint32_t action() const { return action_; }
  bool is_violation() const { return action_ == SECCOMP_RET_USER_NOTIF; }
  bool valid() const { return valid_; }

 private:
  explicit SeccompVerdict(uint32_t action, bool valid = true)
      : action_(action), valid_(valid) {}
  uint32_t action_;
  bool valid_;
};

// A test on one syscall argument: (argument & mask) == value.
class SeccompArg {
 public:
  // For arguments the kernel reads as int or unsigned int: only the low 32
  // bits are compared, because the kernel ignores the high ones (comparing
  // all 64 would let a caller dodge a rule by setting a high bit).
  static SeccompArg Equals32(int index, uint32_t value) {
    return MaskedEquals32(index, 0xffffffffu, value);
  }
  static SeccompArg MaskedEquals32(int index, uint32_t mask, uint32_t value);
  // For arguments the kernel reads as long or a pointer.
  static SeccompArg MaskedEquals64(int index, uint64_t mask, uint64_t value);

  int index() const { return index_; }
  uint64_t mask() const { return mask_; }
  uint64_t value() const { return value_; }
  bool wide() const { return wide_; }

 private:
  SeccompArg(int index, uint64_t mask, uint64_t value, bool wide)
      : index_(index), mask_(mask), value_(value), wide_(wide) {}
  int index_;
  uint64_t mask_;
  uint64_t value_;
  bool wide_;
};

// `verdict` applies when every test in `when` holds (empty: always).
struct SeccompCase {
  std::vector<SeccompArg> when;
  SeccompVerdict verdict;
};

// A validated, compiled filter: a value (copies are independent). Const
// methods may be called concurrently.
class SeccompPolicy {
 public:
  // The program for seccomp(SECCOMP_SET_MODE_FILTER). It points into this
  // object, which must outlive its use; the buffer survives moves of the
  // policy. Making it does not allocate.
  sock_fprog program() const {
    return sock_fprog{static_cast<unsigned short>(filter_.size()),
                      const_cast<sock_filter*>(filter_.data())};
  }
  size_t size() const { return filter_.size(); }
  // Whether some verdict is Violation(), so installing needs a listener.
  bool needs_listener() const { return needs_listener_; }

  // Runs the program on `data` the way the kernel would and returns the
  // SECCOMP_RET_* value; for tests and tools (the kernel runs the real
  // thing).
  uint32_t Evaluate(const seccomp_data& data) const;

 private:
  friend class SeccompPolicyBuilder;
  SeccompPolicy(std::vector<sock_filter> filter, bool needs_listener)
      : filter_(std::move(filter)), needs_listener_(needs_listener) {}

  std::vector<sock_filter> filter_;
  bool needs_listener_;
};

// Not thread-safe. Syscalls are named as on x86_64.
class SeccompPolicyBuilder {
 public:
  SeccompPolicyBuilder() = default;

  // `verdict` for every call of `syscall`.
  SeccompPolicyBuilder& On(absl::string_view syscall, SeccompVerdict verdict);
  // For `syscall`, the first case whose tests all hold decides; `otherwise`
  // when none does. At most ~40 tests per syscall (a jump spans 255
  // instructions).
  SeccompPolicyBuilder& OnArgs(absl::string_view syscall,
                               std::vector<SeccompCase> cases,
                               SeccompVerdict otherwise);
  // Verdict for syscalls that have no rule. Default: Allow().
  SeccompPolicyBuilder& Default(SeccompVerdict verdict);
  // Verdict for syscall numbers above `highest`. Default:
  // kHighestReviewedSyscall and Errno(ENOSYS).
  SeccompPolicyBuilder& AboveHighest(int highest, SeccompVerdict verdict);
  // Verdict for i386 (int $0x80) and x32 calls. Default: Violation().
  SeccompPolicyBuilder& ForeignAbi(SeccompVerdict verdict);

  // The compiled policy, or the first error met while building.
  absl::StatusOr<SeccompPolicy> TryBuild() const;

 private:
  struct Rule {
    std::string name;
    std::vector<SeccompCase> cases;
    SeccompVerdict otherwise = SeccompVerdict::Allow();
  };
  void SetError(absl::Status status);
  bool CheckVerdict(const SeccompVerdict& verdict, absl::string_view where);

  absl::Status status_;
  std::map<int, Rule> rules_;
  SeccompVerdict default_ = SeccompVerdict::Allow();
  int highest_ = kHighestReviewedSyscall;
  SeccompVerdict above_highest_ = SeccompVerdict::Errno(ENOSYS);
  SeccompVerdict foreign_abi_ = SeccompVerdict::Violation();
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SECCOMP_POLICY_H_
