#include "common/unique_fd.h"

#include <unistd.h>

namespace forge {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) {
    // close() may fail with EINTR, but the descriptor is released anyway on
    // Linux; retrying could close an unrelated, newly opened descriptor.
    ::close(fd_);
  }
  fd_ = fd;
}

}  // namespace forge
