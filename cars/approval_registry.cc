#include "cars/approval_registry.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"

namespace forge::cars {
namespace {

using ::forge::exec::v1::Approval;
using ::forge::exec::v1::ApprovalState;
using ::forge::exec::v1::DecideApprovalRequest;
using ::google::protobuf::util::TimeUtil;

constexpr absl::string_view kPageTokenPrefix = "after:";

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

absl::Status NotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("approval ", id, " not found"));
}

}  // namespace

ApprovalRegistry::ApprovalRegistry(size_t max_decided)
    : max_decided_(max_decided) {}

Approval ApprovalRegistry::Create(const ApprovalRequest& request,
                                  absl::Duration ttl, absl::Time now) {
  Approval approval;
  approval.set_execution_id(request.execution_id);
  approval.set_tenant(request.tenant);
  approval.set_requester(request.requester);
  approval.set_code_sha256(request.request_sha256);
  approval.set_runtime(request.runtime);
  *approval.mutable_assessment() = request.assessment;
  if (!request.tool_call.tool().empty())
    *approval.mutable_tool_call() = request.tool_call;
  approval.set_state(forge::exec::v1::APPROVAL_STATE_PENDING);
  *approval.mutable_created_at() = ToProto(now);
  *approval.mutable_expires_at() = ToProto(now + ttl);
  absl::MutexLock lock(&mutex_);
  approval.set_approval_id(absl::StrFormat("ap_%016x%08x",
                                           absl::Uniform<uint64_t>(bits_),
                                           absl::Uniform<uint32_t>(bits_)));
  InsertLocked(approval);
  return approval;
}

absl::StatusOr<Approval> ApprovalRegistry::Get(absl::string_view tenant,
                                               absl::string_view id) const {
  absl::MutexLock lock(&mutex_);
  auto it = seq_of_.find(id);
  if (it == seq_of_.end()) return NotFound(id);
  const Approval& approval = by_seq_.at(it->second);
  if (approval.tenant() != tenant) return NotFound(id);
  return approval;
}

