#include "server/audit/audit_log.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/status_macros.h"
#include "server/audit/canonical.h"
#include "server/audit/log_file.h"
#include "server/audit/record_types.h"

namespace forge::audit {

absl::Status AuditLog::Unavailable(absl::string_view why) {
  return absl::UnavailableError(absl::StrCat(
      "audit log unavailable: ", why,
      "; new executions are refused until the audit log can write again"));
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    const AuditLogOptions& options,
    std::shared_ptr<const Ed25519PrivateKey> signer, const Clock& clock) {
  if (signer == nullptr) return absl::InvalidArgumentError("no signing key");
  FORGE_ASSIGN_OR_RETURN(
      RecoveredLog recovered,
      RecoverLog(*options.storage, options.dir, options.memory));
  if (!options.public_key_path.empty()) {
    FORGE_ASSIGN_OR_RETURN(std::string pem,
                           Ed25519PublicKeyToPem(signer->public_key()));
    FORGE_RETURN_IF_ERROR(options.storage->WriteFileAtomically(
        options.public_key_path, pem, 0644));
  }
  const LogState& state = recovered.state;
  const uint64_t last = state.next_sequence - 1;
  const bool unsigned_head =
      last > 0 &&
      (state.signatures.empty() || state.signatures.back().sequence + 1 < last);
  std::unique_ptr<AuditLog> log(new AuditLog(options, std::move(signer), clock,
                                             std::move(recovered.state)));
  FORGE_RETURN_IF_ERROR(log->OpenActiveFile());
  bool recovering = false;
  {
    absl::MutexLock lock(&log->mutex_);
    for (AuditRecord& record : recovered.recoveries) {
      log->queue_.push_back(Pending{std::move(record), nullptr});
      recovering = true;
    }
  }
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  if (unsigned_head || recovering) {
    FORGE_RETURN_IF_ERROR(log->SignHeadFor("open").status());
  }
  return log;
}

AuditLog::AuditLog(const AuditLogOptions& options,
                   std::shared_ptr<const Ed25519PrivateKey> signer,
                   const Clock& clock, LogState state)
    : options_(options),
      signer_(std::move(signer)),
      clock_(clock),
      state_(std::move(state)) {}

AuditLog::~AuditLog() { Close().IgnoreError(); }

absl::Status AuditLog::OpenActiveFile() {
  last_sign_ = absl::Now();
  absl::MutexLock lock(&mutex_);
  if (state_.files.empty()) {
    const std::string path =
        absl::StrCat(options_.dir, "/", LogFileName(state_.next_sequence));
    FORGE_ASSIGN_OR_RETURN(file_, options_.storage->OpenAppend(path));
    FORGE_RETURN_IF_ERROR(options_.storage->SyncDir(options_.dir));
    state_.files.push_back(LogFileInfo{state_.next_sequence, path, 0});
    return absl::OkStatus();
  }
  FORGE_ASSIGN_OR_RETURN(
      file_, options_.storage->OpenAppend(state_.files.back().path));
  if (file_->size() != state_.files.back().bytes) {
    return absl::DataLossError(absl::StrCat(
        state_.files.back().path, " changed size while the log was opening"));
  }
  return absl::OkStatus();
}

absl::Status AuditLog::Append(AuditRecord record, CommitCallback on_commit) {
  std::vector<Pending> one;
  one.push_back(Pending{std::move(record), std::move(on_commit)});
  return AppendAll(std::move(one));
}

absl::Status AuditLog::Refusal(const AuditRecord& record) const {
  if (record.type().empty()) {
    return absl::InvalidArgumentError("audit record has no type");
  }
  if (record.type() == kChainHeadSigned || record.type() == kLogRecovery) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audit record type ", record.type(), " is reserved for the log"));
  }
  if (!options_.log_raw_code && record.details().count(kCode) > 0) {
    return absl::InvalidArgumentError(
        "audit record carries raw code, which the configuration forbids");
  }
  return absl::OkStatus();
}

