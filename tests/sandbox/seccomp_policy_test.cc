// The policy builder, the compiled program (run through
// SeccompPolicy::Evaluate, no kernel involved) and syscall names. The
// kernel's verdicts are in seccomp_sandbox_test.cc.
#include "sandbox/seccomp_policy.h"

#include <linux/audit.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cerrno>
#include <initializer_list>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/seccomp_sandbox_policy.h"
#include "sandbox/seccomp_syscalls.h"

namespace forge::sandbox {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kNotify = SECCOMP_RET_USER_NOTIF;
constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
uint32_t ErrnoAction(int e) { return SECCOMP_RET_ERRNO | e; }

seccomp_data Call(int nr, std::initializer_list<uint64_t> args = {},
                  uint32_t arch = AUDIT_ARCH_X86_64) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  int i = 0;
  for (uint64_t arg : args) data.args[i++] = arg;
  return data;
}

TEST(SeccompPolicyBuilderTest, EmptyPolicyAllowsNativeCallsAndBlocksTheRest) {
  absl::StatusOr<SeccompPolicy> policy = SeccompPolicyBuilder().TryBuild();
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(policy->needs_listener());  // foreign ABIs are violations
  EXPECT_EQ(policy->Evaluate(Call(SYS_getpid)), kAllow);
  EXPECT_EQ(policy->Evaluate(Call(kHighestReviewedSyscall)), kAllow);
  EXPECT_EQ(policy->Evaluate(Call(kHighestReviewedSyscall + 1)),
            ErrnoAction(ENOSYS));
  EXPECT_EQ(policy->Evaluate(Call(20, {}, AUDIT_ARCH_I386)), kNotify);
  EXPECT_EQ(policy->Evaluate(Call(static_cast<int>(kX32SyscallBit | 39))),
            kNotify);
}

TEST(SeccompPolicyBuilderTest, VerdictsAndCasesInOrder) {
  absl::StatusOr<SeccompPolicy> policy =
      SeccompPolicyBuilder()
          .On("ptrace", SeccompVerdict::Violation())
          .On("io_uring_setup", SeccompVerdict::Errno(ENOSYS))
          .OnArgs(
              "socket",
              {{{SeccompArg::Equals32(0, AF_UNIX)}, SeccompVerdict::Allow()},
               {{SeccompArg::Equals32(0, AF_INET),
                 SeccompArg::MaskedEquals32(1, 0xf, SOCK_RAW)},
                SeccompVerdict::Violation()},
               {{SeccompArg::Equals32(0, AF_INET)}, SeccompVerdict::Allow()}},
              SeccompVerdict::Errno(EAFNOSUPPORT))
          .Default(SeccompVerdict::Allow())
          .TryBuild();
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->Evaluate(Call(SYS_ptrace)), kNotify);
  EXPECT_EQ(policy->Evaluate(Call(SYS_io_uring_setup)), ErrnoAction(ENOSYS));
  EXPECT_EQ(policy->Evaluate(Call(SYS_socket, {AF_UNIX, SOCK_STREAM})), kAllow);
  EXPECT_EQ(policy->Evaluate(Call(SYS_socket, {AF_INET, SOCK_RAW})), kNotify);
  EXPECT_EQ(
      policy->Evaluate(Call(SYS_socket, {AF_INET, SOCK_RAW | SOCK_CLOEXEC})),
      kNotify);
  EXPECT_EQ(policy->Evaluate(Call(SYS_socket, {AF_INET, SOCK_STREAM})), kAllow);
  EXPECT_EQ(policy->Evaluate(Call(SYS_socket, {AF_PACKET, SOCK_RAW})),
            ErrnoAction(EAFNOSUPPORT));
  EXPECT_EQ(policy->Evaluate(Call(SYS_read)), kAllow);
}

