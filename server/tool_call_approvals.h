// ToolCallApprovals routes a sandboxed program's call of a DESTRUCTIVE tool
// to a person (mcp::ToolApprover, for tenants whose DestructiveToolPolicy is
// REQUIRE_APPROVAL). The call becomes an Approval with tool_call set, listed
// and decided through ListApprovals / DecideApproval like any other (by an
// approver of the tenant who is not the requester), while the calling thread
// waits:
//
//   Ask ──► ApprovalGate::Request ──► approval_request record (durable,
//       streamed to the execution's client) ──► state file holds it
//       ──► ApprovalGate::Wait ──► approved: the call runs
//                              ──► denied:   APPROVAL_DENIED (who, why)
//                              ──► expired:  APPROVAL_EXPIRED (the TTL)
//       execution ended (caller.End()) or the server drains: APPROVAL_PENDING
//       (the approval itself stays pending until it expires)
//
// The approver sees the tool's name, the SHA-256 of its arguments and the
// arguments themselves through the privacy filter (the requester's tenant
// rules), cut at kMaxArgumentPreview bytes. No approval token is issued for
// a tool call: approving lets that one call run.
//
// Thread-safe. Ask blocks its thread (a tool session's, never gRPC's or the
// audit log's) for at most the approval's TTL.
#ifndef FORGE_SERVER_TOOL_CALL_APPROVALS_H_
#define FORGE_SERVER_TOOL_CALL_APPROVALS_H_

#include <memory>
#include <string>

#include "server/approval_gate.h"
#include "server/audit/audit_log.h"
#include "server/mcp/tool_binding.h"
#include "server/privacy/redactor.h"
#include "spdlog/logger.h"

namespace forge::server {

class ToolCallApprovals final : public mcp::ToolApprover {
 public:
  static constexpr size_t kMaxArgumentPreview = 4096;

  // `policy_version` is the CARS policy the approvals are recorded under.
  // All references must outlive this.
  ToolCallApprovals(ApprovalGate& gate, audit::AuditLog& audit,
                    const privacy::Redactor& redactor,
                    std::string policy_version,
                    std::shared_ptr<spdlog::logger> log);

  mcp::ApprovalAnswer Ask(const mcp::ApprovalAsk& ask) override;

  // Approval.code_sha256 of a tool call: SHA-256 (hex) over a domain tag,
  // the tool's name and the arguments' digest, so it never equals the
  // digest of an ExecuteRequest.
  static std::string CallDigest(const std::string& tool,
                                const std::string& arguments_sha256);

 private:
  ApprovalGate& gate_;
  audit::AuditLog& audit_;
  const privacy::Redactor& redactor_;
  const std::string policy_version_;
  const std::shared_ptr<spdlog::logger> log_;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_TOOL_CALL_APPROVALS_H_
