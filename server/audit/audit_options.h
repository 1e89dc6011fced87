// AuditLogOptions: the validated form of forge.exec.v1.AuditConfig, plus the
// seams tests use (storage, observer). AuditObserver: how the log reports
// what metrics need, without knowing about Prometheus.
#ifndef FORGE_SERVER_AUDIT_AUDIT_OPTIONS_H_
#define FORGE_SERVER_AUDIT_AUDIT_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forge/exec/v1/audit.pb.h"
#include "server/audit/log_state.h"
#include "server/audit/log_storage.h"

namespace forge::audit {

// Callbacks from the log. Writer-thread methods must not block and must not
// call back into the AuditLog. Implementations must be thread-safe where a
// method says it may run on a caller's thread.
class AuditObserver {
 public:
  virtual ~AuditObserver() = default;
  // Writer thread: a batch of `records` (`bytes` bytes) is durable; the write
  // took `write_time` and the fsync `fsync_time`.
  virtual void OnBatchCommitted(size_t /*records*/, size_t /*bytes*/,
                                absl::Duration /*write_time*/,
                                absl::Duration /*fsync_time*/) {}
  // Writer thread: a write, fsync or rotation failed; the log now refuses
  // appends until a retry succeeds.
  virtual void OnWriteError(const absl::Status& /*error*/) {}
  // Writer thread: Health() changed to `health`.
  virtual void OnHealthChanged(const absl::Status& /*health*/) {}
  // Writer thread: the log moved on to a new file.
  virtual void OnRotated(const std::string& /*new_file*/) {}
  // Writer thread: the chain head at `sequence` was signed.
  virtual void OnHeadSigned(uint64_t /*sequence*/) {}
  // Caller's thread: Append refused a record (unhealthy, queue full, closed).
  virtual void OnAppendRefused(const absl::Status& /*why*/) {}
};

struct AuditLogOptions {
  std::string dir;
  uint64_t rotate_bytes = 64ull << 20;
  absl::Duration sign_interval = absl::Seconds(10);
  size_t queue_capacity = 65536;
  size_t max_batch_records = 4096;
  // Where the public key is published (SubjectPublicKeyInfo PEM); empty: not
  // published as a file.
  std::string public_key_path;
  bool log_raw_code = false;
  absl::Duration retry_interval = absl::Seconds(5);
  // How much history stays in memory for numbering records and finding
  // evidence; older history is read from the files (log_state.h).
  LogStateLimits memory;

  // Not owned; must outlive the log. Never null.
  LogStorage* storage = &LogStorage::Posix();
  // Not owned; must outlive the log; may be null.
  AuditObserver* observer = nullptr;

  // Validates `config` and fills defaults (see audit.proto). The signing key
  // path is returned separately by SigningKeyPath(). INVALID_ARGUMENT names
  // the offending field.
  static absl::StatusOr<AuditLogOptions> FromConfig(
      const forge::exec::v1::AuditConfig& config);
  // config.signing_key_path, or its default <dir>/chain-key.pem.
  static std::string SigningKeyPath(const forge::exec::v1::AuditConfig& config);
};

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_AUDIT_OPTIONS_H_
