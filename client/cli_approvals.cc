#include "client/cli_approvals.h"

#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

ABSL_FLAG(std::string, state, "",
          "approvals list: only pending, approved, denied or expired");
ABSL_FLAG(std::string, reason, "",
          "approvals approve/deny: the reason (required to deny)");

namespace forge::client {
namespace {

using ::forge::exec::v1::Approval;
using ::forge::exec::v1::DecideApprovalRequest;

void PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::cout << json << std::endl;
}

int Refused(const absl::Status& status) {
  std::cerr << "forge-exec: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return 125;
}

std::string Short(const std::string& enum_name, const std::string& prefix) {
  return absl::AsciiStrToLower(enum_name.substr(prefix.size()));
}

int List(ExecClient& client, bool json) {
  forge::exec::v1::ListApprovalsRequest request;
  const std::string state = absl::AsciiStrToUpper(absl::GetFlag(FLAGS_state));
  if (!state.empty()) {
    forge::exec::v1::ApprovalState parsed;
    if (!forge::exec::v1::ApprovalState_Parse(
            absl::StrCat("APPROVAL_STATE_", state), &parsed)) {
      std::cerr << "forge-exec approvals list: --state is pending, approved, "
                   "denied or expired\n";
      return 2;
    }
    request.set_state(parsed);
  }
  if (!json) {
    std::printf("%-28s %-8s %-9s %-12s %-10s %-8s %s\n", "APPROVAL", "STATE",
                "LEVEL", "REQUESTER", "RUNTIME", "DECIDER", "EXPIRES");
  }
  do {
    absl::StatusOr<forge::exec::v1::ListApprovalsResponse> page =
        client.ListApprovals(request);
    if (!page.ok()) return Refused(page.status());
    for (const Approval& a : page->approvals()) {
      if (json) {
        PrintJson(a);
        continue;
      }
      std::printf(
          "%-28s %-8s %-9s %-12s %-10s %-8s %s\n", a.approval_id().c_str(),
          Short(forge::exec::v1::ApprovalState_Name(a.state()),
                "APPROVAL_STATE_")
              .c_str(),
          Short(forge::exec::v1::RiskLevel_Name(a.assessment().level()),
                "RISK_LEVEL_")
              .c_str(),
          a.requester().c_str(),
          // A tool call's approval names the tool instead of a runtime.
          a.has_tool_call() ? a.tool_call().tool().c_str()
                            : a.runtime().c_str(),
          a.decided_by().empty() ? "-" : a.decided_by().c_str(),
          google::protobuf::util::TimeUtil::ToString(a.expires_at()).c_str());
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return 0;
}

int Decide(ExecClient& client, const std::vector<std::string>& positional,
           bool approve, bool json) {
  if (positional.size() < 3) {
    std::cerr << "forge-exec approvals " << positional[1]
              << ": which approval id?\n";
    return 2;
  }
  DecideApprovalRequest request;
  request.set_approval_id(positional[2]);
  request.set_decision(approve ? DecideApprovalRequest::DECISION_APPROVE
                               : DecideApprovalRequest::DECISION_DENY);
  request.set_reason(absl::GetFlag(FLAGS_reason));
  if (!approve && request.reason().empty()) {
    std::cerr << "forge-exec approvals deny: --reason TEXT is required\n";
    return 2;
  }
  absl::StatusOr<Approval> decided = client.DecideApproval(request);
  if (!decided.ok()) return Refused(decided.status());
  if (json) {
    PrintJson(*decided);
  } else if (approve) {
    std::cerr << "approved " << decided->approval_id() << " (requested by "
              << decided->requester() << "); token valid until "
              << google::protobuf::util::TimeUtil::ToString(
                     decided->expires_at())
              << ":\n";
    std::cout << decided->approval_token() << std::endl;
  } else {
    std::cerr << "denied " << decided->approval_id() << "\n";
  }
  return 0;
}

}  // namespace

int ApprovalsCommand(ExecClient& client,
                     const std::vector<std::string>& positional, bool json) {
  const std::string sub = positional.size() > 1 ? positional[1] : "";
  if (sub == "list") return List(client, json);
  if (sub == "approve") return Decide(client, positional, true, json);
  if (sub == "deny") return Decide(client, positional, false, json);
  std::cerr << "forge-exec approvals: list, approve ID or deny ID --reason "
               "TEXT\n";
  return 2;
}

}  // namespace forge::client
