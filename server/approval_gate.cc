#include "server/approval_gate.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"
#include "google/protobuf/util/time_util.h"
#include "server/approval_records.h"
#include "server/approval_state_file.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::Approval;
using ::google::protobuf::util::TimeUtil;

absl::StatusOr<absl::Duration> PositiveOr(
    const google::protobuf::Duration& value, absl::Duration fallback,
    absl::string_view field) {
  if (value.seconds() == 0 && value.nanos() == 0) return fallback;
  absl::Duration d =
      absl::Seconds(value.seconds()) + absl::Nanoseconds(value.nanos());
  if (d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be positive"));
  }
  return d;
}

const char* DecisionLabel(ApprovalGate::Resolution resolution) {
  switch (resolution) {
    case ApprovalGate::Resolution::kApproved:
      return "approved";
    case ApprovalGate::Resolution::kDenied:
      return "denied";
    default:
      return "expired";
  }
}

// What a waiter learns from an approval that is no longer pending.
ApprovalGate::Resolution ResolutionOf(const Approval& approval) {
  switch (approval.state()) {
    case forge::exec::v1::APPROVAL_STATE_APPROVED:
      return ApprovalGate::Resolution::kApproved;
    case forge::exec::v1::APPROVAL_STATE_DENIED:
      return ApprovalGate::Resolution::kDenied;
    default:
      return ApprovalGate::Resolution::kExpired;
  }
}

}  // namespace

absl::StatusOr<ApprovalGateOptions> ApprovalGateOptions::FromConfig(
    const forge::exec::v1::ServerConfig& config) {
  const forge::exec::v1::ApprovalConfig& approvals = config.approvals();
  ApprovalGateOptions options;
  absl::StatusOr<absl::Duration> ttl =
      PositiveOr(approvals.ttl(), options.ttl, "approvals.ttl");
  if (!ttl.ok()) return ttl.status();
  absl::StatusOr<absl::Duration> token_ttl = PositiveOr(
      approvals.token_ttl(), options.token_ttl, "approvals.token_ttl");
  if (!token_ttl.ok()) return token_ttl.status();
  options.ttl = *ttl;
  options.token_ttl = *token_ttl;
  const std::string& dir = config.audit().dir();
  options.signing_key_path = approvals.signing_key_path().empty()
                                 ? absl::StrCat(dir, "/approval-key.pem")
                                 : approvals.signing_key_path();
  options.state_path = approvals.state_path().empty()
                           ? absl::StrCat(dir, "/approvals.binpb")
                           : approvals.state_path();
  return options;
}

absl::StatusOr<std::unique_ptr<ApprovalGate>> ApprovalGate::Open(
    const ApprovalGateOptions& options, audit::AuditLog& audit,
    ServerMetrics& metrics, std::shared_ptr<spdlog::logger> log) {
  for (const std::string& path :
       {options.signing_key_path, options.state_path}) {
    std::error_code ignored;
    std::filesystem::create_directories(
        std::filesystem::path(path).parent_path(), ignored);
  }
  absl::StatusOr<Ed25519PrivateKey> key =
      Ed25519PrivateKey::LoadOrGenerate(options.signing_key_path);
  if (!key.ok()) {
    return absl::Status(
        key.status().code(),
        absl::StrCat("approval token key ", options.signing_key_path, ": ",
                     key.status().message()));
  }
  absl::StatusOr<forge::exec::v1::ListApprovalsResponse> saved =
      LoadApprovals(options.state_path);
  if (!saved.ok()) return saved.status();
  std::unique_ptr<ApprovalGate> gate(new ApprovalGate(
      options, std::make_shared<const Ed25519PrivateKey>(std::move(*key)),
      audit, metrics, std::move(log)));
  // Nobody can be waiting for an approval of the previous process any more.
  std::vector<Approval> expired =
      gate->registry_.Restore(*saved, "server_restart");
  for (const Approval& approval : expired) {
    absl::StatusOr<forge::exec::v1::AuditRecord> recorded =
        audit.AppendAndWait(ApprovalExpiredRecord(approval, "server_restart"));
    if (!recorded.ok()) return recorded.status();
    metrics.ApprovalDecided("expired");
    gate->log_->info(
        "event=approval_expired approval_id={} execution_id={} "
        "reason=server_restart",
        approval.approval_id(), approval.execution_id());
  }
  if (absl::Status written = gate->WriteState(); !written.ok()) return written;
  metrics.SetApprovalsPending(gate->registry_.pending());
  gate->timer_ = std::thread([g = gate.get()] { g->TimerLoop(); });
  return gate;
}

ApprovalGate::ApprovalGate(const ApprovalGateOptions& options,
                           std::shared_ptr<const Ed25519PrivateKey> key,
                           audit::AuditLog& audit, ServerMetrics& metrics,
                           std::shared_ptr<spdlog::logger> log)
    : options_(options),
      signer_(std::move(key)),
      audit_(audit),
      metrics_(metrics),
      log_(std::move(log)) {}

