#include "sandbox/seccomp_notify.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/errno_status.h"
#include "sandbox/seccomp_syscalls.h"

namespace forge::sandbox {

SeccompNotifyListener::SeccompNotifyListener(UniqueFd listener)
    : listener_(std::move(listener)),
      notif_size_(sizeof(seccomp_notif)),
      resp_size_(sizeof(seccomp_notif_resp)) {
  // A newer kernel's structures may be larger than our headers' (the
  // documented way to size the buffers).
  seccomp_notif_sizes sizes{};
  if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0) {
    notif_size_ = std::max<size_t>(notif_size_, sizes.seccomp_notif);
    resp_size_ = std::max<size_t>(resp_size_, sizes.seccomp_notif_resp);
  }
}

absl::StatusOr<std::optional<SeccompNotification>>
SeccompNotifyListener::TryReceive() {
  pollfd poll_fd{listener_.get(), POLLIN, 0};
  const int ready = ::poll(&poll_fd, 1, 0);
  if (ready < 0 && errno != EINTR) return LastErrorStatus("poll listener");
  if (ready <= 0 || (poll_fd.revents & POLLIN) == 0) return std::nullopt;

  // The kernel insists on a zeroed buffer.
  std::vector<char> buffer(notif_size_, 0);
  if (::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, buffer.data()) != 0) {
    if (errno == ENOENT || errno == EINTR) return std::nullopt;
    return LastErrorStatus("SECCOMP_IOCTL_NOTIF_RECV");
  }
  seccomp_notif raw;
  std::memcpy(&raw, buffer.data(), sizeof(raw));
  SeccompNotification notification;
  notification.id = raw.id;
  notification.pid = static_cast<pid_t>(raw.pid);
  notification.arch = raw.data.arch;
  notification.nr = raw.data.nr;
  notification.syscall_name = SeccompSyscallName(raw.data.arch, raw.data.nr);
  std::copy(std::begin(raw.data.args), std::end(raw.data.args),
            notification.args.begin());
  return notification;
}

absl::Status SeccompNotifyListener::RespondWithError(uint64_t id,
                                                     int errno_value) {
  std::vector<char> buffer(resp_size_, 0);
  seccomp_notif_resp response{};
  response.id = id;
  response.error = -errno_value;
  std::memcpy(buffer.data(), &response, sizeof(response));
  if (::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_SEND, buffer.data()) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError("notified thread is gone or was interrupted");
    }
    return LastErrorStatus("SECCOMP_IOCTL_NOTIF_SEND");
  }
  return absl::OkStatus();
}

}  // namespace forge::sandbox
