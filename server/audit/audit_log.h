// AuditLog is the durable, hash-chained audit trail: records are appended to
// JSON Lines files (canonical.h, log_file.h) by one writer thread that
// commits them in groups, one write and one fsync per batch, and reports each
// record only once it is on disk.
//
//   FORGE_ASSIGN_OR_RETURN(auto log, AuditLog::Open(options, key, clock));
//   if (!log->Health().ok()) return log->Health();    // fail closed
//   log->Append(record, [](absl::StatusOr<AuditRecord> committed) {
//     // on the writer thread: stream *committed to the client, ...
//   });
//
// Durability: a record is acknowledged (its callback gets the committed
// record) only after the bytes holding it were fdatasync'd. A crash can leave
// a torn final line; the next Open() cuts it off, keeps its bytes beside the
// file and appends a log_recovery record that says so.
//
// Fail closed: when a write, fsync or rotation fails (disk full, I/O error)
// the batch is refused, Health() turns UNAVAILABLE and every Append is refused
// until a retry (every options.retry_interval) writes again; the first record
// after the outage is a log_recovery record saying how many were refused.
//
// Signing: the chain head is signed with Ed25519 (a chain_head_signed record)
// when the log opens with an unsigned head, every options.sign_interval while
// records arrive, before every rotation, at Close(), and on demand by
// Evidence().
//
// Thread-safe. Callbacks run on the writer thread: they must not block, and
// must not call AppendAndWait, Evidence, SignHead or Close, which wait for
// that thread (Append is fine: it only queues).
#ifndef FORGE_SERVER_AUDIT_AUDIT_LOG_H_
#define FORGE_SERVER_AUDIT_AUDIT_LOG_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "forge/exec/v1/execution.pb.h"
#include "server/audit/audit_options.h"
#include "server/audit/log_state.h"

namespace forge::audit {

using ::forge::exec::v1::AuditRecord;
using ::forge::exec::v1::EvidencePack;

class AuditLog {
 public:
  // Receives the committed record (sequence, time, hashes filled in) once it
  // is durable, or the error that kept it from being written.
  using CommitCallback = absl::AnyInvocable<void(absl::StatusOr<AuditRecord>)>;

  // Recovers the log in options.dir (log_state.h: RecoverLog), publishes the
  // public key, starts the writer, and returns once any recovery record and
  // the signature of a recovered unsigned head are durable. `signer` and
  // `clock` must outlive the log. Errors: DATA_LOSS if the existing chain is
  // damaged; the I/O error if the directory cannot be read or written.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      const AuditLogOptions& options,
      std::shared_ptr<const Ed25519PrivateKey> signer, const Clock& clock);

  // Close()s.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues `record` (type, tenant, principal, ids, details; the log sets
  // sequence, time, hashes and details["execution_record"]). A record that
  // may follow its execution's end (MayFollowExecutionEnd: approval
  // decisions and expiries) of an execution the in-memory index has dropped
  // (execution_index.h) first reads the log files, newest first, back to
  // that execution, so it is numbered on. Any other record never reads the
  // files: of an execution the index does not hold, it is numbered from 1
  // (the server's executions start with execution_start and stay in the
  // index while open). On OK,
  // `on_commit` is invoked exactly once, on the writer thread. On error it is
  // never invoked:
  //   INVALID_ARGUMENT   empty type, a type the log reserves for itself, or
  //                      details["code"] while raw code logging is off;
  //   UNAVAILABLE        the log is unhealthy (see Health()), its queue is
  //                      full, or it is closed.
  absl::Status Append(AuditRecord record, CommitCallback on_commit);

  // One record and the callback for its commit (may be empty).
  struct Pending {
    AuditRecord record;
    CommitCallback on_commit;
  };
  // Queues `records` together and in order, so that one write and one fsync
  // commit them all (unless they exceed options.max_batch_records), each
  // record as Append would. All or nothing: on error no record is queued and
  // no callback is invoked; the errors are Append's, for the first record
  // refused or for the group (a full queue counts every record).
  absl::Status AppendAll(std::vector<Pending> records);

  // Append and wait for the record to be durable; returns the committed
  // record. Never call it on the writer thread (from a callback).
  absl::StatusOr<AuditRecord> AppendAndWait(AuditRecord record);

  // OK while the log accepts records; UNAVAILABLE with the reason after a
  // disk error (until a retry succeeds) or once closed. The server refuses
  // new executions while it is not OK.
  absl::Status Health() const;