ApprovalGate::~ApprovalGate() { Close(); }

void ApprovalGate::Close() {
  {
    absl::MutexLock lock(&mutex_);
    if (closing_) return;
    closing_ = true;
    wake_.Signal();
  }
  if (timer_.joinable()) timer_.join();
  std::vector<ResolveCallback> dropped;
  {
    absl::MutexLock lock(&mutex_);
    for (auto& [handle, waiter] : waiters_)
      dropped.push_back(std::move(waiter.done));
    waiters_.clear();
    ready_.clear();
  }
  if (absl::Status written = WriteState(); !written.ok()) {
    log_->error("event=approval_state_write_failed error=\"{}\"",
                written.message());
  }
}

Approval ApprovalGate::Request(const cars::ApprovalRequest& request) {
  Approval approval = registry_.Create(request, options_.ttl, absl::Now());
  metrics_.SetApprovalsPending(registry_.pending());
  MarkDirty();
  log_->info(
      "event=approval_requested approval_id={} execution_id={} tenant={} "
      "requester={}",
      approval.approval_id(), approval.execution_id(), approval.tenant(),
      approval.requester());
  return approval;
}

void ApprovalGate::WhenPersisted(absl::AnyInvocable<void() &&> done) {
  absl::MutexLock lock(&mutex_);
  persist_waiters_.push_back(std::move(done));
  wake_.Signal();
}

uint64_t ApprovalGate::Wait(const Approval& approval, absl::Time deadline,
                            ResolveCallback done) {
  absl::StatusOr<Approval> now =
      registry_.Get(approval.tenant(), approval.approval_id());
  absl::MutexLock lock(&mutex_);
  const uint64_t handle = next_handle_++;
  if (!now.ok() || now->state() != forge::exec::v1::APPROVAL_STATE_PENDING) {
    ready_.push_back(Ready{now.ok() ? ResolutionOf(*now) : Resolution::kExpired,
                           now.ok() ? *now : approval, std::move(done)});
  } else if (waits_ended_) {
    // Draining: a wait that starts now ends at once, like those EndWaits
    // ended.
    ready_.push_back(Ready{Resolution::kWaitElapsed, *now, std::move(done)});
  } else {
    waiters_.emplace(handle,
                     Waiter{approval.approval_id(), deadline, std::move(done)});
  }
  wake_.Signal();
  return handle;
}

bool ApprovalGate::CancelWait(uint64_t handle) {
  absl::MutexLock lock(&mutex_);
  wake_.Signal();  // the timer thread updates the waits gauge
  return waiters_.erase(handle) > 0;
}

void ApprovalGate::EndWaits() {
  absl::MutexLock lock(&mutex_);
  waits_ended_ = true;
  for (auto& [handle, waiter] : waiters_) {
    Approval snapshot;
    snapshot.set_approval_id(waiter.approval_id);
    ready_.push_back(
        Ready{Resolution::kWaitElapsed, snapshot, std::move(waiter.done)});
  }
  waiters_.clear();
  wake_.Signal();
}

void ApprovalGate::Decide(const auth::Caller& caller,
                          const forge::exec::v1::DecideApprovalRequest& request,
                          DecideCallback done) {
  if (absl::Status health = audit_.Health(); !health.ok()) {
    return std::move(done)(health);
  }
  const absl::Time now = absl::Now();
  absl::StatusOr<Approval> decided =
      registry_.Decide(caller.tenant, request.approval_id(), caller.principal,
                       request.decision(), request.reason(), now);
  if (!decided.ok()) return std::move(done)(decided.status());
  const bool approved =
      decided->state() == forge::exec::v1::APPROVAL_STATE_APPROVED;
  const absl::Time token_expires_at = now + options_.token_ttl;
  // A tool call's approval lets that one call run; there is nothing to
  // re-submit, so no token.
  if (approved && !decided->has_tool_call()) {
    cars::ApprovalGrant grant{
        decided->approval_id(), decided->tenant(),
        decided->requester(),   decided->code_sha256(),
        decided->runtime(),     decided->assessment().policy_version(),
        token_expires_at};
    absl::StatusOr<std::string> token = signer_.Issue(grant);
    if (!token.ok()) {
      log_->error("event=approval_token_failed approval_id={} error=\"{}\"",
                  decided->approval_id(), token.status().message());
    } else {
      registry_.AttachToken(decided->approval_id(), *token, token_expires_at);
      decided->set_approval_token(*token);
      *decided->mutable_expires_at() =
          TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(token_expires_at));
    }
  }
  metrics_.SetApprovalsPending(registry_.pending());
  MarkDirty();
  log_->info(
      "event=approval_decided approval_id={} execution_id={} tenant={} "
      "approver={} decision={}",
      decided->approval_id(), decided->execution_id(), decided->tenant(),
      caller.principal, approved ? "approved" : "denied");
  // The reply and the waiting execution both wait for the record.
  auto finish = [this, approval = *decided](DecideCallback reply) mutable {
    const Resolution resolution = ResolutionOf(approval);
    metrics_.ApprovalDecided(DecisionLabel(resolution));
    ResolveWaiters(approval, resolution);
    WhenPersisted([reply = std::move(reply), approval]() mutable {
      std::move(reply)(std::move(approval));
    });
  };
  auto reply = std::make_shared<DecideCallback>(std::move(done));
  absl::Status appended = audit_.Append(
      ApprovalResponseRecord(*decided, token_expires_at),
      [finish, reply](absl::StatusOr<forge::exec::v1::AuditRecord>) mutable {
        finish(std::move(*reply));
      });
  if (!appended.ok()) {
    log_->error("event=audit_failed approval_id={} error=\"{}\"",
                decided->approval_id(), appended.message());
    finish(std::move(*reply));
  }
}

