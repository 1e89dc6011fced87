// ChainVerifier checks records fed to it in chain order: each record's hash
// against its content, sequence continuity, prev_hash continuity, the
// signatures of chain_head_signed records and the per-execution record
// counter. It fills a VerifyReport, the result every verifier returns.
//
// Not thread-safe; one verifier per pass over a chain.
#ifndef FORGE_SERVER_AUDIT_CHAIN_VERIFIER_H_
#define FORGE_SERVER_AUDIT_CHAIN_VERIFIER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::audit {

// Where a record or problem is, in whatever the verifier was given.
struct Location {
  std::string file;       // empty for an evidence pack
  uint64_t line = 0;      // 1-based; 0 when not from a file
  uint64_t offset = 0;    // byte offset in the file
  uint64_t sequence = 0;  // 0 when the record could not be read
};

// The first thing found wrong.
struct Problem {
  Location where;
  std::string message;
};

// A torn final line that no log_recovery record has dealt with yet.
struct TornTail {
  std::string file;
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

// A log_recovery record found in the chain.
struct Recovery {
  uint64_t sequence = 0;  // of the log_recovery record
  std::string reason;     // torn_tail or write_error
  std::string description;
};

struct VerifyReport {
  // True iff `problem` is empty.
  bool ok = false;
  // What was verified, e.g. "3 log files" or "evidence pack for execution X".
  std::string subject;
  uint64_t records = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  std::string last_hash;
  // Whether the first record is the chain's first (sequence 1, genesis
  // prev_hash); otherwise earlier records were not supplied.
  bool from_genesis = false;
  // chain_head_signed records (or the pack's signature) verified.
  uint64_t signatures = 0;
  // Highest head sequence a verified signature covers; 0 if none.
  uint64_t signed_through = 0;
  // Distinct public keys (hex) the signatures verified with.
  std::set<std::string> signing_keys;
  // Whether signatures were checked against keys the caller supplied rather
  // than the keys embedded in the records.
  bool keys_pinned = false;
  // Pack only: links whose hash could not be recomputed (no body digest).
  uint64_t unverifiable_links = 0;
  // Pack only: whether the execution's last record is an execution_end
  // (nullopt for files).
  std::optional<bool> ends_with_execution_end;
  std::optional<TornTail> torn_tail;
  std::vector<Recovery> recoveries;
  std::optional<Problem> problem;
};

class ChainVerifier {
 public:
  // `trusted_keys`: raw 32-byte Ed25519 public keys; when empty, signatures
  // are checked against the key each record embeds (and the report says the
  // keys were not pinned). `report` must outlive the verifier.
  ChainVerifier(std::vector<std::string> trusted_keys, VerifyReport* report);

  // Checks `record`, the next one in chain order, found at `where`. On the
  // first problem records it in the report and returns false; every later
  // call then returns false without checking.
  bool Add(const forge::exec::v1::AuditRecord& record, const Location& where);

  // Checks a chain link (a record known only by its hashes, as an evidence
  // pack carries them) as the next element of the chain: sequence and
  // prev_hash continuity, and, when `body_sha256` is not empty, that `hash`
  // is ChainHash(prev_hash, body_sha256). Without a body digest the link is
  // counted in report.unverifiable_links. Same failure rules as Add.
  bool AddLink(uint64_t sequence, const std::string& prev_hash,
               const std::string& hash, const std::string& body_sha256,
               const Location& where);

  // Records a problem found outside Add (unreadable file, torn line in the
  // middle of the chain, ...); only the first problem is kept.
  void Fail(const Location& where, std::string message);

  // Whether `public_key` (raw) may sign; false also records the problem.
  bool KeyAllowed(const std::string& public_key, const Location& where);

  bool failed() const { return report_->problem.has_value(); }

 private:
  // Sequence and prev_hash continuity with what came before.
  bool CheckContinuity(uint64_t sequence, const std::string& prev_hash,
                       const Location& where);
  bool CheckSignature(const forge::exec::v1::AuditRecord& record,
                      const Location& where);
  bool CheckExecutionCounter(const forge::exec::v1::AuditRecord& record,
                             const Location& where);

  std::vector<std::string> trusted_keys_;
  VerifyReport* report_;
  // Whether any record or link has been added.
  bool started_ = false;
  // Last execution_record counter seen per execution id.
  absl::flat_hash_map<std::string, uint64_t> execution_counters_;
};

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_CHAIN_VERIFIER_H_
