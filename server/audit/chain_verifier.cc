#include "server/audit/chain_verifier.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "server/audit/canonical.h"
#include "server/audit/record_types.h"

namespace forge::audit {
namespace {

std::string Detail(const forge::exec::v1::AuditRecord& record,
                   const char* key) {
  auto it = record.details().find(key);
  return it == record.details().end() ? std::string() : it->second;
}

std::string DescribeRecovery(const forge::exec::v1::AuditRecord& record) {
  const std::string reason = Detail(record, kRecoveryReason);
  if (reason == "torn_tail") {
    return absl::StrCat(Detail(record, kRecoveryTornBytes),
                        " torn bytes at the end of ",
                        Detail(record, kRecoveryFile), " (offset ",
                        Detail(record, kRecoveryOffset),
                        ") were truncated on restart and preserved as ",
                        Detail(record, kRecoveryPreservedAs));
  }
  return absl::StrCat("after a disk error (", Detail(record, kRecoveryError),
                      "), ", Detail(record, kRecoveryRefusedRecords),
                      " records were refused and never acknowledged");
}

}  // namespace

ChainVerifier::ChainVerifier(std::vector<std::string> trusted_keys,
                             VerifyReport* report)
    : trusted_keys_(std::move(trusted_keys)), report_(report) {
  report_->keys_pinned = !trusted_keys_.empty();
}

void ChainVerifier::Fail(const Location& where, std::string message) {
  if (report_->problem.has_value()) return;
  report_->problem = Problem{where, std::move(message)};
  report_->ok = false;
}

bool ChainVerifier::KeyAllowed(const std::string& public_key,
                               const Location& where) {
  if (trusted_keys_.empty() ||
      std::find(trusted_keys_.begin(), trusted_keys_.end(), public_key) !=
          trusted_keys_.end()) {
    return true;
  }
  Fail(where,
       absl::StrCat("signed with key ", absl::BytesToHexString(public_key),
                    ", which is not one of the trusted public keys"));
  return false;
}

bool ChainVerifier::Add(const forge::exec::v1::AuditRecord& record,
                        const Location& where) {
  if (failed()) return false;
  if (ComputeRecordHash(record) != record.hash()) {
    Fail(where,
         "hash does not match the record's content (the record was altered)");
    return false;
  }
  if (!CheckContinuity(record.sequence(), record.prev_hash(), where)) {
    return false;
  }
  if (record.type() == kChainHeadSigned && !CheckSignature(record, where)) {
    return false;
  }
  if (!CheckExecutionCounter(record, where)) return false;
  if (record.type() == kLogRecovery) {
    report_->recoveries.push_back(Recovery{record.sequence(),
                                           Detail(record, kRecoveryReason),
                                           DescribeRecovery(record)});
  }
  ++report_->records;
  report_->last_sequence = record.sequence();
  report_->last_hash = record.hash();
  return true;
}

bool ChainVerifier::AddLink(uint64_t sequence, const std::string& prev_hash,
                            const std::string& hash,
                            const std::string& body_sha256,
                            const Location& where) {
  if (failed()) return false;
  if (!IsHashHex(prev_hash) || !IsHashHex(hash)) {
    Fail(where, "chain link hashes must be 64 lowercase hex digits");
    return false;
  }
  if (body_sha256.empty()) {
    ++report_->unverifiable_links;
  } else if (ChainHash(prev_hash, body_sha256) != hash) {
    Fail(where, "chain link hash does not match its body digest");
    return false;
  }
  if (!CheckContinuity(sequence, prev_hash, where)) return false;
  report_->last_sequence = sequence;
  report_->last_hash = hash;
  return true;
}

bool ChainVerifier::CheckContinuity(uint64_t sequence,
                                    const std::string& prev_hash,
                                    const Location& where) {
  if (!started_) {
    started_ = true;
    report_->first_sequence = sequence;
    report_->from_genesis = sequence == 1 && prev_hash == kGenesisHash;
    if (sequence == 0) {
      Fail(where, "sequence 0 is not a valid sequence");
      return false;
    }
    if (sequence == 1 && prev_hash != kGenesisHash) {
      Fail(where, "sequence 1 does not start from the genesis hash");
      return false;
    }
    return true;
  }
  if (sequence != report_->last_sequence + 1) {
    Fail(where,
         sequence > report_->last_sequence + 1
             ? absl::StrCat("records missing: expected sequence ",
                            report_->last_sequence + 1, ", found ", sequence)
             : absl::StrCat("out of order: sequence ", sequence, " follows ",
                            report_->last_sequence));
    return false;
  }
  if (prev_hash != report_->last_hash) {
    Fail(where,
         "prev_hash does not match the previous record's hash (a record was "
         "inserted, removed or replaced)");
    return false;
  }
  return true;
}

bool ChainVerifier::CheckSignature(const forge::exec::v1::AuditRecord& record,
                                   const Location& where) {
  uint64_t head_sequence = 0;
  const std::string head_hash = Detail(record, kHeadHash);
  auto signed_at = ParseAuditTime(Detail(record, kSignedAt));
  const std::string signature =
      absl::HexStringToBytes(Detail(record, kSignature));
  const std::string public_key =
      absl::HexStringToBytes(Detail(record, kPublicKey));
  if (!absl::SimpleAtoi(Detail(record, kHeadSequence), &head_sequence) ||
      head_sequence + 1 != record.sequence() ||
      head_hash != record.prev_hash() || !signed_at.ok()) {
    Fail(where,
         "chain_head_signed does not name the head it follows (head_sequence "
         "must be sequence - 1 and head_hash its prev_hash)");
    return false;
  }
  if (!KeyAllowed(public_key, where)) return false;
  ChainHead head;
  head.set_sequence(head_sequence);
  head.set_hash(head_hash);
  *head.mutable_signed_at() = ToTimestamp(*signed_at);
  absl::Status verified =
      VerifyEd25519(public_key, CanonicalHead(head), signature);
  if (!verified.ok()) {
    Fail(where, absl::StrCat("signature of chain head ", head_sequence,
                             " is invalid: ", verified.message()));
    return false;
  }
  ++report_->signatures;
  report_->signed_through = std::max(report_->signed_through, head_sequence);
  report_->signing_keys.insert(absl::BytesToHexString(public_key));
  return true;
}

bool ChainVerifier::CheckExecutionCounter(
    const forge::exec::v1::AuditRecord& record, const Location& where) {
  if (record.execution_id().empty()) return true;
  const std::string counter_text = Detail(record, kExecutionRecord);
  uint64_t counter = 0;
  if (!absl::SimpleAtoi(counter_text, &counter) || counter == 0) {
    Fail(where, "execution record has no valid execution_record counter");
    return false;
  }
  auto [it, inserted] =
      execution_counters_.try_emplace(record.execution_id(), counter);
  if (!inserted) {
    if (counter != it->second + 1) {
      Fail(where, absl::StrCat("execution ", record.execution_id(), ": record ",
                               counter, " follows record ", it->second,
                               " (a record is missing)"));
      return false;
    }
    it->second = counter;
  }
  return true;
}

}  // namespace forge::audit
