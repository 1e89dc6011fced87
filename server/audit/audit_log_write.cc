// AuditLog's writer-thread side: sealing a batch, the one write and fsync
// that commit it, signing, rotation, and entering and leaving failure.
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/audit/audit_log.h"
#include "server/audit/canonical.h"
#include "server/audit/log_file.h"
#include "server/audit/record_types.h"

namespace forge::audit {

absl::StatusOr<AuditRecord> AuditLog::MakeSignatureRecord(
    const std::string& reason) {
  AuditRecord record;
  record.set_type(kChainHeadSigned);
  auto& details = *record.mutable_details();
  details[kSignReason] = reason;
  details[kPublicKey] = absl::BytesToHexString(signer_->public_key());
  return record;
}

void AuditLog::FailBatch(Batch& batch, const absl::Status& error) {
  const absl::Status refused = Unavailable(error.message());
  for (Pending& item : batch.items) {
    if (item.on_commit) item.on_commit(refused);
  }
  for (SignRequest& request : batch.sign_requests) request.done(refused);
}

absl::Status AuditLog::WriteBatch(Batch& batch) {
  uint64_t sequence;
  std::string prev_hash;
  absl::flat_hash_map<std::string, uint64_t> counters;
  {
    absl::MutexLock lock(&mutex_);
    sequence = state_.next_sequence;
    prev_hash = state_.last_hash;
    for (const Pending& item : batch.items) {
      const std::string& id = item.record.execution_id();
      if (id.empty() || counters.contains(id)) continue;
      const ExecutionEntry* entry = state_.executions.Find(id);
      counters[id] = entry == nullptr ? 0 : entry->records;
    }
  }
  const absl::Time now = clock_.Now();
  const google::protobuf::Timestamp time = ToTimestamp(now);
  const uint64_t start = file_->size();
  std::string buffer;
  std::vector<uint64_t> offsets;
  offsets.reserve(batch.items.size() + 1);
  auto seal = [&](AuditRecord& record) {
    record.set_sequence(sequence++);
    *record.mutable_time() = time;
    SanitizeUtf8(&record);
    if (!record.execution_id().empty()) {
      (*record.mutable_details())[kExecutionRecord] =
          absl::StrCat(++counters[record.execution_id()]);
    }
    offsets.push_back(start + buffer.size());
    buffer += SealRecord(prev_hash, &record);
    prev_hash = record.hash();
  };
  for (Pending& item : batch.items) seal(item.record);
  std::optional<AuditRecord> signature;
  if (!batch.sign_reason.empty()) {
    FORGE_ASSIGN_OR_RETURN(signature, MakeSignatureRecord(batch.sign_reason));
    ChainHead head;
    head.set_sequence(sequence - 1);
    head.set_hash(prev_hash);
    *head.mutable_signed_at() = time;
    absl::StatusOr<std::string> signed_head =
        signer_->Sign(CanonicalHead(head));
    if (!signed_head.ok()) {
      EnterFailure(signed_head.status(), batch.items.size());
      FailBatch(batch, signed_head.status());
      return signed_head.status();
    }
    auto& details = *signature->mutable_details();
    details[kHeadSequence] = absl::StrCat(head.sequence());
    details[kHeadHash] = head.hash();
    details[kSignedAt] = FormatAuditTime(now);
    details[kSignature] = absl::BytesToHexString(*signed_head);
    seal(*signature);
  }

  const absl::Time write_start = absl::Now();
  absl::Status status = file_->Append(buffer);
  const absl::Time sync_start = absl::Now();
  if (status.ok()) status = file_->Sync();
  const absl::Time sync_end = absl::Now();
  if (!status.ok()) {
    // Take back whatever part of the batch reached the file; if even that
    // fails, the next Open() cuts it off as a torn or unacknowledged tail.
    file_->Truncate(start).IgnoreError();
    uint64_t refused = 0;
    for (const Pending& item : batch.items) {
      refused += item.record.type() != kLogRecovery;
    }
    // Unhealthy before anyone hears of the failure, so no caller that saw
    // its record refused can still start an execution.
    EnterFailure(status, refused);
    FailBatch(batch, status);
    return status;
  }

  std::optional<SignedHead> newest;
  {
    absl::MutexLock lock(&mutex_);
    size_t i = 0;
    for (const Pending& item : batch.items) {
      IndexRecord(item.record, offsets[i++], &state_);
    }
    if (signature) IndexRecord(*signature, offsets[i++], &state_);
    state_.files.back().bytes = file_->size();
    committed_records_ += offsets.size();
    if (!state_.signatures.empty()) newest = state_.signatures.back();
  }
  if (options_.observer != nullptr) {
    options_.observer->OnBatchCommitted(offsets.size(), buffer.size(),
                                        sync_start - write_start,
                                        sync_end - sync_start);
  }
  for (Pending& item : batch.items) {
    if (item.on_commit) item.on_commit(std::move(item.record));
  }
  if (signature) {
    last_sign_ = absl::Now();
    if (options_.observer != nullptr) {
      options_.observer->OnHeadSigned(signature->sequence() - 1);
    }
  }
  for (SignRequest& request : batch.sign_requests) {
    if (newest) {
      request.done(*newest);
    } else {
      request.done(absl::FailedPreconditionError("the log holds no records"));
    }
  }
  return absl::OkStatus();
}

absl::Status AuditLog::Rotate() {
  Batch sign;
  sign.sign_reason = "rotation";
  FORGE_RETURN_IF_ERROR(WriteBatch(sign));
  // The finished file keeps only its records, no reserved space.
  FORGE_RETURN_IF_ERROR(file_->Truncate(file_->size()));
  FORGE_RETURN_IF_ERROR(file_->Sync());
  uint64_t next;
  {
    absl::MutexLock lock(&mutex_);
    next = state_.next_sequence;
  }
  const std::string path = absl::StrCat(options_.dir, "/", LogFileName(next));
  FORGE_ASSIGN_OR_RETURN(std::unique_ptr<AppendFile> file,
                         options_.storage->OpenAppend(path));
  FORGE_RETURN_IF_ERROR(options_.storage->SyncDir(options_.dir));
  {
    absl::MutexLock lock(&mutex_);
    state_.files.push_back(LogFileInfo{next, path, file->size()});
  }
  file_ = std::move(file);
  if (options_.observer != nullptr) options_.observer->OnRotated(path);
  return absl::OkStatus();
}

void AuditLog::EnterFailure(const absl::Status& error, uint64_t refused) {
  const bool first = failure_.ok();
  if (first) failure_ = error;
  refused_since_failure_ += refused;
  next_retry_ = absl::Now() + options_.retry_interval;
  std::deque<Pending> queued;
  absl::Status health = Unavailable(failure_.message());
  {
    absl::MutexLock lock(&mutex_);
    health_ = health;
    queued.swap(queue_);
  }
  refused_since_failure_ += queued.size();
  for (Pending& item : queued) {
    if (item.on_commit) item.on_commit(health);
  }
  if (options_.observer != nullptr) {
    options_.observer->OnWriteError(error);
    if (first) options_.observer->OnHealthChanged(health);
  }
}

void AuditLog::TryLeaveFailure() {
  // Start from the last durable byte of the active file, on a fresh handle:
  // the old one may be what failed.
  std::string path;
  uint64_t good_bytes;
  {
    absl::MutexLock lock(&mutex_);
    path = state_.files.back().path;
    good_bytes = state_.files.back().bytes;
  }
  absl::StatusOr<std::unique_ptr<AppendFile>> file =
      options_.storage->OpenAppend(path);
  absl::Status status = file.status();
  if (status.ok()) status = (*file)->Truncate(good_bytes);
  if (status.ok()) {
    file_ = std::move(*file);
    Batch batch;
    AuditRecord note;
    note.set_type(kLogRecovery);
    auto& details = *note.mutable_details();
    details[kRecoveryReason] = "write_error";
    details[kRecoveryError] = std::string(failure_.message());
    details[kRecoveryRefusedRecords] = absl::StrCat(refused_since_failure_);
    batch.items.push_back(Pending{std::move(note), nullptr});
    status = WriteBatch(batch);
  }
  if (!status.ok()) {
    next_retry_ = absl::Now() + options_.retry_interval;
    return;
  }
  failure_ = absl::OkStatus();
  refused_since_failure_ = 0;
  {
    absl::MutexLock lock(&mutex_);
    health_ = absl::OkStatus();
  }
  if (options_.observer != nullptr) {
    options_.observer->OnHealthChanged(absl::OkStatus());
  }
}

}  // namespace forge::audit