absl::StatusOr<forge::exec::v1::ListApprovalsResponse> ApprovalRegistry::List(
    absl::string_view tenant, ApprovalState state, int page_size,
    absl::string_view page_token) const {
  if (page_size < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  if (page_size == 0) page_size = kDefaultPageSize;
  page_size = std::min(page_size, kMaxPageSize);
  uint64_t after = 0;
  if (!page_token.empty() &&
      (!absl::ConsumePrefix(&page_token, kPageTokenPrefix) ||
       !absl::SimpleAtoi(page_token, &after))) {
    return absl::InvalidArgumentError(
        "page_token: not a next_page_token of ListApprovals");
  }
  forge::exec::v1::ListApprovalsResponse response;
  absl::MutexLock lock(&mutex_);
  for (auto it = by_seq_.upper_bound(after); it != by_seq_.end(); ++it) {
    const Approval& approval = it->second;
    if (approval.tenant() != tenant) continue;
    if (state != forge::exec::v1::APPROVAL_STATE_UNSPECIFIED &&
        approval.state() != state) {
      continue;
    }
    if (response.approvals_size() == page_size) {
      // There is at least one more: the next page starts after the last
      // one returned.
      response.set_next_page_token(
          absl::StrCat(kPageTokenPrefix, std::prev(it)->first));
      break;
    }
    *response.add_approvals() = approval;
  }
  // std::prev(it) above is the last approval scanned, which may be one of
  // another tenant; that is fine: the next page starts after it.
  return response;
}

absl::StatusOr<Approval> ApprovalRegistry::Decide(
    absl::string_view tenant, absl::string_view id, absl::string_view decider,
    DecideApprovalRequest::Decision decision, absl::string_view reason,
    absl::Time now) {
  absl::MutexLock lock(&mutex_);
  Approval* approval = FindLocked(tenant, id);
  if (approval == nullptr) return NotFound(id);
  if (decision != DecideApprovalRequest::DECISION_APPROVE &&
      decision != DecideApprovalRequest::DECISION_DENY) {
    return absl::InvalidArgumentError(
        "decision: DECISION_APPROVE or DECISION_DENY");
  }
  if (decision == DecideApprovalRequest::DECISION_DENY &&
      absl::StripAsciiWhitespace(reason).empty()) {
    return absl::InvalidArgumentError("reason: required to deny");
  }
  if (approval->requester() == decider) {
    return absl::PermissionDeniedError(
        "the requester of an execution cannot decide its approval");
  }
  if (approval->state() != forge::exec::v1::APPROVAL_STATE_PENDING) {
    return absl::FailedPreconditionError(
        absl::StrCat("approval ", id, " is already ",
                     forge::exec::v1::ApprovalState_Name(approval->state()),
                     approval->decided_by().empty()
                         ? std::string()
                         : absl::StrCat(" (by ", approval->decided_by(), ")")));
  }
  if (now >= FromProto(approval->expires_at())) {
    return absl::FailedPreconditionError(
        absl::StrCat("approval ", id, " has expired"));
  }
  approval->set_state(decision == DecideApprovalRequest::DECISION_APPROVE
                          ? forge::exec::v1::APPROVAL_STATE_APPROVED
                          : forge::exec::v1::APPROVAL_STATE_DENIED);
  approval->set_decided_by(std::string(decider));
  approval->set_reason(std::string(reason));
  --pending_;
  Approval decided = *approval;
  PruneLocked();
  return decided;
}

void ApprovalRegistry::AttachToken(absl::string_view id, std::string token,
                                   absl::Time token_expires_at) {
  absl::MutexLock lock(&mutex_);
  auto it = seq_of_.find(id);
  if (it == seq_of_.end()) return;
  Approval& approval = by_seq_.at(it->second);
  approval.set_approval_token(std::move(token));
  *approval.mutable_expires_at() = ToProto(token_expires_at);
}

std::vector<Approval> ApprovalRegistry::ExpireDue(absl::Time now) {
  std::vector<Approval> expired;
  absl::MutexLock lock(&mutex_);
  if (pending_ == 0) return expired;
  for (auto& [seq, approval] : by_seq_) {
    if (approval.state() != forge::exec::v1::APPROVAL_STATE_PENDING ||
        FromProto(approval.expires_at()) > now) {
      continue;
    }
    approval.set_state(forge::exec::v1::APPROVAL_STATE_EXPIRED);
    --pending_;
    expired.push_back(approval);
  }
  PruneLocked();
  return expired;
}

absl::Time ApprovalRegistry::NextExpiry() const {
  absl::Time next = absl::InfiniteFuture();
  absl::MutexLock lock(&mutex_);
  if (pending_ == 0) return next;
  for (const auto& [seq, approval] : by_seq_) {
    if (approval.state() == forge::exec::v1::APPROVAL_STATE_PENDING)
      next = std::min(next, FromProto(approval.expires_at()));
  }
  return next;
}

size_t ApprovalRegistry::pending() const {
  absl::MutexLock lock(&mutex_);
  return pending_;
}

forge::exec::v1::ListApprovalsResponse ApprovalRegistry::Snapshot() const {
  forge::exec::v1::ListApprovalsResponse snapshot;
  absl::MutexLock lock(&mutex_);
  for (const auto& [seq, approval] : by_seq_)
    *snapshot.add_approvals() = approval;
  return snapshot;
}

std::vector<Approval> ApprovalRegistry::Restore(
    const forge::exec::v1::ListApprovalsResponse& snapshot,
    absl::string_view reason) {
  std::vector<Approval> expired;
  absl::MutexLock lock(&mutex_);
  for (Approval approval : snapshot.approvals()) {
    if (approval.approval_id().empty() ||
        seq_of_.contains(approval.approval_id())) {
      continue;
    }
    if (approval.state() == forge::exec::v1::APPROVAL_STATE_PENDING) {
      approval.set_state(forge::exec::v1::APPROVAL_STATE_EXPIRED);
      approval.set_reason(std::string(reason));
      expired.push_back(approval);
    }
    InsertLocked(std::move(approval));
  }
  PruneLocked();
  return expired;
}

Approval* ApprovalRegistry::FindLocked(absl::string_view tenant,
                                       absl::string_view id) {
  auto it = seq_of_.find(id);
  if (it == seq_of_.end()) return nullptr;
  Approval& approval = by_seq_.at(it->second);
  return approval.tenant() == tenant ? &approval : nullptr;
}

void ApprovalRegistry::InsertLocked(Approval approval) {
  const uint64_t seq = next_seq_++;
  if (approval.state() == forge::exec::v1::APPROVAL_STATE_PENDING) ++pending_;
  seq_of_[approval.approval_id()] = seq;
  by_seq_.emplace(seq, std::move(approval));
}

void ApprovalRegistry::PruneLocked() {
  size_t decided = by_seq_.size() - pending_;
  for (auto it = by_seq_.begin();
       decided > max_decided_ && it != by_seq_.end();) {
    if (it->second.state() == forge::exec::v1::APPROVAL_STATE_PENDING) {
      ++it;
      continue;
    }
    seq_of_.erase(it->second.approval_id());
    it = by_seq_.erase(it);
    --decided;
  }
}

}  // namespace forge::cars
