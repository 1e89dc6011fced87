#include "server/audit/log_state.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"
#include "server/audit/canonical.h"
#include "server/audit/chain_verifier.h"
#include "server/audit/log_file.h"
#include "server/audit/record_types.h"

namespace forge::audit {
namespace {

using ::forge::exec::v1::AuditRecord;

std::string Detail(const AuditRecord& record, const char* key) {
  auto it = record.details().find(key);
  return it == record.details().end() ? std::string() : it->second;
}

absl::Status Damaged(const std::string& dir, const Problem& problem) {
  return absl::DataLossError(absl::StrCat(
      "audit log in ", dir, " is damaged at ", problem.where.file, " line ",
      problem.where.line, " (byte ", problem.where.offset,
      "): ", problem.message,
      "; refusing to append to it (inspect it with `forge-exec audit "
      "verify`)"));
}

AuditRecord TornTailRecord(const std::string& file, uint64_t offset,
                           absl::string_view torn,
                           const std::string& preserved_as) {
  AuditRecord recovery;
  recovery.set_type(kLogRecovery);
  auto& details = *recovery.mutable_details();
  details[kRecoveryReason] = "torn_tail";
  details[kRecoveryFile] = file;
  details[kRecoveryOffset] = absl::StrCat(offset);
  details[kRecoveryTornBytes] = absl::StrCat(torn.size());
  details[kRecoveryTornSha256] = Sha256Hex(torn);
  details[kRecoveryPreservedAs] = preserved_as;
  return recovery;
}

}  // namespace

SignedHead SignedHeadOf(const AuditRecord& record) {
  SignedHead head;
  if (!absl::SimpleAtoi(Detail(record, kHeadSequence), &head.sequence)) {
    head.sequence = 0;  // the chain verifier has rejected such a record
  }
  head.hash = Detail(record, kHeadHash);
  head.signed_at =
      ParseAuditTime(Detail(record, kSignedAt)).value_or(absl::InfinitePast());
  head.signature = absl::HexStringToBytes(Detail(record, kSignature));
  head.public_key = absl::HexStringToBytes(Detail(record, kPublicKey));
  return head;
}

void IndexRecord(const AuditRecord& record, uint64_t offset, LogState* state) {
  state->next_sequence = record.sequence() + 1;
  state->last_hash = record.hash();
  if (!record.execution_id().empty()) {
    state->executions.Add(record.execution_id(), record.tenant(), record.type(),
                          record.sequence(), state->files.size() - 1, offset);
  }
  if (record.type() == kChainHeadSigned) {
    SignedHead head = SignedHeadOf(record);
    state->signatures.push_back(std::move(head));
    if (state->signatures.size() > state->signed_heads_kept) {
      state->dropped_heads_through = state->signatures.front().sequence;
      state->signatures.pop_front();
    }
  }
}

absl::StatusOr<RecoveredLog> RecoverLog(LogStorage& storage,
                                        const std::string& dir,
                                        const LogStateLimits& limits) {
  FORGE_RETURN_IF_ERROR(storage.CreateDir(dir));
  FORGE_ASSIGN_OR_RETURN(std::vector<std::string> names, storage.ListDir(dir));
  std::vector<std::pair<uint64_t, std::string>> files;
  for (const std::string& name : names) {
    if (auto first = ParseLogFileName(name)) files.emplace_back(*first, name);
  }
  std::sort(files.begin(), files.end());

  RecoveredLog recovered(limits);
  LogState& state = recovered.state;
  state.last_hash = std::string(kGenesisHash);
  VerifyReport report;
  ChainVerifier chain({}, &report);
  for (size_t i = 0; i < files.size(); ++i) {
    const uint64_t declared_first = files[i].first;
    const std::string& name = files[i].second;
    const std::string path = absl::StrCat(dir, "/", name);
    FORGE_ASSIGN_OR_RETURN(std::string data, storage.Read(path, 0, UINT64_MAX));
    state.files.push_back(LogFileInfo{declared_first, path, 0});
    bool first_line = true;
    BadLine bad;
    auto scanned = ScanLogBytes(
        data,
        [&](const AuditRecord& record, const LinePosition& position) {
          Location where{path, position.line, position.offset,
                         record.sequence()};
          if (first_line && record.sequence() != declared_first) {
            chain.Fail(where,
                       "the file's first sequence differs from its name");
          }
          first_line = false;
          if (!chain.Add(record, where)) {
            return absl::DataLossError(report.problem->message);
          }
          IndexRecord(record, position.offset, &state);
          return absl::OkStatus();
        },
        &bad);
    if (!scanned.ok()) {
      if (!report.problem) {
        chain.Fail(Location{path, bad.position.line, bad.position.offset, 0},
                   std::string(bad.status.message()));
      }
      return Damaged(dir, *report.problem);
    }
    state.files.back().bytes = scanned->complete_bytes;
    if (first_line && declared_first != state.next_sequence) {
      chain.Fail(Location{path}, absl::StrCat("empty file, but the chain "
                                              "continues at sequence ",
                                              state.next_sequence));
      return Damaged(dir, *report.problem);
    }
    if ((scanned->torn_bytes > 0 || scanned->padding_bytes > 0) &&
        i + 1 < files.size()) {
      chain.Fail(Location{path, scanned->lines + 1, scanned->complete_bytes},
                 "torn line or NUL padding in a file that is not the last");
      return Damaged(dir, *report.problem);
    }
    if (i + 1 < files.size()) continue;
    // The last file. A torn tail is a write the crash cut short, never
    // acknowledged: keep its bytes beside the file, cut it off, and say so
    // in the chain. Preserved tails at this very offset whose record never
    // became durable (a crash during recovery) are recorded too.
    const uint64_t offset = scanned->complete_bytes;
    const std::string prefix = absl::StrCat(name, ".torn-", offset, "-");
    if (scanned->torn_bytes > 0) {
      const absl::string_view torn =
          absl::string_view(data).substr(offset, scanned->torn_bytes);
      const std::string preserved =
          absl::StrCat(prefix, Sha256Hex(torn).substr(0, 16));
      FORGE_RETURN_IF_ERROR(storage.WriteFileAtomically(
          absl::StrCat(dir, "/", preserved), torn, 0600));
      if (std::find(names.begin(), names.end(), preserved) == names.end()) {
        names.push_back(preserved);
      }
    }
    if (data.size() > offset) {
      // Cut the torn tail and any unused NUL padding.
      FORGE_ASSIGN_OR_RETURN(std::unique_ptr<AppendFile> file,
                             storage.OpenAppend(path));
      FORGE_RETURN_IF_ERROR(file->Truncate(offset));
      FORGE_RETURN_IF_ERROR(file->Sync());
    }
    std::sort(names.begin(), names.end());
    for (const std::string& preserved : names) {
      // (A ".tmp" is a preserved copy a crash interrupted; the tail it was
      // copying is still in the file or in a complete copy.)
      if (preserved.rfind(prefix, 0) != 0 ||
          absl::EndsWith(preserved, ".tmp")) {
        continue;
      }
      FORGE_ASSIGN_OR_RETURN(
          std::string torn,
          storage.Read(absl::StrCat(dir, "/", preserved), 0, UINT64_MAX));
      recovered.recoveries.push_back(
          TornTailRecord(name, offset, torn, preserved));
    }
  }
  // Whoever ran the executions still open in the files is gone.
  state.executions.EndAll();
  return recovered;
}

absl::StatusOr<std::optional<ExecutionEntry>> FindExecutionInFiles(
    LogStorage& storage, const std::vector<LogFileInfo>& files,
    const std::string& execution_id) {
  std::optional<ExecutionEntry> found;
  bool reached_first = false;
  for (size_t f = files.size(); f-- > 0 && !reached_first;) {
    FORGE_ASSIGN_OR_RETURN(std::string data,
                           storage.Read(files[f].path, 0, files[f].bytes));
    BadLine bad;
    bool first_in_file = true;
    auto scanned = ScanLogBytes(
        data,
        [&](const AuditRecord& record, const LinePosition& position) {
          if (record.execution_id() != execution_id) return absl::OkStatus();
          if (!found) {
            found.emplace();
            found->last_sequence = record.sequence();
            found->ended = true;
          }
          // Files are read newest first, records within a file oldest first.
          if (first_in_file) {
            found->tenant = record.tenant();
            found->first_sequence = record.sequence();
            found->first_file = f;
            found->first_offset = position.offset;
            first_in_file = false;
          }
          found->last_sequence =
              std::max(found->last_sequence, record.sequence());
          ++found->records;
          if (Detail(record, kExecutionRecord) == "1") reached_first = true;
          return absl::OkStatus();
        },
        &bad);
    if (!scanned.ok()) {
      return absl::DataLossError(absl::StrCat("reading ", files[f].path, ": ",
                                              scanned.status().message()));
    }
  }
  return found;
}

}  // namespace forge::audit