TEST(SeccompPolicyBuilderTest, ThirtyTwoBitTestsIgnoreTheHighHalf) {
  absl::StatusOr<SeccompPolicy> policy =
      SeccompPolicyBuilder()
          .OnArgs("ioctl",
                  {{{SeccompArg::Equals32(1, TIOCSTI)},
                    SeccompVerdict::Violation()}},
                  SeccompVerdict::Allow())
          .OnArgs("clone",
                  {{{SeccompArg::MaskedEquals64(0, 0xff00000000ull, 0)},
                    SeccompVerdict::Allow()}},
                  SeccompVerdict::Errno(EPERM))
          .TryBuild();
  ASSERT_TRUE(policy.ok()) << policy.status();
  // The kernel reads ioctl's request as unsigned int: a high bit must not
  // dodge the rule.
  EXPECT_EQ(policy->Evaluate(Call(SYS_ioctl, {0, TIOCSTI})), kNotify);
  EXPECT_EQ(policy->Evaluate(Call(SYS_ioctl, {0, 0x100000000ull | TIOCSTI})),
            kNotify);
  EXPECT_EQ(policy->Evaluate(Call(SYS_ioctl, {0, TCGETS})), kAllow);
  // A 64-bit test looks at the high half.
  EXPECT_EQ(policy->Evaluate(Call(SYS_clone, {0x11})), kAllow);
  EXPECT_EQ(policy->Evaluate(Call(SYS_clone, {0x1200000011ull})),
            ErrnoAction(EPERM));
}

TEST(SeccompPolicyBuilderTest, FirstErrorSticks) {
  SeccompPolicyBuilder builder;
  builder.On("no_such_syscall", SeccompVerdict::Violation())
      .On("ptrace", SeccompVerdict::Errno(0))
      .On("getpid", SeccompVerdict::Allow());
  absl::Status status = builder.TryBuild().status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("no_such_syscall"));
}

TEST(SeccompPolicyBuilderTest, RejectsBadRules) {
  EXPECT_THAT(SeccompPolicyBuilder()
                  .On("ptrace", SeccompVerdict::Violation())
                  .On("ptrace", SeccompVerdict::Allow())
                  .TryBuild()
                  .status()
                  .message(),
              HasSubstr("set twice"));
  EXPECT_THAT(SeccompPolicyBuilder()
                  .On("ptrace", SeccompVerdict::Errno(4096))
                  .TryBuild()
                  .status()
                  .message(),
              HasSubstr("1..4095"));
  EXPECT_THAT(
      SeccompPolicyBuilder()
          .OnArgs("socket",
                  {{{SeccompArg::Equals32(6, 1)}, SeccompVerdict::Allow()}},
                  SeccompVerdict::Allow())
          .TryBuild()
          .status()
          .message(),
      HasSubstr("argument index 6"));
  EXPECT_FALSE(SeccompPolicyBuilder()
                   .On("socketcall", SeccompVerdict::Allow())
                   .TryBuild()
                   .ok());
  std::vector<SeccompCase> many;
  for (uint32_t i = 0; i < 100; ++i) {
    many.push_back({{SeccompArg::Equals32(0, i), SeccompArg::Equals32(1, i)},
                    SeccompVerdict::Allow()});
  }
  EXPECT_THAT(SeccompPolicyBuilder()
                  .OnArgs("socket", many, SeccompVerdict::Allow())
                  .TryBuild()
                  .status()
                  .message(),
              HasSubstr("too many argument tests"));
}

TEST(SeccompPolicyBuilderTest, NoListenerWithoutViolations) {
  absl::StatusOr<SeccompPolicy> policy =
      SeccompPolicyBuilder()
          .ForeignAbi(SeccompVerdict::Errno(ENOSYS))
          .TryBuild();
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE(policy->needs_listener());
  EXPECT_EQ(policy->program().len, policy->size());
}

TEST(SeccompSyscallNameTest, NamesEveryAbi) {
  EXPECT_EQ(SeccompSyscallName(AUDIT_ARCH_X86_64, SYS_ptrace), "ptrace");
  EXPECT_EQ(SeccompSyscallName(AUDIT_ARCH_X86_64, 467), "open_tree_attr");
  EXPECT_EQ(SeccompSyscallName(AUDIT_ARCH_I386, 26), "i386:ptrace");
  EXPECT_EQ(SeccompSyscallName(AUDIT_ARCH_X86_64,
                               static_cast<int>(kX32SyscallBit | 39)),
            "x32:getpid");
  EXPECT_EQ(SeccompSyscallName(AUDIT_ARCH_X86_64, 9999), "syscall_9999");
  EXPECT_EQ(X86_64SyscallNumber("clone3"), SYS_clone3);
  EXPECT_EQ(X86_64SyscallNumber("file_setattr"), 469);
  EXPECT_EQ(X86_64SyscallNumber("socketcall"), std::nullopt);
}