absl::Status AuditLog::AppendAll(std::vector<Pending> records) {
  absl::Status refused;
  for (const Pending& item : records) {
    refused = Refusal(item.record);
    if (!refused.ok()) break;
  }
  if (refused.ok()) {
    absl::MutexLock lock(&mutex_);
    // A late record (an approval decided after its execution ended) of an
    // execution the index let go: find it here, on the caller's thread and
    // without the lock, never on the writer's. Every other record takes the
    // lock once and never reads the files.
    for (const Pending& item : records) {
      if (!DroppedFromIndex(item.record)) continue;
      mutex_.Unlock();
      RecallExecution(item.record.execution_id()).IgnoreError();
      mutex_.Lock();
    }
    if (closing_ || closed_) {
      refused = Unavailable("the log is closed");
    } else if (!health_.ok()) {
      refused = health_;
    } else if (queue_.size() + records.size() > options_.queue_capacity) {
      refused = Unavailable(absl::StrCat("its queue is full (",
                                         options_.queue_capacity, " records)"));
    } else {
      const bool was_empty = queue_.empty();
      for (Pending& item : records) {
        if (!item.record.execution_id().empty()) {
          CountInFlight(item);
        }
        queue_.push_back(std::move(item));
      }
      if (was_empty && !queue_.empty()) wake_writer_.Signal();
      return absl::OkStatus();
    }
  }
  if (options_.observer != nullptr) options_.observer->OnAppendRefused(refused);
  return refused;
}

void AuditLog::CountInFlight(Pending& item) {
  // Counted until the record is committed or refused (on_commit runs exactly
  // once either way).
  std::string id = item.record.execution_id();
  ++in_flight_[id];
  item.on_commit = [this, id = std::move(id),
                    inner = std::move(item.on_commit)](
                       absl::StatusOr<AuditRecord> result) mutable {
    {
      absl::MutexLock lock(&mutex_);
      auto it = in_flight_.find(id);
      if (it != in_flight_.end() && --it->second == 0) {
        in_flight_.erase(it);
        state_.executions.Release(id);
      }
    }
    if (inner) inner(std::move(result));
  };
}

bool AuditLog::DroppedFromIndex(const AuditRecord& record) const {
  return !record.execution_id().empty() &&
         MayFollowExecutionEnd(record.type()) &&
         state_.executions.dropped_any() &&
         state_.executions.Find(record.execution_id()) == nullptr &&
         !in_flight_.contains(record.execution_id());
}

