#include "server/audit/audit_options.h"

#include "absl/strings/str_cat.h"

namespace forge::audit {
namespace {

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

absl::StatusOr<AuditLogOptions> AuditLogOptions::FromConfig(
    const forge::exec::v1::AuditConfig& config) {
  AuditLogOptions options;
  if (config.dir().empty()) {
    return absl::InvalidArgumentError("audit.dir is required");
  }
  options.dir = config.dir();
  if (config.rotate_bytes() != 0) {
    if (config.rotate_bytes() < 4096) {
      return absl::InvalidArgumentError(
          "audit.rotate_bytes must be at least 4096");
    }
    options.rotate_bytes = config.rotate_bytes();
  }
  if (config.has_sign_interval()) {
    options.sign_interval = FromProto(config.sign_interval());
    if (options.sign_interval <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("audit.sign_interval must be positive");
    }
  }
  if (config.queue_capacity() != 0) {
    options.queue_capacity = config.queue_capacity();
  }
  if (config.max_batch_records() != 0) {
    options.max_batch_records = config.max_batch_records();
  }
  options.public_key_path =
      config.public_key_path().empty()
          ? absl::StrCat(config.dir(), "/chain-key.pub.pem")
          : config.public_key_path();
  options.log_raw_code = config.log_raw_code();
  if (config.has_retry_interval()) {
    options.retry_interval = FromProto(config.retry_interval());
    if (options.retry_interval <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "audit.retry_interval must be positive");
    }
  }
  if (config.has_indexed_executions()) {
    options.memory.finished_executions = config.indexed_executions();
  }
  return options;
}

std::string AuditLogOptions::SigningKeyPath(
    const forge::exec::v1::AuditConfig& config) {
  return config.signing_key_path().empty()
             ? absl::StrCat(config.dir(), "/chain-key.pem")
             : config.signing_key_path();
}

}  // namespace forge::audit
