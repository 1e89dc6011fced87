// The approval steps of an Execution (DESIGN §5): an execution that needs a
// person's approval records the request, sends approval_required and, when
// the caller asked to wait, stays parked in the ApprovalGate — holding no
// thread and no admission slot — until the approval is decided, expires or
// the wait ends. Admission happens only after an approval.
#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"
#include "google/protobuf/util/time_util.h"
#include "server/approval_records.h"
#include "server/execution.h"

namespace forge::server {

using ::forge::exec::v1::Approval;
using ::google::protobuf::util::TimeUtil;

namespace {

const char* ResolutionName(ApprovalGate::Resolution resolution) {
  switch (resolution) {
    case ApprovalGate::Resolution::kApproved:
      return "approved";
    case ApprovalGate::Resolution::kDenied:
      return "denied";
    case ApprovalGate::Resolution::kExpired:
      return "expired";
    case ApprovalGate::Resolution::kWaitElapsed:
      return "wait_elapsed";
  }
  return "unknown";
}

}  // namespace

void Execution::RefuseToken(const cars::TokenCheck& check) {
  // Forged or unreadable tokens are an authorization failure; a genuine
  // token that does not fit this request is a precondition failure.
  const bool forged = check.refusal == cars::TokenRefusal::kMalformed ||
                      check.refusal == cars::TokenRefusal::kBadSignature;
  const grpc::Status status(forged ? grpc::StatusCode::PERMISSION_DENIED
                                   : grpc::StatusCode::FAILED_PRECONDITION,
                            check.message);
  context_.log->info(
      "execution_id={} event=token_refused refusal={} tenant={} principal={}",
      id_, cars::TokenRefusalName(check.refusal), caller_.tenant,
      caller_.principal);
  // Answered only once the refusal is on disk.
  absl::Status appended =
      context_.audit.Append(TokenUseRecord(who_, check),
                            [self = shared_from_this(), status](
                                absl::StatusOr<forge::exec::v1::AuditRecord>) {
                              self->FinishEarly(status);
                            });
  if (!appended.ok()) FinishEarly(status);
}

void Execution::RequestApprovalLocked(
    const forge::exec::v1::RiskAssessment& assessment) {
  cars::ApprovalRequest ask{id_,
                            caller_.tenant,
                            caller_.principal,
                            cars::ApprovalRequestDigest(request_),
                            request_.runtime(),
                            assessment};
  Approval approval = context_.approvals.Request(ask);
  approval_id_ = approval.approval_id();
  // approval_required goes out once the request is in the audit trail and
  // in the state file (so a restart cannot lose it silently).
  absl::Status recorded = AppendAuditLocked(
      ApprovalRequestRecord(who_, approval),
      [approval](Execution& self, bool committed) {
        if (!committed) {
          // Nobody may be asked to approve what the trail does not show.
          return self.EndWithoutRunning(
              forge::exec::v1::OUTCOME_INTERNAL_ERROR,
              "the audit log could not record the approval request; the "
              "execution did not run");
        }
        self.context_.approvals.WhenPersisted(
            [self = self.shared_from_this(), approval] {
              {
                absl::MutexLock lock(&self->mutex_);
                self->OnApprovalRequestedLocked(approval);
              }
              self->Drive();
            });
      });
  if (!recorded.ok()) {
    EndWithoutRunning(forge::exec::v1::OUTCOME_INTERNAL_ERROR,
                      absl::StrCat("could not record the approval request: ",
                                   recorded.message()));
  }
}

void Execution::OnApprovalRequestedLocked(const Approval& approval) {
  QueuedEvent required;
  auto* event = required.event.mutable_approval_required();
  event->set_approval_id(approval.approval_id());
  *event->mutable_expires_at() = approval.expires_at();
  Enqueue(std::move(required));
  if (finished_enqueued_) return;
  if (cancelled_ || rpc_done_) {
    return EndWithoutRunning(forge::exec::v1::OUTCOME_CANCELLED,
                             verdict_message_);
  }
  const absl::Duration wait = absl::Nanoseconds(
      TimeUtil::DurationToNanoseconds(request_.approval_wait()));
  if (wait <= absl::ZeroDuration()) {
    return EndWithoutRunning(
        forge::exec::v1::OUTCOME_APPROVAL_PENDING,
        absl::StrCat("approval ", approval.approval_id(),
                     " is pending; once approved, re-submit the identical "
                     "request with its approval_token"));
  }
  context_.log->info(
      "execution_id={} event=waiting_for_approval "
      "approval_id={} wait_ms={}",
      id_, approval.approval_id(), absl::ToInt64Milliseconds(wait));
  waiting_for_approval_ = true;
  approval_wait_handle_ = context_.approvals.Wait(
      approval, absl::Now() + wait,
      [self = shared_from_this()](ApprovalGate::Resolution resolution,
                                  const Approval& decided) {
        self->OnApprovalResolved(resolution, decided);
      });
}

void Execution::OnApprovalResolved(ApprovalGate::Resolution resolution,
                                   const Approval& approval) {
  bool admit = false;
  {
    absl::MutexLock lock(&mutex_);
    if (!waiting_for_approval_) return;  // the wait was withdrawn
    waiting_for_approval_ = false;
    if (finished_enqueued_ || cancelled_ || rpc_done_) return;
    using Resolution = ApprovalGate::Resolution;
    if (resolution != Resolution::kWaitElapsed) {
      QueuedEvent resolved;
      auto* event = resolved.event.mutable_approval_resolved();
      event->set_decision(resolution == Resolution::kApproved
                              ? forge::exec::v1::APPROVAL_DECISION_APPROVED
                          : resolution == Resolution::kDenied
                              ? forge::exec::v1::APPROVAL_DECISION_DENIED
                              : forge::exec::v1::APPROVAL_DECISION_EXPIRED);
      event->set_approver(approval.decided_by());
      event->set_reason(approval.reason());
      Enqueue(std::move(resolved));
    }
    context_.log->info(
        "execution_id={} event=approval_resolved "
        "approval_id={} resolution={}",
        id_, approval_id_, ResolutionName(resolution));
    switch (resolution) {
      case Resolution::kApproved:
        admit = true;
        break;
      case Resolution::kDenied:
        EndWithoutRunning(forge::exec::v1::OUTCOME_APPROVAL_DENIED,
                          absl::StrCat("denied by ", approval.decided_by(),
                                       ": ", approval.reason()));
        break;
      case Resolution::kExpired:
        EndWithoutRunning(forge::exec::v1::OUTCOME_APPROVAL_EXPIRED,
                          absl::StrCat("approval ", approval_id_,
                                       " expired before anyone decided"));
        break;
      case Resolution::kWaitElapsed:
        EndWithoutRunning(
            forge::exec::v1::OUTCOME_APPROVAL_PENDING,
            absl::StrCat("approval ", approval_id_,
                         " is still pending after approval_wait; once "
                         "approved, re-submit the identical request with "
                         "its approval_token"));
        break;
    }
  }
  if (admit) {
    uint64_t ticket = 0;
    absl::Status admitted = context_.admission.Request(
        [self = shared_from_this()](absl::Duration queued) {
          self->OnAdmitted(queued);
        },
        &ticket);
    absl::MutexLock lock(&mutex_);
    admission_ticket_ = ticket;
    if (!admitted.ok()) {
      EndWithoutRunning(
          forge::exec::v1::OUTCOME_INTERNAL_ERROR,
          absl::StrCat("approved, but not admitted: ", admitted.message(),
                       "; re-submit with the approval_token"));
    }
  }
  Drive();
}

void Execution::WithdrawApprovalWaitLocked() {
  waiting_for_approval_ = false;
  context_.approvals.CancelWait(approval_wait_handle_);
}

}  // namespace forge::server
