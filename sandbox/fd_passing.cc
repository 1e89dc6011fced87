#include "sandbox/fd_passing.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace forge::sandbox {

absl::Status SendMessage(int socket, absl::string_view data,
                         absl::Span<const int> fds) {
  if (data.size() > kMaxMessageBytes || fds.size() > kMaxMessageFds) {
    return absl::InvalidArgumentError("message too large to send");
  }
  // An empty SEQPACKET message is indistinguishable from EOF for the
  // receiver; every message in our protocol has at least a type tag.
  if (data.empty()) return absl::InvalidArgumentError("empty message");
  iovec iov{const_cast<char*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)];
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  while (true) {
    ssize_t sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (sent >= 0) return absl::OkStatus();
    if (errno == EINTR) continue;
    return LastErrorStatus("sendmsg");
  }
}

absl::StatusOr<ReceivedMessage> ReceiveMessage(int socket) {
  ReceivedMessage result;
  result.data.resize(kMaxMessageBytes);
  iovec iov{result.data.data(), result.data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t received;
  while (true) {
    received = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (received >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return absl::UnavailableError("no message ready");
    return LastErrorStatus("recvmsg");
  }
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
      continue;
    size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      result.fds.emplace_back(fd);
    }
  }
  if (received == 0 && result.fds.empty()) {
    return absl::OutOfRangeError("peer closed the socket");
  }
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    return absl::InvalidArgumentError("message or descriptors truncated");
  }
  result.data.resize(received);
  return result;
}

}  // namespace forge::sandbox
