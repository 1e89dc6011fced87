// The audit records of the approval steps (DESIGN §5, §7): an approval
// requested, decided, expired, and an approval token used or refused. Pure
// functions like execution_records.h: the log stamps sequence, time and
// hashes. Records of a decision or an expiry carry the execution id of the
// execution that asked, so its evidence pack holds the whole story.
#ifndef FORGE_SERVER_APPROVAL_RECORDS_H_
#define FORGE_SERVER_APPROVAL_RECORDS_H_

#include "absl/strings/string_view.h"
#include "cars/approval_token.h"
#include "forge/exec/v1/execution.pb.h"
#include "server/execution_records.h"

namespace forge::server {

// approval_request: approval_id, expires_at, request_sha256, level,
// policy_version, and tool and arguments_sha256 for a tool call's approval.
// Principal: the requester.
forge::exec::v1::AuditRecord ApprovalRequestRecord(
    const ExecutionIdentity& who, const forge::exec::v1::Approval& approval);

// approval_response: approval_id, decision (approved, denied), reason,
// requester, and token_expires_at when approved. Principal: the approver.
forge::exec::v1::AuditRecord ApprovalResponseRecord(
    const forge::exec::v1::Approval& approval, absl::Time token_expires_at);

// approval_expired: approval_id, requester, reason ("ttl", or
// "server_restart" for an approval pending when the server stopped).
// Principal: empty (nobody acted).
forge::exec::v1::AuditRecord ApprovalExpiredRecord(
    const forge::exec::v1::Approval& approval, absl::string_view reason);

// token_use: result (accepted, or refused with `refusal` and `message`),
// approval_id (when the signature verified), token_expires_at. Principal:
// the caller who presented the token.
forge::exec::v1::AuditRecord TokenUseRecord(const ExecutionIdentity& who,
                                            const cars::TokenCheck& check);

}  // namespace forge::server

#endif  // FORGE_SERVER_APPROVAL_RECORDS_H_
