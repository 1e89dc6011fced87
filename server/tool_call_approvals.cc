#include "server/tool_call_approvals.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "cars/approval_registry.h"
#include "common/crypto.h"
#include "common/fmt_absl.h"
#include "google/protobuf/util/time_util.h"
#include "server/approval_records.h"
#include "server/execution_records.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::Approval;
using ::google::protobuf::util::TimeUtil;
using Decision = mcp::ApprovalAnswer::Decision;

// How long to wait for the approvals state file before going on without
// it (it is written within milliseconds unless the gate is closing).
constexpr absl::Duration kPersistWait = absl::Seconds(10);
// Beyond the approval's expiry, in case the gate stops before telling us.
constexpr absl::Duration kExpiryGrace = absl::Seconds(5);

// What the waiting call learns; shared with the gate's callback and the
// scope's end hook, either of which may outlive Ask.
struct WaitState {
  absl::Mutex mutex;
  bool resolved ABSL_GUARDED_BY(mutex) = false;
  bool ended ABSL_GUARDED_BY(mutex) = false;
  ApprovalGate::Resolution resolution ABSL_GUARDED_BY(mutex) =
      ApprovalGate::Resolution::kWaitElapsed;
  Approval approval ABSL_GUARDED_BY(mutex);
};

std::string Preview(const nlohmann::json& arguments,
                    const privacy::Redactor& redactor, absl::string_view tenant,
                    bool* truncated) {
  std::string text =
      arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  *truncated = text.size() > ToolCallApprovals::kMaxArgumentPreview;
  if (*truncated) text.resize(ToolCallApprovals::kMaxArgumentPreview);
  return redactor.Redact(text, redactor.OptionsForTenant(tenant));
}

}  // namespace

ToolCallApprovals::ToolCallApprovals(ApprovalGate& gate, audit::AuditLog& audit,
                                     const privacy::Redactor& redactor,
                                     std::string policy_version,
                                     std::shared_ptr<spdlog::logger> log)
    : gate_(gate),
      audit_(audit),
      redactor_(redactor),
      policy_version_(std::move(policy_version)),
      log_(std::move(log)) {}

std::string ToolCallApprovals::CallDigest(const std::string& tool,
                                          const std::string& arguments_sha256) {
  return Sha256Hex(
      absl::StrCat("forge-tool-call\n", tool, "\n", arguments_sha256));
}

mcp::ApprovalAnswer ToolCallApprovals::Ask(const mcp::ApprovalAsk& ask) {
  const absl::Time start = absl::Now();
  mcp::CallerScope& caller = ask.caller;
  mcp::ApprovalAnswer answer;

  cars::ApprovalRequest request;
  request.execution_id = caller.execution_id;
  request.tenant = caller.tenant;
  request.requester = caller.principal;
  request.request_sha256 = CallDigest(ask.tool.name, ask.arguments_sha256);
  request.assessment.set_level(forge::exec::v1::RISK_LEVEL_HIGH);
  request.assessment.set_policy_version(policy_version_);
  auto* finding = request.assessment.add_findings();
  finding->set_rule_id("mcp.destructive_tool");
  finding->set_description(absl::StrCat(
      ask.tool.name, " is classified destructive by the server's config"));
  request.tool_call.set_tool(ask.tool.name);
  request.tool_call.set_arguments_sha256(ask.arguments_sha256);
  bool truncated = false;
  request.tool_call.set_arguments(
      Preview(ask.arguments, redactor_, caller.tenant, &truncated));
  request.tool_call.set_arguments_truncated(truncated);

  const Approval approval = gate_.Request(request);
  answer.approval_id = approval.approval_id();
  const ExecutionIdentity who{caller.execution_id, caller.session_id,
                              caller.tenant, caller.principal};
  absl::StatusOr<forge::exec::v1::AuditRecord> committed =
      audit_.AppendAndWait(ApprovalRequestRecord(who, approval));
  if (!committed.ok()) {
    // Nobody may be asked to approve what the trail does not show; the
    // approval stays pending until it expires.
    answer.decision = Decision::kUnavailable;
    answer.message =
        absl::StrCat("the approval request could not be recorded: ",
                     committed.status().message());
    return answer;
  }
  // Announced only once a restart cannot lose it silently.
  auto persisted = std::make_shared<absl::Notification>();
  gate_.WhenPersisted([persisted] { persisted->Notify(); });
  persisted->WaitForNotificationWithTimeout(kPersistWait);
  if (caller.on_record) caller.on_record(*committed);
  log_->info(
      "execution_id={} event=tool_approval_requested approval_id={} tool={}",
      caller.execution_id, approval.approval_id(), ask.tool.name);

  auto state = std::make_shared<WaitState>();
  const uint64_t handle = gate_.Wait(
      approval, absl::InfiniteFuture(),
      [state](ApprovalGate::Resolution resolution, const Approval& decided) {
        absl::MutexLock lock(&state->mutex);
        state->resolved = true;
        state->resolution = resolution;
        state->approval = decided;
      });
  const uint64_t hook = caller.AddEndHook([state] {
    absl::MutexLock lock(&state->mutex);
    state->ended = true;
  });
  const absl::Time expires_at = absl::FromUnixNanos(
      TimeUtil::TimestampToNanoseconds(approval.expires_at()));
  bool resolved = false;
  ApprovalGate::Resolution resolution = ApprovalGate::Resolution::kWaitElapsed;
  Approval decided;
  {
    absl::MutexLock lock(&state->mutex);
    auto over = [&state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mutex) {
      return state->resolved || state->ended;
    };
    state->mutex.AwaitWithDeadline(absl::Condition(&over),
                                   expires_at + kExpiryGrace);
    resolved = state->resolved;
    resolution = state->resolution;
    decided = state->approval;
  }
  caller.RemoveEndHook(hook);
  if (!resolved) gate_.CancelWait(handle);
  answer.waited = absl::Now() - start;

  using Resolution = ApprovalGate::Resolution;
  const std::string& id = approval.approval_id();
  if (!resolved) {
    answer.decision = Decision::kPending;
    answer.message = absl::StrCat("the execution ended before approval ", id,
                                  " was decided");
  } else if (resolution == Resolution::kApproved) {
    answer.decision = Decision::kApproved;
  } else if (resolution == Resolution::kDenied) {
    answer.decision = Decision::kDenied;
    answer.message = absl::StrCat("approval ", id, " denied by ",
                                  decided.decided_by(), ": ", decided.reason());
  } else if (resolution == Resolution::kExpired) {
    answer.decision = Decision::kExpired;
    answer.message =
        absl::StrCat("approval ", id, " expired before anyone decided");
  } else {
    answer.decision = Decision::kPending;
    answer.message = absl::StrCat("approval ", id,
                                  " is still pending; the server stopped "
                                  "waiting for it");
  }
  log_->info(
      "execution_id={} event=tool_approval_resolved approval_id={} tool={} "
      "decision={} waited_ms={}",
      caller.execution_id, id, ask.tool.name,
      answer.decision == Decision::kApproved  ? "approved"
      : answer.decision == Decision::kDenied  ? "denied"
      : answer.decision == Decision::kExpired ? "expired"
                                              : "pending",
      absl::ToInt64Milliseconds(answer.waited));
  return answer;
}

}  // namespace forge::server
