// The names the audit trail uses: record types (AuditRecord.type) and the
// details keys the log itself writes or reads. Records the server makes use
// the step types; the log adds the housekeeping types.
#ifndef FORGE_SERVER_AUDIT_RECORD_TYPES_H_
#define FORGE_SERVER_AUDIT_RECORD_TYPES_H_

#include "absl/strings/string_view.h"

namespace forge::audit {

// Steps of an execution (made by the server).
inline constexpr char kExecutionStart[] = "execution_start";
inline constexpr char kRiskAssessment[] = "risk_assessment";
inline constexpr char kApprovalRequest[] = "approval_request";
inline constexpr char kApprovalResponse[] = "approval_response";
inline constexpr char kApprovalExpired[] = "approval_expired";
inline constexpr char kTokenUse[] = "token_use";
inline constexpr char kSandboxStart[] = "sandbox_start";
inline constexpr char kPrivacyDetection[] = "privacy_detection";
inline constexpr char kSandboxViolation[] = "sandbox_violation";
inline constexpr char kLimitHit[] = "limit_hit";
inline constexpr char kExecutionEnd[] = "execution_end";
inline constexpr char kError[] = "error";
// One call of an MCP tool by a sandboxed program (server/mcp/tool_binding.h).
inline constexpr char kToolCall[] = "tool_call";

// Whether a record of `type` may arrive after its execution's
// execution_end: an approval decided or expired once the execution had
// ended (e.g. its wait elapsed, or the server restarted). Every other step
// belongs to a running execution.
inline bool MayFollowExecutionEnd(absl::string_view type) {
  return type == kApprovalResponse || type == kApprovalExpired;
}

// A refused call: UNAUTHENTICATED, PERMISSION_DENIED, or NOT_FOUND for data
// of another tenant (server/access_audit.h). No execution_id.
inline constexpr char kAccessDenied[] = "access_denied";

// Housekeeping (made by the log). A chain_head_signed record carries an
// Ed25519 signature over the head it follows (sequence - 1); a log_recovery
// record says what the log found and repaired when it opened or after a
// disk error, so nothing is ever dropped silently.
inline constexpr char kChainHeadSigned[] = "chain_head_signed";
inline constexpr char kLogRecovery[] = "log_recovery";

// details keys of chain_head_signed.
inline constexpr char kHeadSequence[] = "head_sequence";
inline constexpr char kHeadHash[] = "head_hash";
inline constexpr char kSignedAt[] = "signed_at";
inline constexpr char kSignature[] = "signature";   // 128 hex digits
inline constexpr char kPublicKey[] = "public_key";  // 64 hex digits
// Why the head was signed: open, interval, rotation, shutdown, evidence,
// request.
inline constexpr char kSignReason[] = "reason";

// details keys of log_recovery.
inline constexpr char kRecoveryReason[] = "reason";  // torn_tail, write_error
inline constexpr char kRecoveryFile[] = "file";
inline constexpr char kRecoveryOffset[] = "offset";
inline constexpr char kRecoveryTornBytes[] = "torn_bytes";
inline constexpr char kRecoveryTornSha256[] = "torn_sha256";
inline constexpr char kRecoveryPreservedAs[] = "preserved_as";
inline constexpr char kRecoveryError[] = "error";
inline constexpr char kRecoveryRefusedRecords[] = "refused_records";

// details keys on execution records.
// SHA-256 (hex) of the program's source; on every execution_start.
inline constexpr char kCodeSha256[] = "code_sha256";
// The program's source, only when AuditConfig.log_raw_code allows it.
inline constexpr char kCode[] = "code";
// Stamped by the log on every record with an execution_id: its 1-based
// position among that execution's records, so an evidence pack with one of
// them removed shows a gap.
inline constexpr char kExecutionRecord[] = "execution_record";

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_RECORD_TYPES_H_