// The sandbox policy, rule by rule, as the kernel would run it.
class SandboxPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SeccompPolicy> policy = BuildSandboxSeccompPolicy();
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_.emplace(*std::move(policy));
  }
  uint32_t Verdict(const char* syscall,
                   std::initializer_list<uint64_t> args = {}) {
    return policy_->Evaluate(Call(*X86_64SyscallNumber(syscall), args));
  }
  std::optional<SeccompPolicy> policy_;
};

TEST_F(SandboxPolicyTest, DeniedSyscallsAreViolations) {
  for (const char* syscall : {"ptrace",
                              "process_vm_readv",
                              "process_vm_writev",
                              "pidfd_getfd",
                              "mount",
                              "umount2",
                              "pivot_root",
                              "chroot",
                              "move_mount",
                              "fsopen",
                              "fsconfig",
                              "fsmount",
                              "fspick",
                              "open_tree",
                              "mount_setattr",
                              "open_tree_attr",
                              "unshare",
                              "setns",
                              "bpf",
                              "perf_event_open",
                              "userfaultfd",
                              "keyctl",
                              "add_key",
                              "request_key",
                              "kexec_load",
                              "kexec_file_load",
                              "init_module",
                              "finit_module",
                              "delete_module",
                              "acct",
                              "swapon",
                              "swapoff",
                              "reboot",
                              "settimeofday",
                              "clock_settime",
                              "iopl",
                              "ioperm",
                              "lookup_dcookie",
                              "quotactl",
                              "quotactl_fd",
                              "vhangup",
                              "open_by_handle_at",
                              "modify_ldt",
                              "uselib"}) {
    EXPECT_EQ(Verdict(syscall), kNotify) << syscall;
  }
}

TEST_F(SandboxPolicyTest, ProbedSyscallsGetAnErrno) {
  EXPECT_EQ(Verdict("io_uring_setup"), ErrnoAction(ENOSYS));
  EXPECT_EQ(Verdict("io_uring_enter"), ErrnoAction(ENOSYS));
  EXPECT_EQ(Verdict("io_uring_register"), ErrnoAction(ENOSYS));
  EXPECT_EQ(Verdict("clone3"), ErrnoAction(ENOSYS));
  EXPECT_EQ(Verdict("adjtimex"), ErrnoAction(EPERM));
  EXPECT_EQ(Verdict("clock_adjtime"), ErrnoAction(EPERM));
  EXPECT_EQ(Verdict("syslog"), ErrnoAction(EPERM));
  EXPECT_EQ(Verdict("name_to_handle_at"), ErrnoAction(EOPNOTSUPP));
  EXPECT_EQ(Verdict("statmount"), ErrnoAction(ENOSYS));
  EXPECT_EQ(Verdict("listmount"), ErrnoAction(ENOSYS));
}

TEST_F(SandboxPolicyTest, EverydaySyscallsAreAllowed) {
  for (const char* syscall :
       {"read", "write", "openat", "close", "mmap", "mprotect", "futex",
        "execve", "wait4", "epoll_pwait", "getrandom", "rseq", "pkey_alloc",
        "fchmodat2", "mseal", "seccomp", "prctl", "fork", "vfork"}) {
    EXPECT_EQ(Verdict(syscall), kAllow) << syscall;
  }
}

TEST_F(SandboxPolicyTest, CloneOnlyWithoutNamespaceFlags) {
  // What glibc's fallback pthread_create and fork pass.
  EXPECT_EQ(Verdict("clone", {0x3d0f00}), kAllow);
  EXPECT_EQ(Verdict("clone", {0x1200011}), kAllow);
  for (uint64_t flag :
       {0x00020000ull /* NEWNS */, 0x02000000ull /* NEWCGROUP */,
        0x04000000ull /* NEWUTS */, 0x08000000ull /* NEWIPC */,
        0x10000000ull /* NEWUSER */, 0x20000000ull /* NEWPID */,
        0x40000000ull /* NEWNET */}) {
    EXPECT_EQ(Verdict("clone", {flag | 0x11}), kNotify) << std::hex << flag;
  }
}

