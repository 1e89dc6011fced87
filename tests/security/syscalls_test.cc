// Hostile programs that call the kernel where it is most exposed: ptrace,
// namespaces and mounts, eBPF, perf, keyrings, io_uring, userfaultfd,
// TIOCSTI, the 32-bit ABI, module and kexec loading, clock and host name
// changes. A forbidden syscall kills the execution with SANDBOX_VIOLATION
// naming the syscall; a few are refused with an errno instead, where
// runtimes probe them in normal operation (docs/SECCOMP.md).
#include <unistd.h>

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/hostile_harness.h"

namespace forge::testing::security {
namespace {

using ::testing::HasSubstr;

std::string OutcomeName(const CollectedEvents& run) {
  return forge::exec::v1::Outcome_Name(run.finished.outcome());
}

struct SyscallCase {
  std::string name;     // test name suffix
  std::string program;  // file in programs/
  std::vector<std::string> args;
  // What the program prints before the call ("attempting <attempt>").
  std::string attempt;
  // For a violation: the syscall name finished.message must carry. Empty
  // when the call is refused with `refusal` instead.
  std::string violation;
  std::string refusal;  // errno name the program prints, e.g. "ENOSYS"
};

void PrintTo(const SyscallCase& c, std::ostream* os) { *os << c.name; }

SyscallCase Violation(const std::string& program, const std::string& syscall,
                      std::vector<std::string> args = {},
                      std::string attempt = "") {
  if (attempt.empty()) attempt = syscall;
  std::string name = program.substr(0, program.find('.'));
  for (const std::string& arg : args) name += "_" + arg;
  return {name, program, args, attempt, syscall, ""};
}

SyscallCase Forbidden(const std::string& syscall) {
  return {"raw_" + syscall, "forbidden_syscall.py",
          {syscall},        syscall,
          syscall,          ""};
}

SyscallCase Refused(const std::string& syscall, const std::string& errno_name,
                    const std::string& program = "forbidden_syscall.py") {
  std::vector<std::string> args;
  if (program == "forbidden_syscall.py") args.push_back(syscall);
  return {"refused_" + syscall, program, args, syscall, "", errno_name};
}

class SyscallsTest : public HostileProgramTest,
                     public ::testing::WithParamInterface<SyscallCase> {
 protected:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { StopServer(); }
};

// Property (per case): the call never happens. A violation ends the
// execution at once as SANDBOX_VIOLATION with the syscall's name in the
// message (the program prints nothing after its attempt); a refusal returns
// the documented errno and the program carries on. Either way the benign
// execution alongside and the server are unaffected.
TEST_P(SyscallsTest, ForbiddenCallNeverRuns) {
  const SyscallCase& c = GetParam();
  ExecuteRequest request = ProgramRequest(c.program, c.args);
  CollectedEvents run = RunHostile(request, 10);
  const std::string attempting = absl::StrCat("attempting ", c.attempt, "\n");
  if (!c.violation.empty()) {
    EXPECT_EQ(OutcomeName(run), "OUTCOME_SANDBOX_VIOLATION") << Describe(run);
    EXPECT_THAT(run.finished.message(), HasSubstr(c.violation))
        << Describe(run);
    EXPECT_EQ(run.stdout_data, attempting) << Describe(run);
  } else {
    EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
    EXPECT_EQ(run.stdout_data,
              absl::StrCat(attempting, c.attempt, ": ", c.refusal, "\n"))
        << Describe(run);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Programs, SyscallsTest,
    ::testing::Values(
        Violation("ptrace_attach.py", "ptrace"), Violation("bpf.py", "bpf"),
        Violation("perf_event_open.py", "perf_event_open"),
        Violation("keyring.py", "add_key", {"add_key"}),
        Violation("keyring.py", "keyctl", {"keyctl"}),
        Violation("tiocsti.py", "ioctl", {}, "ioctl TIOCSTI"),
        Violation("int80.py", "i386:getpid", {}, "int 0x80"),
        Violation("unshare_user.sh", "unshare"), Violation("setns.py", "setns"),
        Violation("mount_tmpfs.py", "mount"), Violation("chroot.py", "chroot"),
        Refused("io_uring_setup", "ENOSYS", "io_uring.py")),
    [](const ::testing::TestParamInfo<SyscallCase>& info) {
      return info.param.name;
    });

INSTANTIATE_TEST_SUITE_P(
    KernelAdministration, SyscallsTest,
    ::testing::Values(Forbidden("kexec_load"), Forbidden("init_module"),
                      Forbidden("finit_module"), Forbidden("delete_module"),
                      Forbidden("reboot"), Forbidden("swapon"),
                      Forbidden("acct"), Forbidden("iopl"), Forbidden("ioperm"),
                      Forbidden("modify_ldt"), Forbidden("uselib"),
                      Forbidden("process_vm_readv"), Forbidden("pidfd_getfd"),
                      Forbidden("pivot_root"), Forbidden("umount2"),
                      Forbidden("fsopen"), Forbidden("open_tree"),
                      Forbidden("open_by_handle_at"), Forbidden("userfaultfd"),
                      Forbidden("settimeofday"), Forbidden("personality"),
                      Forbidden("quotactl"), Forbidden("clone"),
                      Refused("clone3", "ENOSYS"), Refused("syslog", "EPERM"),
                      Refused("adjtimex", "EPERM")),
    [](const ::testing::TestParamInfo<SyscallCase>& info) {
      return info.param.name;
    });

class HostStateTest : public HostileProgramTest {
 protected:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { StopServer(); }
};

// Property: the host name and domain name cannot be changed (no
// capabilities, own UTS namespace); the host's own name is untouched.
TEST_F(HostStateTest, HostNameCannotBeChanged) {
  char before[256] = {};
  ASSERT_EQ(::gethostname(before, sizeof(before) - 1), 0);
  const std::string name = UniqueMarker("host");
  CollectedEvents run =
      RunHostile(ProgramRequest("hostname_change.py", {name}));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data,
            "sethostname: Operation not permitted\n"
            "setdomainname: Operation not permitted\n"
            "hostname now: sandbox\n")
      << Describe(run);
  char after[256] = {};
  ASSERT_EQ(::gethostname(after, sizeof(after) - 1), 0);
  EXPECT_STREQ(after, before);
}

// Property: setting the clock kills the execution, and the host's real-time
// clock keeps pace with its monotonic clock throughout.
TEST_F(HostStateTest, ClockCannotBeChanged) {
  timespec real_before, mono_before, real_after, mono_after;
  ::clock_gettime(CLOCK_REALTIME, &real_before);
  ::clock_gettime(CLOCK_MONOTONIC, &mono_before);
  CollectedEvents run = RunHostile(ProgramRequest("clock_change.sh"), 10);
  ::clock_gettime(CLOCK_REALTIME, &real_after);
  ::clock_gettime(CLOCK_MONOTONIC, &mono_after);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_SANDBOX_VIOLATION") << Describe(run);
  EXPECT_THAT(run.finished.message(), HasSubstr("clock_settime"));
  const absl::Duration real_elapsed = absl::DurationFromTimespec(real_after) -
                                      absl::DurationFromTimespec(real_before);
  const absl::Duration mono_elapsed = absl::DurationFromTimespec(mono_after) -
                                      absl::DurationFromTimespec(mono_before);
  EXPECT_LT(absl::AbsDuration(real_elapsed - mono_elapsed), absl::Seconds(1))
      << "the host's clock jumped";
}

}  // namespace
}  // namespace forge::testing::security
