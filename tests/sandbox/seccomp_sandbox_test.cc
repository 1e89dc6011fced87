// The sandbox policy on the real kernel: a forked child installs it, hands
// its listener up, and tries one syscall; the parent supervises like the
// launcher (a notification is a violation: record the name, kill, answer).
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "sandbox/fd_passing.h"
#include "sandbox/seccomp_install.h"
#include "sandbox/seccomp_notify.h"
#include "sandbox/seccomp_sandbox_policy.h"
#include "sandbox/seccomp_syscalls.h"

namespace forge::sandbox {
namespace {

enum class Supervisor {
  kKill,     // record, SIGKILL the child, answer: what the launcher does
  kRespond,  // record and answer with EPERM, leave the child running
  kGone,     // close the listener at once: no supervisor
};

struct RunResult {
  std::optional<std::string> violation;  // syscall name from the listener
  pid_t violation_pid = 0;
  int wait_status = 0;
  bool returned = false;  // the attempt returned (no kill)
  long ret = 0;
  int err = 0;
  bool listener_hung_up = false;  // POLLHUP once every filtered task exited

  bool Killed() const {
    return WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL;
  }
};

struct AttemptResult {
  long ret;
  int err;
};

// Runs `attempt` in a child under the sandbox policy.
RunResult RunUnderPolicy(std::function<long()> attempt,
                         Supervisor supervisor = Supervisor::kKill) {
  static const SeccompPolicy* const policy =
      new SeccompPolicy(*BuildSandboxSeccompPolicy());
  RunResult result;
  int channel[2], results[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) != 0 ||
      pipe2(results, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "socketpair/pipe";
    return result;
  }
  const pid_t child = fork();
  if (child == 0) {
    close(channel[0]);
    close(results[0]);
    setsid();  // no controlling terminal for vhangup & co. to touch
    int listener = -1;
    if (InstallSeccompPolicy(*policy, &listener) != 0) _exit(3);
    if (!SendMessage(channel[1], "L", {listener}).ok()) _exit(4);
    close(listener);
    errno = 0;
    AttemptResult attempted{attempt(), errno};
    if (write(results[1], &attempted, sizeof(attempted)) < 0) _exit(5);
    _exit(0);
  }
  close(channel[1]);
  close(results[1]);
  absl::StatusOr<ReceivedMessage> message = ReceiveMessage(channel[0]);
  close(channel[0]);
  if (!message.ok() || message->fds.size() != 1) {
    ADD_FAILURE() << "no listener from the child: " << message.status();
    waitpid(child, &result.wait_status, 0);
    return result;
  }
  SeccompNotifyListener listener(std::move(message->fds[0]));
  if (supervisor == Supervisor::kGone) {
    SeccompNotifyListener closed = std::move(listener);
  }
  bool results_open = true;
  while (results_open) {
    pollfd fds[2] = {{results[0], POLLIN, 0}, {listener.fd(), POLLIN, 0}};
    const int ready = poll(fds, listener.fd() >= 0 ? 2 : 1, 10'000);
    if (ready <= 0) {
      ADD_FAILURE() << "child neither finished nor violated within 10 s";
      kill(child, SIGKILL);
      break;
    }
    if (fds[1].revents & POLLIN) {
      absl::StatusOr<std::optional<SeccompNotification>> got =
          listener.TryReceive();
      EXPECT_TRUE(got.ok()) << got.status();
      if (got.ok() && got->has_value()) {
        result.violation = (*got)->syscall_name;
        result.violation_pid = (*got)->pid;
        if (supervisor == Supervisor::kKill) kill(child, SIGKILL);
        absl::Status answered =
            listener.RespondWithError((*got)->id, kSeccompViolationErrno);
        if (supervisor == Supervisor::kRespond) {
          EXPECT_TRUE(answered.ok()) << answered;
        }
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      AttemptResult attempted;
      const ssize_t got = read(results[0], &attempted, sizeof(attempted));
      if (got == sizeof(attempted)) {
        result.returned = true;
        result.ret = attempted.ret;
        result.err = attempted.err;
      } else {
        results_open = false;
      }
    }
  }
  close(results[0]);
  waitpid(child, &result.wait_status, 0);
  if (listener.fd() >= 0) {
    pollfd hup{listener.fd(), POLLIN, 0};
    result.listener_hung_up = poll(&hup, 1, 0) == 1 && (hup.revents & POLLHUP);
  }
  return result;
}

long Raw(const char* name, long a0 = 0, long a1 = 0, long a2 = 0) {
  return syscall(*X86_64SyscallNumber(name), a0, a1, a2, 0, 0, 0);
}

// ---- Violations: reported by name, sandbox killed.

class ViolationTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ViolationTest, IsReportedByNameAndKilled) {
  const char* name = GetParam();
  RunResult result = RunUnderPolicy([name] { return Raw(name); });
  EXPECT_EQ(result.violation, std::optional<std::string>(name));
  EXPECT_TRUE(result.Killed()) << result.wait_status;
  EXPECT_FALSE(result.returned);
}

INSTANTIATE_TEST_SUITE_P(
    DeniedSyscalls, ViolationTest,
    ::testing::Values("ptrace", "process_vm_readv", "process_vm_writev",
                      "pidfd_getfd", "mount", "umount2", "pivot_root", "chroot",
                      "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
                      "open_tree", "mount_setattr", "open_tree_attr", "unshare",
                      "setns", "bpf", "perf_event_open", "userfaultfd",
                      "keyctl", "add_key", "request_key", "modify_ldt",
                      "uselib", "kexec_load", "kexec_file_load", "init_module",
                      "finit_module", "delete_module", "acct", "swapon",
                      "swapoff", "reboot", "settimeofday", "clock_settime",
                      "iopl", "ioperm", "lookup_dcookie", "quotactl",
                      "quotactl_fd", "vhangup", "open_by_handle_at"),
    [](const ::testing::TestParamInfo<const char*>& info) {
      return std::string(info.param);
    });

TEST(SeccompSandboxTest, CloneWithNamespaceFlagsIsAViolation) {
  for (long flag : {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID}) {
    RunResult result = RunUnderPolicy(
        [flag] { return syscall(SYS_clone, flag | SIGCHLD, 0, 0, 0, 0); });
    EXPECT_EQ(result.violation, std::optional<std::string>("clone")) << flag;
    EXPECT_TRUE(result.Killed());
  }
}

TEST(SeccompSandboxTest, ArgumentFilteredViolations) {
  struct Case {
    const char* expected;
    std::function<long()> attempt;
  };
  const Case cases[] = {
      {"personality", [] { return Raw("personality", ADDR_NO_RANDOMIZE); }},
      {"socket", [] { return Raw("socket", AF_PACKET, SOCK_RAW, 0); }},
      {"socket", [] { return Raw("socket", AF_VSOCK, SOCK_STREAM, 0); }},
      {"socket", [] { return Raw("socket", AF_INET, SOCK_RAW, IPPROTO_ICMP); }},
      {"socket", [] { return Raw("socket", AF_BLUETOOTH, SOCK_STREAM, 0); }},
      {"socketpair", [] { return Raw("socketpair", AF_TIPC, SOCK_STREAM, 0); }},
      {"ioctl", [] { return Raw("ioctl", 0, TIOCSTI, 0); }},
      {"ioctl", [] { return Raw("ioctl", 0, (1L << 32) | TIOCSTI, 0); }},
      {"ioctl", [] { return Raw("ioctl", 0, TIOCLINUX, 0); }},
  };
  for (const Case& c : cases) {
    RunResult result = RunUnderPolicy(c.attempt);
    EXPECT_EQ(result.violation, std::optional<std::string>(c.expected));
    EXPECT_TRUE(result.Killed());
  }
}

// ---- Refusals: an errno, the program carries on.

TEST(SeccompSandboxTest, ProbedSyscallsFailWithTheirErrno) {
  struct Case {
    const char* what;
    std::function<long()> attempt;
    int err;
  };
  const Case cases[] = {
      {"io_uring_setup", [] { return Raw("io_uring_setup", 8, 0); }, ENOSYS},
      {"io_uring_enter", [] { return Raw("io_uring_enter", -1); }, ENOSYS},
      {"io_uring_register", [] { return Raw("io_uring_register", -1); },
       ENOSYS},
      {"clone3", [] { return Raw("clone3", 0, 0); }, ENOSYS},
      {"adjtimex", [] { return Raw("adjtimex", 0); }, EPERM},
      {"clock_adjtime", [] { return Raw("clock_adjtime", 0, 0); }, EPERM},
      {"syslog", [] { return Raw("syslog", 10 /* SIZE_BUFFER */); }, EPERM},
      {"name_to_handle_at", [] { return Raw("name_to_handle_at", AT_FDCWD); },
       EOPNOTSUPP},
      {"statmount", [] { return Raw("statmount"); }, ENOSYS},
      {"listmount", [] { return Raw("listmount"); }, ENOSYS},
      {"netlink", [] { return Raw("socket", AF_NETLINK, SOCK_RAW, 0); },
       EAFNOSUPPORT},
      {"sctp", [] { return Raw("socket", AF_INET, SOCK_STREAM, IPPROTO_SCTP); },
       EPROTONOSUPPORT},
      {"syscall 470", [] { return syscall(470, 0, 0, 0); }, ENOSYS},
  };
  for (const Case& c : cases) {
    RunResult result = RunUnderPolicy(c.attempt);
    EXPECT_FALSE(result.violation.has_value())
        << c.what << ": " << *result.violation;
    EXPECT_TRUE(result.returned) << c.what;
    EXPECT_EQ(result.ret, -1) << c.what;
    EXPECT_EQ(result.err, c.err) << c.what;
  }
}

// ---- Foreign ABIs.

TEST(SeccompSandboxTest, I386AbiIsAViolation) {
  RunResult result = RunUnderPolicy([] {
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(20L /* getpid */) : "memory");
    return ret;
  });
  if (WIFSIGNALED(result.wait_status) &&
      WTERMSIG(result.wait_status) == SIGSEGV) {
    GTEST_SKIP() << "kernel without IA32 emulation: int $0x80 faults";
  }
  EXPECT_EQ(result.violation, std::optional<std::string>("i386:getpid"));
  EXPECT_TRUE(result.Killed());
}

TEST(SeccompSandboxTest, X32AbiIsAViolation) {
  RunResult result =
      RunUnderPolicy([] { return syscall(kX32SyscallBit | 39); });
  EXPECT_EQ(result.violation, std::optional<std::string>("x32:getpid"));
  EXPECT_TRUE(result.Killed());
}

// ---- What programs need keeps working.

void* ThreadBody(void* arg) { return arg; }

TEST(SeccompSandboxTest, EverydayThingsWork) {
  struct Case {
    const char* what;
    std::function<long()> attempt;
  };
  const Case cases[] = {
      {"write", [] { return write(STDOUT_FILENO, "", 0); }},
      {"mmap",
       [] {
         void* p = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
         return p == MAP_FAILED ? -1L : 0L;
       }},
      {"thread",
       [] {
         pthread_t thread;  // glibc tries clone3, falls back to clone
         if (pthread_create(&thread, nullptr, ThreadBody, nullptr) != 0)
           return -1L;
         return pthread_join(thread, nullptr) == 0 ? 0L : -1L;
       }},
      {"fork",
       [] {
         pid_t pid = fork();
         if (pid == 0) _exit(7);
         int status;
         return waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 7
                    ? 0L
                    : -1L;
       }},
      {"inet socket",
       [] {
         int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
         return fd >= 0 ? close(fd) : -1L;
       }},
      {"inet6 udp socket",
       [] {
         int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
         return fd >= 0 ? close(fd) : -1L;
       }},
      {"unix socket",
       [] {
         int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
         return fd >= 0 ? close(fd) : -1L;
       }},
      {"socketpair",
       [] {
         int sv[2];
         return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
       }},
      {"personality query",
       [] { return personality(0xffffffff) >= 0 ? 0L : -1L; }},
      {"ioctl TCGETS",
       [] {
         int fds[2];
         if (pipe(fds) != 0) return -1L;
         return Raw("ioctl", fds[0], TCGETS, 0) == -1 && errno == ENOTTY ? 0L
                                                                         : -1L;
       }},
  };
  for (const Case& c : cases) {
    RunResult result = RunUnderPolicy(c.attempt);
    EXPECT_FALSE(result.violation.has_value())
        << c.what << ": " << *result.violation;
    EXPECT_TRUE(result.returned) << c.what;
    EXPECT_EQ(result.ret, 0) << c.what << " errno " << result.err;
    EXPECT_TRUE(WIFEXITED(result.wait_status) &&
                WEXITSTATUS(result.wait_status) == 0)
        << c.what;
    EXPECT_TRUE(result.listener_hung_up) << c.what;
  }
}

// ---- The supervisor side.

TEST(SeccompSandboxTest, AnsweredViolationReturnsTheErrno) {
  RunResult result =
      RunUnderPolicy([] { return Raw("ptrace"); }, Supervisor::kRespond);
  EXPECT_EQ(result.violation, std::optional<std::string>("ptrace"));
  EXPECT_TRUE(result.returned);
  EXPECT_EQ(result.ret, -1);
  EXPECT_EQ(result.err, kSeccompViolationErrno);
}

TEST(SeccompSandboxTest, WithoutASupervisorViolationsFailWithEnosys) {
  RunResult result =
      RunUnderPolicy([] { return Raw("ptrace"); }, Supervisor::kGone);
  EXPECT_FALSE(result.violation.has_value());
  EXPECT_TRUE(result.returned);
  EXPECT_EQ(result.ret, -1);
  EXPECT_EQ(result.err, ENOSYS);
}

TEST(SeccompSandboxTest, FilterIsInheritedAcrossForkAndReportsTheRightPid) {
  // The grandchild violates; the child reports the grandchild's pid and how
  // its ptrace ended.
  RunResult result = RunUnderPolicy(
      [] {
        int fds[2];
        if (pipe(fds) != 0) return -1L;
        pid_t grandchild = fork();
        if (grandchild == 0) {
          long ret = Raw("ptrace");
          _exit(ret == -1 && errno == EPERM ? 0 : 1);
        }
        int status;
        waitpid(grandchild, &status, 0);
        errno = WEXITSTATUS(status);  // 0: refused with the answered errno
        return static_cast<long>(grandchild);
      },
      Supervisor::kRespond);
  ASSERT_TRUE(result.returned);
  EXPECT_EQ(result.violation, std::optional<std::string>("ptrace"));
  EXPECT_EQ(result.violation_pid, static_cast<pid_t>(result.ret));
  EXPECT_EQ(result.err, 0);
}

TEST(SeccompSandboxTest, ListenerIsCloseOnExec) {
  // A listener leaking into the program would let it answer its own
  // notifications; execve must close it even if the child forgets to.
  const SeccompPolicy policy = *BuildSandboxSeccompPolicy();
  const pid_t child = fork();
  if (child == 0) {
    int listener = -1;
    if (InstallSeccompPolicy(policy, &listener) != 0 || listener < 0) _exit(2);
    _exit((fcntl(listener, F_GETFD) & FD_CLOEXEC) != 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(SeccompSandboxTest, SecondListenerIsRefused) {
  RunResult result = RunUnderPolicy([] {
    const SeccompPolicy policy = *BuildSandboxSeccompPolicy();
    int listener;
    const int rc = InstallSeccompPolicy(policy, &listener);
    errno = -rc;
    return listener == -1 ? -1L : 0L;
  });
  ASSERT_TRUE(result.returned);
  EXPECT_EQ(result.err, EBUSY);
}

}  // namespace
}  // namespace forge::sandbox
