// The audit records of one execution's steps (DESIGN §7), built from what
// the execution knows. Pure functions: no I/O, no clock (the log stamps
// sequence, time and hashes). Records carry the code's SHA-256, never the
// code, and redaction counts, never redacted values.
#ifndef FORGE_SERVER_EXECUTION_RECORDS_H_
#define FORGE_SERVER_EXECUTION_RECORDS_H_

#include <map>
#include <string>
#include <vector>

#include "forge/exec/v1/execution.pb.h"

namespace forge::server {

// Who and what every record of an execution names.
struct ExecutionIdentity {
  std::string execution_id;
  std::string session_id;
  std::string tenant;
  std::string principal;
};

forge::exec::v1::AuditRecord ExecutionStartRecord(
    const ExecutionIdentity& who,
    const forge::exec::v1::ExecuteRequest& request);
forge::exec::v1::AuditRecord RiskAssessmentRecord(
    const ExecutionIdentity& who,
    const forge::exec::v1::RiskAssessment& assessment,
    forge::exec::v1::PolicyAction action);
forge::exec::v1::AuditRecord SandboxStartRecord(
    const ExecutionIdentity& who, const forge::exec::v1::Started& started);

// The records that close an execution, in order: sandbox_violation,
// limit_hit and privacy_detection where they apply, then execution_end.
std::vector<forge::exec::v1::AuditRecord> ClosingRecords(
    const ExecutionIdentity& who, const forge::exec::v1::Finished& finished);

}  // namespace forge::server

#endif  // FORGE_SERVER_EXECUTION_RECORDS_H_
