#include "server/approval_records.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/audit/record_types.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::Approval;
using ::forge::exec::v1::AuditRecord;
using ::google::protobuf::util::TimeUtil;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

AuditRecord ForApproval(const Approval& approval, const char* type,
                        absl::string_view principal) {
  AuditRecord record;
  record.set_type(type);
  record.set_tenant(approval.tenant());
  record.set_principal(std::string(principal));
  record.set_execution_id(approval.execution_id());
  auto& details = *record.mutable_details();
  details["approval_id"] = approval.approval_id();
  details["requester"] = approval.requester();
  return record;
}

}  // namespace

AuditRecord ApprovalRequestRecord(const ExecutionIdentity& who,
                                  const Approval& approval) {
  AuditRecord record;
  record.set_type(audit::kApprovalRequest);
  record.set_tenant(who.tenant);
  record.set_principal(who.principal);
  record.set_execution_id(who.execution_id);
  record.set_session_id(who.session_id);
  auto& details = *record.mutable_details();
  details["approval_id"] = approval.approval_id();
  details["expires_at"] = TimeUtil::ToString(approval.expires_at());
  details["request_sha256"] = approval.code_sha256();
  details["level"] =
      forge::exec::v1::RiskLevel_Name(approval.assessment().level());
  details["policy_version"] = approval.assessment().policy_version();
  if (approval.has_tool_call()) {
    details["tool"] = approval.tool_call().tool();
    details["arguments_sha256"] = approval.tool_call().arguments_sha256();
  }
  return record;
}

AuditRecord ApprovalResponseRecord(const Approval& approval,
                                   absl::Time token_expires_at) {
  AuditRecord record =
      ForApproval(approval, audit::kApprovalResponse, approval.decided_by());
  auto& details = *record.mutable_details();
  const bool approved =
      approval.state() == forge::exec::v1::APPROVAL_STATE_APPROVED;
  details["decision"] = approved ? "approved" : "denied";
  details["reason"] = approval.reason();
  if (approved && !approval.has_tool_call())
    details["token_expires_at"] = Rfc3339(token_expires_at);
  return record;
}

AuditRecord ApprovalExpiredRecord(const Approval& approval,
                                  absl::string_view reason) {
  AuditRecord record = ForApproval(approval, audit::kApprovalExpired, "");
  (*record.mutable_details())["reason"] = std::string(reason);
  return record;
}

AuditRecord TokenUseRecord(const ExecutionIdentity& who,
                           const cars::TokenCheck& check) {
  AuditRecord record;
  record.set_type(audit::kTokenUse);
  record.set_tenant(who.tenant);
  record.set_principal(who.principal);
  record.set_execution_id(who.execution_id);
  record.set_session_id(who.session_id);
  auto& details = *record.mutable_details();
  details["result"] = check.ok() ? "accepted" : "refused";
  if (!check.ok()) {
    details["refusal"] = std::string(cars::TokenRefusalName(check.refusal));
    details["message"] = check.message;
  }
  // Claims are only trustworthy (and only set) once the signature verified.
  if (!check.grant.approval_id.empty()) {
    details["approval_id"] = check.grant.approval_id;
    details["token_expires_at"] = Rfc3339(check.grant.expires_at);
  }
  return record;
}

}  // namespace forge::server