absl::StatusOr<forge::exec::v1::ListApprovalsResponse> ApprovalGate::List(
    const auth::Caller& caller,
    const forge::exec::v1::ListApprovalsRequest& request) const {
  return registry_.List(caller.tenant, request.state(), request.page_size(),
                        request.page_token());
}

cars::TokenCheck ApprovalGate::CheckToken(
    const forge::exec::v1::ExecuteRequest& request, const auth::Caller& caller,
    const std::string& policy_version) const {
  cars::ApprovalGrant expected;
  expected.tenant = caller.tenant;
  expected.requester = caller.principal;
  expected.request_sha256 = cars::ApprovalRequestDigest(request);
  expected.runtime = request.runtime();
  expected.policy_version = policy_version;
  return signer_.Check(request.approval_token(), expected, absl::Now());
}

void ApprovalGate::ResolveWaiters(const Approval& approval,
                                  Resolution resolution) {
  absl::MutexLock lock(&mutex_);
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.approval_id != approval.approval_id()) {
      ++it;
      continue;
    }
    ready_.push_back(Ready{resolution, approval, std::move(it->second.done)});
    waiters_.erase(it++);
  }
  wake_.Signal();
}

void ApprovalGate::MarkDirty() {
  absl::MutexLock lock(&mutex_);
  dirty_ = true;
  wake_.Signal();
}

void ApprovalGate::TimerLoop() {
  absl::MutexLock lock(&mutex_);
  while (!closing_) {
    const absl::Time now = absl::Now();
    // Waits whose approval_wait ran out end as still pending.
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      Approval snapshot;
      snapshot.set_approval_id(it->second.approval_id);
      ready_.push_back(Ready{Resolution::kWaitElapsed, snapshot,
                             std::move(it->second.done)});
      waiters_.erase(it++);
    }
    metrics_.SetApprovalWaits(waiters_.size());
    std::vector<Ready> ready = std::move(ready_);
    ready_.clear();
    std::vector<Approval> expired = registry_.ExpireDue(now);
    std::vector<absl::AnyInvocable<void()&&>> persisted =
        std::move(persist_waiters_);
    persist_waiters_.clear();
    const bool write =
        std::exchange(dirty_, false) || !expired.empty() || !persisted.empty();
    if (!ready.empty() || !expired.empty() || write) {
      mutex_.Unlock();
      for (Ready& r : ready) std::move(r.done)(r.resolution, r.approval);
      RecordExpired(std::move(expired));
      if (write) {
        if (absl::Status written = WriteState(); !written.ok()) {
          log_->error("event=approval_state_write_failed error=\"{}\"",
                      written.message());
        }
      }
      for (auto& done : persisted) std::move(done)();
      mutex_.Lock();
      continue;
    }
    absl::Time next = registry_.NextExpiry();
    for (const auto& [handle, waiter] : waiters_)
      next = std::min(next, waiter.deadline);
    if (!ready_.empty() || dirty_ || !persist_waiters_.empty()) continue;
    wake_.WaitWithDeadline(&mutex_, next);
  }
}

void ApprovalGate::RecordExpired(std::vector<Approval> expired) {
  if (expired.empty()) return;
  metrics_.SetApprovalsPending(registry_.pending());
  for (Approval& approval : expired) {
    log_->info("event=approval_expired approval_id={} execution_id={}",
               approval.approval_id(), approval.execution_id());
    auto finish = [this, approval] {
      metrics_.ApprovalDecided("expired");
      ResolveWaiters(approval, Resolution::kExpired);
    };
    absl::Status appended = audit_.Append(
        ApprovalExpiredRecord(approval, "ttl"),
        [finish](absl::StatusOr<forge::exec::v1::AuditRecord>) { finish(); });
    if (!appended.ok()) {
      log_->error("event=audit_failed approval_id={} error=\"{}\"",
                  approval.approval_id(), appended.message());
      finish();
    }
  }
}

absl::Status ApprovalGate::WriteState() {
  return SaveApprovals(options_.state_path, registry_.Snapshot());
}

}  // namespace forge::server
