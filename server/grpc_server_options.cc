#include "server/grpc_server_options.h"

#include <algorithm>
#include <climits>

#include "google/protobuf/util/time_util.h"
#include "grpc/grpc.h"

namespace forge::server {
namespace {

using ::google::protobuf::util::TimeUtil;

void Override(const google::protobuf::Duration& value, absl::Duration* field) {
  const int64_t nanos = TimeUtil::DurationToNanoseconds(value);
  if (nanos > 0) *field = absl::Nanoseconds(nanos);
}

int Millis(absl::Duration d) {
  return static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, INT_MAX));
}

}  // namespace

GrpcServerOptions GrpcServerOptions::FromConfig(
    const forge::exec::v1::GrpcServerConfig& config) {
  GrpcServerOptions options;
  Override(config.keepalive_time(), &options.keepalive_time);
  Override(config.keepalive_timeout(), &options.keepalive_timeout);
  Override(config.min_ping_interval(), &options.min_ping_interval);
  Override(config.max_connection_age(), &options.max_connection_age);
  Override(config.max_connection_age_grace(),
           &options.max_connection_age_grace);
  Override(config.max_connection_idle(), &options.max_connection_idle);
  if (config.max_concurrent_streams() > 0) {
    options.max_concurrent_streams = static_cast<int>(
        std::min<uint32_t>(config.max_concurrent_streams(), INT_MAX));
  }
  return options;
}

void GrpcServerOptions::ApplyTo(grpc::ServerBuilder& builder) const {
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             Millis(keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             Millis(keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      Millis(min_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             Millis(max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             Millis(max_connection_age_grace));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             Millis(max_connection_idle));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             max_concurrent_streams);
}

}  // namespace forge::server
