#include "sandbox/seccomp_sandbox_policy.h"

#include <linux/sched.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <vector>

namespace forge::sandbox {
namespace {

// Reported and killed: nothing a sandboxed program legitimately needs, and
// no runtime we ship probes them (checked with strace on python3, node and
// deno; docs/SECCOMP.md).
constexpr const char* kViolations[] = {
    // Reading or steering other processes.
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    // Mounts, old and new API, and changing root.
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
    // Namespaces (clone with namespace flags is below).
    "unshare",
    "setns",
    // Large kernel attack surface.
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "modify_ldt",
    "uselib",
    // Host administration.
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
    // File handles bypass the mount tree (the "shocker" escape).
    "open_by_handle_at",
};

struct Refusal {
  const char* syscall;
  int errno_value;
};
// Refused with an errno, because a runtime or libc probes them and copes.
constexpr Refusal kRefusals[] = {
    // libuv (Node) probes io_uring and falls back to its thread pool.
    {"io_uring_setup", ENOSYS},
    {"io_uring_enter", ENOSYS},
    {"io_uring_register", ENOSYS},
    // clone3 takes its flags in memory, out of the filter's reach; glibc
    // falls back to clone, whose flags are checked below.
    {"clone3", ENOSYS},
    // Read-only uses exist (ntp_gettime, dmesg); writes need CAP_SYS_TIME
    // or CAP_SYSLOG, which the sandbox never has.
    {"adjtimex", EPERM},
    {"clock_adjtime", EPERM},
    {"syslog", EPERM},
    // Mount-ID lookups (libmount, systemd tools) fall back on
    // /proc/self/mountinfo.
    {"name_to_handle_at", EOPNOTSUPP},
    {"statmount", ENOSYS},
    {"listmount", ENOSYS},
};

constexpr uint32_t kNamespaceFlags =
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
constexpr uint32_t kSocketTypeMask = 0xf;  // SOCK_TYPE_MASK
constexpr uint32_t kInetProtocols[] = {0, IPPROTO_TCP, IPPROTO_UDP,
                                       IPPROTO_ICMP, IPPROTO_ICMPV6};

std::vector<SeccompCase> SocketCases() {
  const SeccompVerdict allow = SeccompVerdict::Allow();
  std::vector<SeccompCase> cases = {
      {{SeccompArg::Equals32(0, AF_UNIX)}, allow},
  };
  for (uint32_t family : {AF_INET, AF_INET6}) {
    // Raw and packet sockets: sniffing and forging packets.
    for (uint32_t type : {SOCK_RAW, SOCK_PACKET}) {
      cases.push_back({{SeccompArg::Equals32(0, family),
                        SeccompArg::MaskedEquals32(1, kSocketTypeMask, type)},
                       SeccompVerdict::Violation()});
    }
    for (uint32_t protocol : kInetProtocols) {
      cases.push_back(
          {{SeccompArg::Equals32(0, family), SeccompArg::Equals32(2, protocol)},
           allow});
    }
    // SCTP, DCCP, MPTCP...: rarely compiled in, often module-loaded; callers
    // fall back to TCP on this errno.
    cases.push_back({{SeccompArg::Equals32(0, family)},
                     SeccompVerdict::Errno(EPROTONOSUPPORT)});
  }
  // glibc's getaddrinfo(AI_ADDRCONFIG) and getifaddrs open NETLINK_ROUTE and
  // carry on without it.
  cases.push_back({{SeccompArg::Equals32(0, AF_NETLINK)},
                   SeccompVerdict::Errno(EAFNOSUPPORT)});
  return cases;
}

}  // namespace

SeccompPolicyBuilder SandboxSeccompPolicyBuilder() {
  SeccompPolicyBuilder builder;
  for (const char* syscall : kViolations) {
    builder.On(syscall, SeccompVerdict::Violation());
  }
  for (const Refusal& refusal : kRefusals) {
    builder.On(refusal.syscall, SeccompVerdict::Errno(refusal.errno_value));
  }
  // Threads and processes yes, new namespaces no. Only the low 32 bits of
  // clone's flags reach the kernel.
  builder.OnArgs("clone",
                 {{{SeccompArg::MaskedEquals32(0, kNamespaceFlags, 0)},
                   SeccompVerdict::Allow()}},
                 SeccompVerdict::Violation());
  // Querying the persona, and the default one, are harmless; the rest
  // (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, ...) weakens memory protections.
  builder.OnArgs(
      "personality",
      {{{SeccompArg::Equals32(0, 0xffffffffu)}, SeccompVerdict::Allow()},
       {{SeccompArg::Equals32(0, 0 /* PER_LINUX */)}, SeccompVerdict::Allow()}},
      SeccompVerdict::Violation());
  // Families other than UNIX, INET and INET6 (and NETLINK, refused) are
  // reported: AF_PACKET, AF_VSOCK, AF_BLUETOOTH, AF_ALG, ... each a driver's
  // worth of attack surface, some module-loaded on first use.
  builder.OnArgs("socket", SocketCases(), SeccompVerdict::Violation());
  builder.OnArgs(
      "socketpair",
      {{{SeccompArg::Equals32(0, AF_UNIX)}, SeccompVerdict::Allow()}},
      SeccompVerdict::Violation());
  // Injecting input into a terminal, console control, line disciplines.
  const SeccompVerdict violation = SeccompVerdict::Violation();
  builder.OnArgs("ioctl",
                 {{{SeccompArg::Equals32(1, TIOCSTI)}, violation},
                  {{SeccompArg::Equals32(1, TIOCLINUX)}, violation},
                  {{SeccompArg::Equals32(1, TIOCSETD)}, violation}},
                 SeccompVerdict::Allow());
  return builder;
}

absl::StatusOr<SeccompPolicy> BuildSandboxSeccompPolicy() {
  return SandboxSeccompPolicyBuilder().TryBuild();
}

}  // namespace forge::sandbox
