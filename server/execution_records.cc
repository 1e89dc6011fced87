#include "server/execution_records.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "google/protobuf/util/time_util.h"
#include "server/audit/record_types.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::AuditRecord;
using ::google::protobuf::util::TimeUtil;

AuditRecord Base(const ExecutionIdentity& who, const char* type) {
  AuditRecord record;
  record.set_type(type);
  record.set_tenant(who.tenant);
  record.set_principal(who.principal);
  record.set_execution_id(who.execution_id);
  record.set_session_id(who.session_id);
  return record;
}

const char* LimitKind(forge::exec::v1::Outcome outcome) {
  switch (outcome) {
    case forge::exec::v1::OUTCOME_WALL_TIMEOUT:
      return "wall_time";
    case forge::exec::v1::OUTCOME_CPU_TIMEOUT:
      return "cpu_time";
    case forge::exec::v1::OUTCOME_MEMORY_LIMIT:
      return "memory";
    case forge::exec::v1::OUTCOME_OUTPUT_LIMIT:
      return "output";
    case forge::exec::v1::OUTCOME_PROCESS_LIMIT:
      return "processes";
    default:
      return nullptr;
  }
}

}  // namespace

AuditRecord ExecutionStartRecord(
    const ExecutionIdentity& who,
    const forge::exec::v1::ExecuteRequest& request) {
  AuditRecord record = Base(who, audit::kExecutionStart);
  auto& details = *record.mutable_details();
  details[audit::kCodeSha256] = Sha256Hex(request.code());
  details["runtime"] = request.runtime();
  details["code_bytes"] = absl::StrCat(request.code().size());
  details["files"] = absl::StrCat(request.files_size());
  details["stdin_bytes"] = absl::StrCat(request.stdin().size());
  details["args"] = absl::StrCat(request.args_size());
  details["network"] = forge::exec::v1::NetworkPolicy_Name(request.network());
  for (const auto& file : request.files()) {
    if (file.classification() >= forge::exec::v1::CLASSIFICATION_CONFIDENTIAL) {
      details["classified_files"] = "true";
    }
  }
  for (const auto& [key, value] : request.labels())
    details[absl::StrCat("label.", key)] = value;
  return record;
}

AuditRecord RiskAssessmentRecord(
    const ExecutionIdentity& who,
    const forge::exec::v1::RiskAssessment& assessment,
    forge::exec::v1::PolicyAction action) {
  AuditRecord record = Base(who, audit::kRiskAssessment);
  auto& details = *record.mutable_details();
  details["level"] = forge::exec::v1::RiskLevel_Name(assessment.level());
  details["score"] = absl::StrCat(assessment.score());
  details["action"] = forge::exec::v1::PolicyAction_Name(action);
  details["policy_version"] = assessment.policy_version();
  std::vector<std::string> rules;
  for (const auto& finding : assessment.findings())
    rules.push_back(finding.rule_id());
  details["rule_ids"] = absl::StrJoin(rules, ",");
  return record;
}

AuditRecord SandboxStartRecord(const ExecutionIdentity& who,
                               const forge::exec::v1::Started& started) {
  AuditRecord record = Base(who, audit::kSandboxStart);
  auto& details = *record.mutable_details();
  details["sandbox_id"] = started.sandbox_id();
  details["runtime_version"] = started.runtime_version();
  details["protections"] = absl::StrJoin(started.protections(), ",");
  details["queued_ms"] =
      absl::StrCat(TimeUtil::DurationToMilliseconds(started.queued()));
  details["warm"] = started.warm() ? "true" : "false";
  return record;
}

std::vector<AuditRecord> ClosingRecords(
    const ExecutionIdentity& who, const forge::exec::v1::Finished& finished) {
  std::vector<AuditRecord> records;
  if (finished.outcome() == forge::exec::v1::OUTCOME_SANDBOX_VIOLATION) {
    AuditRecord record = Base(who, audit::kSandboxViolation);
    (*record.mutable_details())["message"] = finished.message();
    records.push_back(std::move(record));
  }
  if (const char* kind = LimitKind(finished.outcome())) {
    AuditRecord record = Base(who, audit::kLimitHit);
    (*record.mutable_details())["limit"] = kind;
    (*record.mutable_details())["message"] = finished.message();
    records.push_back(std::move(record));
  }
  if (!finished.redactions().empty()) {
    AuditRecord record = Base(who, audit::kPrivacyDetection);
    for (const auto& [type, count] : finished.redactions()) {
      (*record.mutable_details())[absl::StrCat("count.", type)] =
          absl::StrCat(count);
    }
    records.push_back(std::move(record));
  }
  AuditRecord end = Base(who, audit::kExecutionEnd);
  auto& details = *end.mutable_details();
  details["outcome"] = forge::exec::v1::Outcome_Name(finished.outcome());
  details["exit_code"] = absl::StrCat(finished.exit_code());
  details["signal"] = absl::StrCat(finished.signal());
  details["wall_ms"] = absl::StrCat(
      TimeUtil::DurationToMilliseconds(finished.usage().wall_time()));
  details["cpu_ms"] = absl::StrCat(
      TimeUtil::DurationToMilliseconds(finished.usage().cpu_time()));
  details["peak_memory_bytes"] =
      absl::StrCat(finished.usage().peak_memory_bytes());
  details["stdout_bytes"] = absl::StrCat(finished.stdout_bytes());
  details["stderr_bytes"] = absl::StrCat(finished.stderr_bytes());
  details["files"] = absl::StrCat(finished.files_size());
  if (!finished.message().empty()) details["message"] = finished.message();
  records.push_back(std::move(end));
  return records;
}

}  // namespace forge::server
