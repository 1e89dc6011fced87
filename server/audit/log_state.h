// LogState: what the audit log knows about its files: where the chain ends,
// which file holds what, where each execution's records start, and the signed
// heads. RecoverLog() rebuilds it from the directory when the log opens,
// repairing a torn tail; the writer keeps it current with IndexRecord().
//
// Plain data; the owner synchronises access.
#ifndef FORGE_SERVER_AUDIT_LOG_STATE_H_
#define FORGE_SERVER_AUDIT_LOG_STATE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.pb.h"
#include "server/audit/execution_index.h"
#include "server/audit/log_storage.h"

namespace forge::audit {

struct LogFileInfo {
  uint64_t first_sequence = 0;
  std::string path;
  // Bytes of complete, durable records.
  uint64_t bytes = 0;
};

// A verified chain_head_signed record.
struct SignedHead {
  uint64_t sequence = 0;  // of the head it signs
  std::string hash;
  absl::Time signed_at;
  std::string signature;   // raw 64 bytes
  std::string public_key;  // raw 32 bytes
};

// The head a chain_head_signed record signs (sequence 0 if its details do
// not parse).
SignedHead SignedHeadOf(const forge::exec::v1::AuditRecord& record);

// How much of the log's history LogState keeps in memory; the rest is read
// from the files when it is needed.
struct LogStateLimits {
  // Ended executions in the index (execution_index.h).
  size_t finished_executions = ExecutionIndex::kDefaultFinishedCapacity;
  // Newest signed heads.
  size_t signed_heads = 1024;
};

struct LogState {
  explicit LogState(const LogStateLimits& limits = {})
      : signed_heads_kept(limits.signed_heads),
        executions(limits.finished_executions) {}

  size_t signed_heads_kept;
  std::vector<LogFileInfo> files;
  uint64_t next_sequence = 1;
  std::string last_hash;
  ExecutionIndex executions;
  // The newest signed heads, ascending by sequence.
  std::deque<SignedHead> signatures;
  // The sequence of the newest head dropped from `signatures` (0: none was).
  // A head at or before it is only in the files.
  uint64_t dropped_heads_through = 0;
};

// Adds a committed `record` at `offset` of the last file in state->files to
// the state: chain end, execution index, signed heads (dropping the oldest
// beyond signed_heads_kept). The file's byte count is the caller's business.
void IndexRecord(const forge::exec::v1::AuditRecord& record, uint64_t offset,
                 LogState* state);

struct RecoveredLog {
  explicit RecoveredLog(const LogStateLimits& limits) : state(limits) {}
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
                                        const std::string& dir,
                                        const LogStateLimits& limits);

// Reads `files` (complete bytes only), newest first, for the records of
// `execution_id` and returns where they are: its first record (the one the
// log numbered execution_record 1), how many there are and the last one's
// sequence. nullopt if no file holds any. The I/O or DATA_LOSS error of a
// file that cannot be read or parsed.
absl::StatusOr<std::optional<ExecutionEntry>> FindExecutionInFiles(
    LogStorage& storage, const std::vector<LogFileInfo>& files,
    const std::string& execution_id);

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_LOG_STATE_H_