TEST_F(SandboxPolicyTest, PersonalityOnlyQueryAndDefault) {
  EXPECT_EQ(Verdict("personality", {0xffffffff}), kAllow);
  EXPECT_EQ(Verdict("personality", {0}), kAllow);
  EXPECT_EQ(Verdict("personality", {0x0040000 /* ADDR_NO_RANDOMIZE */}),
            kNotify);
  EXPECT_EQ(Verdict("personality", {0x0400000 /* READ_IMPLIES_EXEC */}),
            kNotify);
}

TEST_F(SandboxPolicyTest, SocketFamiliesTypesAndProtocols) {
  EXPECT_EQ(Verdict("socket", {AF_UNIX, SOCK_STREAM, 0}), kAllow);
  EXPECT_EQ(Verdict("socket", {AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0}), kAllow);
  EXPECT_EQ(Verdict("socket", {AF_INET, SOCK_STREAM, 0}), kAllow);
  EXPECT_EQ(Verdict("socket", {AF_INET6, SOCK_STREAM, IPPROTO_TCP}), kAllow);
  EXPECT_EQ(Verdict("socket", {AF_INET, SOCK_DGRAM, IPPROTO_UDP}), kAllow);
  EXPECT_EQ(Verdict("socket", {AF_INET, SOCK_DGRAM, IPPROTO_ICMP}), kAllow);
  EXPECT_EQ(Verdict("socket", {AF_INET, SOCK_RAW, IPPROTO_ICMP}), kNotify);
  EXPECT_EQ(Verdict("socket", {AF_INET6, SOCK_RAW | SOCK_NONBLOCK, 0}),
            kNotify);
  EXPECT_EQ(Verdict("socket", {AF_INET, SOCK_PACKET, 0}), kNotify);
  EXPECT_EQ(Verdict("socket", {AF_INET, SOCK_STREAM, IPPROTO_SCTP}),
            ErrnoAction(EPROTONOSUPPORT));
  EXPECT_EQ(Verdict("socket", {AF_NETLINK, SOCK_RAW, 0}),
            ErrnoAction(EAFNOSUPPORT));
  for (uint64_t family :
       {AF_PACKET, AF_VSOCK, AF_BLUETOOTH, AF_ALG, AF_KEY, AF_TIPC, AF_XDP}) {
    EXPECT_EQ(Verdict("socket", {family, SOCK_STREAM, 0}), kNotify) << family;
  }
  // The kernel reads the family as int: high bits neither help nor hurt.
  EXPECT_EQ(Verdict("socket", {0x100000000ull | AF_PACKET, SOCK_RAW, 0}),
            kNotify);
  EXPECT_EQ(Verdict("socket", {0x100000000ull | AF_INET, SOCK_STREAM, 0}),
            kAllow);
  EXPECT_EQ(Verdict("socketpair", {AF_UNIX, SOCK_STREAM, 0}), kAllow);
  EXPECT_EQ(Verdict("socketpair", {AF_TIPC, SOCK_STREAM, 0}), kNotify);
}

TEST_F(SandboxPolicyTest, TerminalIoctls) {
  EXPECT_EQ(Verdict("ioctl", {0, TIOCSTI}), kNotify);
  EXPECT_EQ(Verdict("ioctl", {0, TIOCLINUX}), kNotify);
  EXPECT_EQ(Verdict("ioctl", {0, TIOCSETD}), kNotify);
  EXPECT_EQ(Verdict("ioctl", {0, 0xffffffff00000000ull | TIOCSTI}), kNotify);
  EXPECT_EQ(Verdict("ioctl", {0, TCGETS}), kAllow);
  EXPECT_EQ(Verdict("ioctl", {0, FIONREAD}), kAllow);
}

TEST_F(SandboxPolicyTest, ForeignAbisAndFutureSyscalls) {
  EXPECT_EQ(policy_->Evaluate(Call(20 /* getpid */, {}, AUDIT_ARCH_I386)),
            kNotify);
  EXPECT_EQ(policy_->Evaluate(Call(static_cast<int>(kX32SyscallBit | 0))),
            kNotify);
  EXPECT_EQ(policy_->Evaluate(Call(470)), ErrnoAction(ENOSYS));
  EXPECT_EQ(policy_->Evaluate(Call(0x3fffffff)), ErrnoAction(ENOSYS));
}

}  // namespace
}  // namespace forge::sandbox
