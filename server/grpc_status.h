// The one place absl::Status becomes grpc::Status (codes map 1:1).
#ifndef FORGE_SERVER_GRPC_STATUS_H_
#define FORGE_SERVER_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace forge::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace forge::server

#endif  // FORGE_SERVER_GRPC_STATUS_H_
