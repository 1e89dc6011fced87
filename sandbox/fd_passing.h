// Messages with attached file descriptors over a SOCK_SEQPACKET Unix socket
// (SCM_RIGHTS). SEQPACKET keeps message boundaries, so one call sends or
// receives exactly one message. Descriptors received are always O_CLOEXEC
// (MSG_CMSG_CLOEXEC).
#ifndef FORGE_SANDBOX_FD_PASSING_H_
#define FORGE_SANDBOX_FD_PASSING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/unique_fd.h"

namespace forge::sandbox {

// Largest message either side sends. Bulk data (code, files, stdin) never
// travels in a message; it goes in a memfd passed as a descriptor.
inline constexpr size_t kMaxMessageBytes = 64 * 1024;
// Most descriptors attached to one message.
inline constexpr size_t kMaxMessageFds = 8;

struct ReceivedMessage {
  std::string data;
  std::vector<UniqueFd> fds;
};

// Sends `data` with `fds` attached (the caller keeps ownership of `fds`; the
// receiver gets duplicates). Retries on EINTR; blocks while the socket buffer
// is full. UNAVAILABLE when the peer is gone.
absl::Status SendMessage(int socket, absl::string_view data,
                         absl::Span<const int> fds = {});

// Receives one message. Returns OUT_OF_RANGE when the peer closed the socket,
// UNAVAILABLE for EAGAIN on a non-blocking socket, INVALID_ARGUMENT for a
// truncated message or too many descriptors (any that arrived are closed).
absl::StatusOr<ReceivedMessage> ReceiveMessage(int socket);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_FD_PASSING_H_