  // The evidence pack of `execution_id`: its committed records, the links
  // from its first record to a signed head that covers its last record, the
  // signature and the public key. Signs a new head if none covers it yet
  // (and so waits for one fsync). NOT_FOUND when the execution has no
  // records or belongs to another tenant (the message is the same). Reads
  // the log files on the calling thread.
  absl::StatusOr<EvidencePack> Evidence(const std::string& execution_id,
                                        const std::string& tenant);

  // Signs the current head now (unless it is already signed) and returns the
  // newest signed head. UNAVAILABLE if the log is unhealthy or closed.
  absl::StatusOr<SignedHead> SignHead() { return SignHeadFor("request"); }

  // Writes every queued record, signs the head, stops the writer. Later
  // Appends are refused. Returns the first write error if the final writes
  // failed. Idempotent.
  absl::Status Close();

  // The raw Ed25519 public key that verifies this log's signatures.
  const std::string& public_key() const { return signer_->public_key(); }

  // Number of records committed since Open (including the log's own).
  uint64_t committed_records() const;

 private:
  struct SignRequest {
    std::string reason;  // chain_head_signed's details["reason"]
    absl::AnyInvocable<void(absl::StatusOr<SignedHead>)> done;
  };
  struct Batch {
    std::vector<Pending> items;
    std::vector<SignRequest> sign_requests;
    // Non-empty: a chain_head_signed record follows the items.
    std::string sign_reason;
  };

  AuditLog(const AuditLogOptions& options,
           std::shared_ptr<const Ed25519PrivateKey> signer, const Clock& clock,
           LogState state);

  // SignHead, recording `reason` (open, evidence, request) with a new
  // signature.
  absl::StatusOr<SignedHead> SignHeadFor(std::string reason);
  void WriterLoop();
  // Writer thread. Seals `batch`'s records into lines and commits them.
  absl::Status WriteBatch(Batch& batch);
  // Writer thread. Reports `error` to the batch's callbacks and requests.
  void FailBatch(Batch& batch, const absl::Status& error);
  // Writer thread. A chain_head_signed record for the current head.
  absl::StatusOr<AuditRecord> MakeSignatureRecord(const std::string& reason);
  // Writer thread. Signs the head and moves on to a new file.
  absl::Status Rotate();
  // Writer thread. Marks the log unhealthy after `error`.
  void EnterFailure(const absl::Status& error, uint64_t refused);
  // Writer thread. Tries to write the outage's log_recovery record.
  void TryLeaveFailure();
  absl::Status OpenActiveFile();
  // INVALID_ARGUMENT when `record` may not be appended (see Append), else OK.
  absl::Status Refusal(const AuditRecord& record) const;
  // Wraps item.on_commit so that the record counts in in_flight_ until it is
  // committed or refused.
  void CountInFlight(Pending& item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Whether `record` is a late record of an execution that had records
  // before but that the in-memory index has dropped (execution_index.h): of
  // a type that may follow the execution's end, not in the index, no record
  // of it in flight.
  bool DroppedFromIndex(const AuditRecord& record) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Without mutex_ held. Reads the files for `execution_id` and puts its
  // entry back into the index (held while its records are in flight), so
  // its next record is numbered on from its last one. Returns the read error
  // (the numbering then starts over, which a verifier of its evidence
  // reports).
  absl::Status RecallExecution(const std::string& execution_id);
  // UNAVAILABLE "audit log unavailable: <why>; new executions are refused".
  static absl::Status Unavailable(absl::string_view why);

  const AuditLogOptions options_;
  const std::shared_ptr<const Ed25519PrivateKey> signer_;
  const Clock& clock_;

  mutable absl::Mutex mutex_;
  absl::CondVar wake_writer_;
  absl::CondVar committed_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mutex_);
  std::vector<SignRequest> sign_requests_ ABSL_GUARDED_BY(mutex_);
  absl::Status health_ ABSL_GUARDED_BY(mutex_);
  bool closing_ ABSL_GUARDED_BY(mutex_) = false;
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Status close_status_ ABSL_GUARDED_BY(mutex_);
  // Committed state; the writer is its only mutator, Evidence reads it.
  LogState state_ ABSL_GUARDED_BY(mutex_);
  // Records accepted but not yet committed or refused, per execution id: an
  // execution with records in flight is not one the index dropped.
  absl::flat_hash_map<std::string, uint32_t> in_flight_ ABSL_GUARDED_BY(mutex_);
  uint64_t committed_records_ ABSL_GUARDED_BY(mutex_) = 0;

  // Writer thread only.
  std::unique_ptr<AppendFile> file_;
  absl::Time last_sign_ = absl::InfinitePast();
  uint64_t refused_since_failure_ = 0;
  absl::Status failure_;
  absl::Time next_retry_ = absl::InfinitePast();

  std::thread writer_;
};

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_AUDIT_LOG_H_
