// Transport hardening of the gRPC listener (config `grpc`): keepalive pings
// that find dead peers, a floor on how often clients may ping (pings without
// calls refused), connection age and idle limits, and a cap on concurrent
// calls per connection. Zero config fields take the defaults below.
#ifndef FORGE_SERVER_GRPC_SERVER_OPTIONS_H_
#define FORGE_SERVER_GRPC_SERVER_OPTIONS_H_

#include "absl/time/time.h"
#include "forge/exec/v1/config.pb.h"
#include "grpcpp/server_builder.h"

namespace forge::server {

struct GrpcServerOptions {
  absl::Duration keepalive_time = absl::Minutes(1);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  absl::Duration min_ping_interval = absl::Seconds(30);
  absl::Duration max_connection_age = absl::Minutes(30);
  // Longer than any execution may run, so an aged connection's calls end
  // on their own.
  absl::Duration max_connection_age_grace = absl::Minutes(15);
  absl::Duration max_connection_idle = absl::Minutes(15);
  int max_concurrent_streams = 100;

  // The defaults, overridden by the non-zero fields of `config`.
  static GrpcServerOptions FromConfig(
      const forge::exec::v1::GrpcServerConfig& config);
  // Sets the channel arguments on `builder`.
  void ApplyTo(grpc::ServerBuilder& builder) const;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_GRPC_SERVER_OPTIONS_H_
