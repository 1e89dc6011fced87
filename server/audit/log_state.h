// LogState: what the audit log knows about its files: where the chain ends,
// which file holds what, where each execution's records start, and the signed
// heads. RecoverLog() rebuilds it from the directory when the log opens,
// repairing a torn tail; the writer keeps it current with IndexRecord().
//
// Plain data; the owner synchronises access.
#ifndef FORGE_SERVER_AUDIT_LOG_STATE_H_
#define FORGE_SERVER_AUDIT_LOG_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.pb.h"
#include "server/audit/log_storage.h"

namespace forge::audit {

struct LogFileInfo {
  uint64_t first_sequence = 0;
  std::string path;
  // Bytes of complete, durable records.
  uint64_t bytes = 0;
};

// Where one execution's records are.
struct ExecutionEntry {
  std::string tenant;
  uint64_t records = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  // Index into LogState::files of the file holding the first record, and the
  // record's byte offset there.
  size_t first_file = 0;
  uint64_t first_offset = 0;
};

// A verified chain_head_signed record.
struct SignedHead {
  uint64_t sequence = 0;  // of the head it signs
  std::string hash;
  absl::Time signed_at;
  std::string signature;   // raw 64 bytes
  std::string public_key;  // raw 32 bytes
};

struct LogState {
  std::vector<LogFileInfo> files;
  uint64_t next_sequence = 1;
  std::string last_hash;
  absl::flat_hash_map<std::string, ExecutionEntry> executions;
  // Ascending by sequence.
  std::vector<SignedHead> signatures;
};

// Adds a committed `record` at `offset` of the last file in state->files to
// the state: chain end, execution index, signed heads. The file's byte count
// is the caller's business.
void IndexRecord(const forge::exec::v1::AuditRecord& record, uint64_t offset,
                 LogState* state);

struct RecoveredLog {
  LogState state;
  // log_recovery records to append first (details only; the writer seals
  // them), one per torn tail of the last file that was cut off.
  std::vector<forge::exec::v1::AuditRecord> recoveries;
};

// Creates `dir` if needed, reads every log file in it, checks the chain and
// rebuilds the state. A torn tail of the last file is preserved as
// "<file>.torn-<offset>-<16 hex of its SHA-256>", cut off, and described in
// `recoveries`. DATA_LOSS,
// naming the file and line, if the chain is damaged anywhere else: the log
// never appends to a chain it cannot vouch for.
absl::StatusOr<RecoveredLog> RecoverLog(LogStorage& storage,
                                        const std::string& dir);

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_LOG_STATE_H_
