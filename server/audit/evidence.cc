// AuditLog::Evidence: an execution's records with the proof that they are in
// a chain whose head is signed.
#include <algorithm>
#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "server/audit/audit_log.h"
#include "server/audit/canonical.h"
#include "server/audit/link_digest.h"
#include "server/audit/log_file.h"
#include "server/audit/record_types.h"

namespace forge::audit {
namespace {

// The first signed head at or after `sequence`, if any.
std::optional<SignedHead> CoveringHead(const std::deque<SignedHead>& heads,
                                       uint64_t sequence) {
  auto it = std::lower_bound(
      heads.begin(), heads.end(), sequence,
      [](const SignedHead& head, uint64_t s) { return head.sequence < s; });
  if (it == heads.end()) return std::nullopt;
  return *it;
}

}  // namespace

absl::StatusOr<EvidencePack> AuditLog::Evidence(const std::string& execution_id,
                                                const std::string& tenant) {
  const absl::Status not_found = absl::NotFoundError(
      absl::StrCat("no audit records for execution ", execution_id));
  std::optional<ExecutionEntry> entry;
  std::optional<SignedHead> head;
  // Whether the covering head is only in the files (read on the way).
  bool head_in_files = false;
  std::vector<LogFileInfo> files;
  {
    absl::MutexLock lock(&mutex_);
    if (const ExecutionEntry* held = state_.executions.Find(execution_id)) {
      entry = *held;
    } else if (!state_.executions.dropped_any()) {
      return not_found;
    }
    files = state_.files;
  }
  if (!entry) {
    FORGE_ASSIGN_OR_RETURN(
        entry, FindExecutionInFiles(*options_.storage, files, execution_id));
  }
  if (!entry || entry->tenant != tenant) return not_found;
  {
    absl::MutexLock lock(&mutex_);
    if (entry->last_sequence <= state_.dropped_heads_through) {
      head_in_files = true;
    } else {
      head = CoveringHead(state_.signatures, entry->last_sequence);
    }
  }
  if (!head && !head_in_files) {
    FORGE_ASSIGN_OR_RETURN(head, SignHeadFor("evidence"));
    absl::MutexLock lock(&mutex_);
    files = state_.files;
  }

  EvidencePack pack;
  pack.set_execution_id(execution_id);
  bool reached_head = false;
  const absl::Status done = absl::CancelledError("reached the signed head");
  for (size_t f = entry->first_file; f < files.size() && !reached_head; ++f) {
    const uint64_t offset = f == entry->first_file ? entry->first_offset : 0;
    FORGE_ASSIGN_OR_RETURN(
        std::string data,
        options_.storage->Read(files[f].path, offset, files[f].bytes - offset));
    BadLine bad;
    auto scanned = ScanLogBytes(
        data,
        [&](const AuditRecord& record, const LinePosition&) {
          if (head_in_files && record.type() == kChainHeadSigned) {
            SignedHead signed_head = SignedHeadOf(record);
            if (signed_head.sequence >= entry->last_sequence &&
                signed_head.sequence + 1 == record.sequence()) {
              // The first head that covers the execution; every record up
              // to it is in the pack already.
              head = std::move(signed_head);
              reached_head = true;
              return done;
            }
          }
          if (head && record.sequence() > head->sequence) {
            reached_head = true;
            return done;
          }
          if (record.execution_id() == execution_id) {
            *pack.add_records() = record;
          } else {
            auto* link = pack.add_links();
            link->set_sequence(record.sequence());
            link->set_prev_hash(record.prev_hash());
            link->set_hash(record.hash());
            SetLinkBodyDigest(Sha256Hex(CanonicalBody(record)), link);
          }
          if (head && record.sequence() == head->sequence) {
            reached_head = true;
            return done;
          }
          return absl::OkStatus();
        },
        &bad);
    if (!scanned.ok() && !reached_head) {
      return absl::DataLossError(
          absl::StrCat("reading ", files[f].path,
                       " for evidence: ", scanned.status().message()));
    }
  }
  if (!reached_head) {
    return absl::InternalError(absl::StrCat(
        "the log files end before a signed head covering sequence ",
        entry->last_sequence));
  }
  auto* chain_head = pack.mutable_chain_head();
  chain_head->set_sequence(head->sequence);
  chain_head->set_hash(head->hash);
  *chain_head->mutable_signed_at() = ToTimestamp(head->signed_at);
  pack.set_signature(head->signature);
  pack.set_public_key(head->public_key);
  return pack;
}

}  // namespace forge::audit