absl::Status AuditLog::RecallExecution(const std::string& execution_id) {
  std::vector<LogFileInfo> files;
  {
    absl::MutexLock lock(&mutex_);
    files = state_.files;
  }
  FORGE_ASSIGN_OR_RETURN(
      std::optional<ExecutionEntry> entry,
      FindExecutionInFiles(*options_.storage, files, execution_id));
  if (entry) {
    absl::MutexLock lock(&mutex_);
    state_.executions.Recall(execution_id, std::move(*entry));
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditRecord> AuditLog::AppendAndWait(AuditRecord record) {
  absl::Notification done;
  absl::StatusOr<AuditRecord> result;
  FORGE_RETURN_IF_ERROR(
      Append(std::move(record), [&](absl::StatusOr<AuditRecord> committed) {
        result = std::move(committed);
        done.Notify();
      }));
  done.WaitForNotification();
  return result;
}

absl::Status AuditLog::Health() const {
  absl::MutexLock lock(&mutex_);
  if (closed_ || closing_) return Unavailable("the log is closed");
  return health_;
}

uint64_t AuditLog::committed_records() const {
  absl::MutexLock lock(&mutex_);
  return committed_records_;
}

absl::StatusOr<SignedHead> AuditLog::SignHeadFor(std::string reason) {
  absl::Notification done;
  absl::StatusOr<SignedHead> result;
  {
    absl::MutexLock lock(&mutex_);
    if (closed_) return Unavailable("the log is closed");
    if (!health_.ok()) return health_;
    sign_requests_.push_back(
        SignRequest{std::move(reason), [&](absl::StatusOr<SignedHead> head) {
                      result = std::move(head);
                      done.Notify();
                    }});
    wake_writer_.Signal();
  }
  done.WaitForNotification();
  return result;
}

absl::Status AuditLog::Close() {
  {
    absl::MutexLock lock(&mutex_);
    if (closed_) return close_status_;
    closing_ = true;
    wake_writer_.Signal();
  }
  if (writer_.joinable()) writer_.join();
  absl::MutexLock lock(&mutex_);
  closed_ = true;
  return close_status_;
}

void AuditLog::WriterLoop() {
  for (;;) {
    Batch batch;
    bool stop = false;
    bool retry = false;
    {
      absl::MutexLock lock(&mutex_);
      for (;;) {
        const uint64_t last = state_.next_sequence - 1;
        const bool unsigned_head =
            last > 0 && (state_.signatures.empty() ||
                         state_.signatures.back().sequence + 1 < last);
        absl::Time deadline = absl::InfiniteFuture();
        if (!failure_.ok()) {
          deadline = next_retry_;
        } else if (unsigned_head) {
          deadline = last_sign_ + options_.sign_interval;
        }
        if (!queue_.empty() || !sign_requests_.empty() || closing_ ||
            absl::Now() >= deadline) {
          break;
        }
        wake_writer_.WaitWithDeadline(&mutex_, deadline);
      }
      const uint64_t last = state_.next_sequence - 1;
      const bool unsigned_head =
          last > 0 && (state_.signatures.empty() ||
                       state_.signatures.back().sequence + 1 < last);
      if (!failure_.ok()) {
        batch.sign_requests = std::move(sign_requests_);
        sign_requests_.clear();
        retry = !closing_ && absl::Now() >= next_retry_;
        stop = closing_;
        if (stop) close_status_ = failure_;
      } else {
        const size_t n = std::min(queue_.size(), options_.max_batch_records);
        for (size_t i = 0; i < n; ++i) {
          batch.items.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        batch.sign_requests = std::move(sign_requests_);
        sign_requests_.clear();
        const bool will_be_unsigned = unsigned_head || !batch.items.empty();
        if (!batch.sign_requests.empty() && will_be_unsigned) {
          batch.sign_reason = batch.sign_requests.front().reason;
        } else if (closing_ && queue_.empty()) {
          stop = true;
          if (will_be_unsigned) batch.sign_reason = "shutdown";
        } else if (will_be_unsigned &&
                   absl::Now() >= last_sign_ + options_.sign_interval) {
          batch.sign_reason = "interval";
        }
      }
    }
    if (!failure_.ok()) {
      for (SignRequest& request : batch.sign_requests) {
        request.done(Unavailable(failure_.message()));
      }
      if (stop) return;
      if (retry) TryLeaveFailure();
      continue;
    }
    if (!batch.items.empty() || !batch.sign_reason.empty()) {
      // A failed write has already put the log into failure.
      absl::Status written = WriteBatch(batch);
      if (written.ok() && file_->size() >= options_.rotate_bytes) {
        absl::Status rotated = Rotate();
        if (!rotated.ok()) EnterFailure(rotated, 0);
      }
    } else {
      absl::StatusOr<SignedHead> newest;
      {
        absl::MutexLock lock(&mutex_);
        if (state_.signatures.empty()) {
          newest = absl::FailedPreconditionError("the log holds no records");
        } else {
          newest = state_.signatures.back();
        }
      }
      for (SignRequest& request : batch.sign_requests) request.done(newest);
    }
    if (stop) {
      absl::Status finished = failure_;
      if (finished.ok()) finished = file_->Truncate(file_->size());
      if (finished.ok()) finished = file_->Sync();
      absl::MutexLock lock(&mutex_);
      if (close_status_.ok()) close_status_ = finished;
      return;
    }
  }
}

}  // namespace forge::audit
