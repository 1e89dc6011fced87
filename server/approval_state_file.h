// The file that keeps a server's approvals across restarts: a serialized
// ListApprovalsResponse holding every approval the registry knows. Written
// atomically (temporary file, fsync, rename, fsync of the directory), so a
// crash leaves either the old or the new content, never a mix.
#ifndef FORGE_SERVER_APPROVAL_STATE_FILE_H_
#define FORGE_SERVER_APPROVAL_STATE_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::server {

// Replaces `path` with `approvals` (mode 0600). The I/O error otherwise;
// `path` is then unchanged.
absl::Status SaveApprovals(
    const std::string& path,
    const forge::exec::v1::ListApprovalsResponse& approvals);

// The approvals saved at `path`; empty if the file does not exist.
// DATA_LOSS if it cannot be parsed; the I/O error if it cannot be read.
absl::StatusOr<forge::exec::v1::ListApprovalsResponse> LoadApprovals(
    const std::string& path);

}  // namespace forge::server

#endif  // FORGE_SERVER_APPROVAL_STATE_FILE_H_
