#include "sandbox/seccomp_install.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace forge::sandbox {

int InstallSeccompPolicy(const SeccompPolicy& policy,
                         int* listener_fd) noexcept {
  *listener_fd = -1;
  // Required to install a filter without CAP_SYS_ADMIN, and what keeps a
  // setuid binary from running with the filter under its feet.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
  sock_fprog program = policy.program();
  const unsigned long flags =
      policy.needs_listener() ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  const long result =
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &program);
  if (result < 0) return -errno;
  if (policy.needs_listener()) *listener_fd = static_cast<int>(result);
  return 0;
}

}  // namespace forge::sandbox
