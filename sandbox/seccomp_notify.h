// The supervisor's side of Violation() verdicts: the seccomp notification
// listener a sandbox child passed up after installing its filter. When a
// sandboxed thread makes a forbidden syscall, the kernel holds the thread
// and queues a notification here; the supervisor reads it (which syscall,
// which pid), records the violation, kills the sandbox and answers the
// notification.
//
// Fits a single-threaded epoll loop: register fd() for EPOLLIN, and on
// readiness call TryReceive() until it returns nullopt. EPOLLHUP means no
// process uses the filter any more (every sandboxed process has exited).
// If the supervisor closes the listener (or dies), held syscalls and any
// later forbidden ones fail with ENOSYS instead: still refused, but
// unreported.
#ifndef FORGE_SANDBOX_SECCOMP_NOTIFY_H_
#define FORGE_SANDBOX_SECCOMP_NOTIFY_H_

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/unique_fd.h"

namespace forge::sandbox {

// One forbidden syscall, as the kernel reported it.
struct SeccompNotification {
  // Notification id, for RespondWithError.
  uint64_t id = 0;
  // The calling thread, in the listener's reader's pid namespace; 0 if that
  // namespace cannot see it.
  pid_t pid = 0;
  // Audit architecture (AUDIT_ARCH_X86_64, AUDIT_ARCH_I386) and number.
  uint32_t arch = 0;
  int nr = 0;
  // SeccompSyscallName(arch, nr): "ptrace", "i386:getpid", "x32:read".
  std::string syscall_name;
  std::array<uint64_t, 6> args{};
};

// Owns the listener descriptor. Not thread-safe.
class SeccompNotifyListener {
 public:
  // Takes the listener returned by InstallSeccompPolicy (received from the
  // child over SCM_RIGHTS).
  explicit SeccompNotifyListener(UniqueFd listener);

  // For epoll/poll; owned by this object.
  int fd() const { return listener_.get(); }

  // The next pending notification, without blocking: nullopt when none is
  // pending (including one withdrawn because its thread was interrupted or
  // killed before it was read). Errors only for a broken descriptor.
  //
  // It never blocks because it polls first: the kernel counts every queued
  // notification, so a receive after a successful poll finds one or fails
  // with ENOENT, never waits.
  absl::StatusOr<std::optional<SeccompNotification>> TryReceive();

  // Lets the held syscall `id` return -1 with `errno_value` (e.g. EPERM).
  // NotFound if its thread is gone or was interrupted: harmless, the
  // syscall did not run either way. Killing the sandbox first and
  // answering afterwards is fine.
  absl::Status RespondWithError(uint64_t id, int errno_value);

 private:
  UniqueFd listener_;
  size_t notif_size_;
  size_t resp_size_;
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_SECCOMP_NOTIFY_H_
