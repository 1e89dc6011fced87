// Approval gating through the real server (DESIGN §5): a requester (alice,
// executor) and an approver (bob, approver) of one tenant. Waiting and
// approving runs the code in the same stream; denial, expiry and the end of
// the wait end it with their outcomes; an approval's token re-runs the
// identical request without waiting, also after a restart, and every kind of
// bad token is refused and audited. Other tenants see nothing.
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::Approval;
using ::forge::exec::v1::DecideApprovalRequest;
using ::testing::HasSubstr;

const TestIdentity kAlice{"acme", "alice", "executor"};
const TestIdentity kBob{"acme", "bob", "approver"};
const TestIdentity kCarol{"acme", "carol", "executor"};
const TestIdentity kDave{"acme", "dave", "executor,approver"};
const TestIdentity kGina{"globex", "gina", "executor,approver"};
const TestIdentity kGlobexAlice{"globex", "alice", "executor"};

// MEDIUM and HIGH need a person; CRITICAL is blocked.
constexpr char kPolicy[] =
    "cars { low_action: POLICY_ACTION_AUTO_APPROVE "
    "medium_action: POLICY_ACTION_REQUIRE_APPROVAL "
    "high_action: POLICY_ACTION_REQUIRE_APPROVAL "
    "critical_action: POLICY_ACTION_BLOCK %s }\n";

// Code CARS rates above LOW (it runs a command) that runs fine in the
// sandbox.
constexpr char kGatedCode[] =
    "import subprocess\n"
    "out = subprocess.run(['/bin/echo', 'approved-run'], capture_output=True)\n"
    "print(out.stdout.decode().strip())\n";

class ApprovalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "forge-execd's sandbox needs root here";
    char dir[] = "/tmp/forge-approval-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    StartServer();
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) std::system(absl::StrCat("rm -rf ", dir_).c_str());
  }

  // (Re)starts the server on the same audit directory (and so the same
  // keys and approvals state).
  void StartServer(const std::string& approvals = "",
                   const std::string& policy_extra = "") {
    server_.reset();
    std::string policy(kPolicy);
    policy.replace(policy.find("%s"), 2, policy_extra);
    auto server = ServerProcess::Start(
        absl::StrCat("auth { identity_from_metadata: true }\n", policy,
                     "audit { dir: \"", dir_, "/audit\" }\n", approvals));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }

  static forge::exec::v1::ExecuteRequest Gated(absl::Duration wait) {
    forge::exec::v1::ExecuteRequest request = Request("python", kGatedCode);
    if (wait > absl::ZeroDuration()) {
      request.mutable_approval_wait()->set_seconds(absl::ToInt64Seconds(wait));
    }
    return request;
  }

  grpc::Status List(const TestIdentity& who,
                    forge::exec::v1::ApprovalState state,
                    forge::exec::v1::ListApprovalsResponse* response,
                    int page_size = 0, const std::string& page_token = "") {
    grpc::ClientContext context;
    SetIdentity(context, who);
    forge::exec::v1::ListApprovalsRequest request;
    request.set_state(state);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return stub_->ListApprovals(&context, request, response);
  }

  grpc::Status Decide(const TestIdentity& who, const std::string& id,
                      DecideApprovalRequest::Decision decision,
                      const std::string& reason, Approval* approval) {
    return DecideApprovalAs(*stub_, who, id, decision, reason, approval);
  }

  // Waits until bob sees exactly one pending approval; returns its id.
  std::string AwaitPending() {
    for (int i = 0; i < 200; ++i) {
      forge::exec::v1::ListApprovalsResponse pending;
      grpc::Status status =
          List(kBob, forge::exec::v1::APPROVAL_STATE_PENDING, &pending);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (pending.approvals_size() == 1)
        return pending.approvals(0).approval_id();
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "no pending approval appeared";
    return "";
  }

  // Runs the gated request with no wait and has bob approve it; returns the
  // approval (with its token).
  Approval PendingThenApproved() {
    CollectedEvents first = Execute(*stub_, Gated(absl::ZeroDuration()),
                                    absl::Seconds(60), &kAlice);
    EXPECT_TRUE(first.status.ok()) << first.status.error_message();
    EXPECT_EQ(first.finished.outcome(),
              forge::exec::v1::OUTCOME_APPROVAL_PENDING);
    std::string id;
    for (const auto& event : first.events) {
      if (event.has_approval_required())
        id = event.approval_required().approval_id();
    }
    EXPECT_FALSE(id.empty());
    Approval approval;
    grpc::Status decided =
        Decide(kBob, id, DecideApprovalRequest::DECISION_APPROVE, "reviewed",
               &approval);
    EXPECT_TRUE(decided.ok()) << decided.error_message();
    EXPECT_FALSE(approval.approval_token().empty());
    return approval;
  }

  int CountAudit(const std::string& type,
                 const std::vector<std::string>& parts) const {
    return CountAuditLines(dir_ + "/audit", type, parts);
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

const forge::exec::v1::ApprovalRequired* FindRequired(
    const CollectedEvents& run) {
  for (const auto& event : run.events)
    if (event.has_approval_required()) return &event.approval_required();
  return nullptr;
}

const forge::exec::v1::ApprovalResolved* FindResolved(
    const CollectedEvents& run) {
  for (const auto& event : run.events)
    if (event.has_approval_resolved()) return &event.approval_resolved();
  return nullptr;
}

TEST_F(ApprovalTest, GatedCodeIsRatedAboveLow) {
  grpc::ClientContext context;
  SetIdentity(context, kAlice);
  forge::exec::v1::AssessRequest request;
  request.set_runtime("python");
  request.set_code(kGatedCode);
  forge::exec::v1::RiskAssessment assessment;
  ASSERT_TRUE(stub_->Assess(&context, request, &assessment).ok());
  EXPECT_THAT(assessment.level(),
              ::testing::AnyOf(forge::exec::v1::RISK_LEVEL_MEDIUM,
                               forge::exec::v1::RISK_LEVEL_HIGH));
}

TEST_F(ApprovalTest, WaitAndApproveRunsInTheSameStream) {
  CollectedEvents run;
  std::thread requester([&] {
    run = Execute(*stub_, Gated(absl::Seconds(30)), absl::Seconds(60), &kAlice);
  });
  const std::string id = AwaitPending();
  forge::exec::v1::ListApprovalsResponse listed;
  ASSERT_TRUE(
      List(kBob, forge::exec::v1::APPROVAL_STATE_PENDING, &listed).ok());
  ASSERT_EQ(listed.approvals_size(), 1);
  EXPECT_EQ(listed.approvals(0).requester(), "alice");
  EXPECT_EQ(listed.approvals(0).tenant(), "acme");
  EXPECT_EQ(listed.approvals(0).runtime(), "python");
  EXPECT_FALSE(listed.approvals(0).assessment().policy_version().empty());
  Approval approval;
  grpc::Status decided =
      Decide(kBob, id, DecideApprovalRequest::DECISION_APPROVE, "looks fine",
             &approval);
  ASSERT_TRUE(decided.ok()) << decided.error_message();
  EXPECT_EQ(approval.state(), forge::exec::v1::APPROVAL_STATE_APPROVED);
  EXPECT_EQ(approval.decided_by(), "bob");
  EXPECT_FALSE(approval.approval_token().empty());
  requester.join();

  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  const auto* required = FindRequired(run);
  ASSERT_NE(required, nullptr);
  EXPECT_EQ(required->approval_id(), id);
  EXPECT_GT(required->expires_at().seconds(), 0);
  const auto* resolved = FindResolved(run);
  ASSERT_NE(resolved, nullptr);
  EXPECT_EQ(resolved->decision(), forge::exec::v1::APPROVAL_DECISION_APPROVED);
  EXPECT_EQ(resolved->approver(), "bob");
  bool started = false;
  for (const auto& event : run.events) started |= event.has_started();
  EXPECT_TRUE(started);
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED);
  EXPECT_EQ(run.stdout_data, "approved-run\n");
  EXPECT_EQ(CountAudit("approval_request", {id, "\"principal\":\"alice\""}), 1);
  EXPECT_EQ(CountAudit("approval_response",
                       {id, "\"principal\":\"bob\"", "approved", "looks fine"}),
            1);
}

TEST_F(ApprovalTest, DenialEndsTheStreamWithTheReason) {
  CollectedEvents run;
  std::thread requester([&] {
    run = Execute(*stub_, Gated(absl::Seconds(30)), absl::Seconds(60), &kAlice);
  });
  const std::string id = AwaitPending();
  Approval approval;
  grpc::Status no_reason =
      Decide(kBob, id, DecideApprovalRequest::DECISION_DENY, "", &approval);
  EXPECT_EQ(no_reason.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(no_reason.error_message(), HasSubstr("reason"));
  ASSERT_TRUE(Decide(kBob, id, DecideApprovalRequest::DECISION_DENY,
                     "reads credentials", &approval)
                  .ok());
  EXPECT_EQ(approval.state(), forge::exec::v1::APPROVAL_STATE_DENIED);
  EXPECT_TRUE(approval.approval_token().empty());
  requester.join();
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_APPROVAL_DENIED);
  EXPECT_THAT(run.finished.message(), HasSubstr("reads credentials"));
  const auto* resolved = FindResolved(run);
  ASSERT_NE(resolved, nullptr);
  EXPECT_EQ(resolved->decision(), forge::exec::v1::APPROVAL_DECISION_DENIED);
  EXPECT_EQ(resolved->reason(), "reads credentials");
  for (const auto& event : run.events) EXPECT_FALSE(event.has_started());
  // Deciding twice is refused.
  grpc::Status twice =
      Decide(kBob, id, DecideApprovalRequest::DECISION_APPROVE, "", &approval);
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      CountAudit("approval_response", {id, "denied", "reads credentials"}), 1);
}

TEST_F(ApprovalTest, PendingThenApprovedTokenRunsWithoutWaiting) {
  Approval approval = PendingThenApproved();
  forge::exec::v1::ExecuteRequest again = Gated(absl::ZeroDuration());
  again.set_approval_token(approval.approval_token());
  CollectedEvents run = Execute(*stub_, again, absl::Seconds(60), &kAlice);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(FindRequired(run), nullptr);
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED);
  EXPECT_EQ(run.stdout_data, "approved-run\n");
  EXPECT_EQ(CountAudit("token_use", {approval.approval_id(), "accepted"}), 1);
  // The token is the requester's: another executor of the tenant cannot
  // use it.
  CollectedEvents carol = Execute(*stub_, again, absl::Seconds(60), &kCarol);
  EXPECT_EQ(carol.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ApprovalTest, RequesterCannotApproveOwnRequest) {
  CollectedEvents run =
      Execute(*stub_, Gated(absl::ZeroDuration()), absl::Seconds(60), &kDave);
  ASSERT_NE(FindRequired(run), nullptr);
  Approval approval;
  grpc::Status own =
      Decide(kDave, FindRequired(run)->approval_id(),
             DecideApprovalRequest::DECISION_APPROVE, "mine", &approval);
  EXPECT_EQ(own.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // An executor without the approver role cannot list or decide.
  forge::exec::v1::ListApprovalsResponse listed;
  EXPECT_EQ(List(kAlice, forge::exec::v1::APPROVAL_STATE_UNSPECIFIED, &listed)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Decide(kAlice, FindRequired(run)->approval_id(),
                   DecideApprovalRequest::DECISION_APPROVE, "", &approval)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ApprovalTest, OtherTenantCanNeitherSeeNorDecide) {
  CollectedEvents run =
      Execute(*stub_, Gated(absl::ZeroDuration()), absl::Seconds(60), &kAlice);
  ASSERT_NE(FindRequired(run), nullptr);
  const std::string id = FindRequired(run)->approval_id();
  forge::exec::v1::ListApprovalsResponse listed;
  ASSERT_TRUE(
      List(kGina, forge::exec::v1::APPROVAL_STATE_UNSPECIFIED, &listed).ok());
  EXPECT_EQ(listed.approvals_size(), 0);
  Approval approval;
  grpc::Status other =
      Decide(kGina, id, DecideApprovalRequest::DECISION_APPROVE, "", &approval);
  grpc::Status unknown =
      Decide(kGina, "ap_00000000000000000000000",
             DecideApprovalRequest::DECISION_APPROVE, "", &approval);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  // The same answer as for an id that does not exist.
  std::string other_message = other.error_message();
  other_message.replace(other_message.find(id), id.size(), "ID");
  std::string unknown_message = unknown.error_message();
  unknown_message.replace(unknown_message.find("ap_"), 26, "ID");
  EXPECT_EQ(other_message, unknown_message);
  // Both attempts are in the trail, under the tenant that made them.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  // Records are committed in the background: wait for both before counting.
  while (CountAudit("access_denied", {"DecideApproval", "globex"}) < 2 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(CountAudit("access_denied",
                       {"\"rpc\":\"DecideApproval\"", "NOT_FOUND", id}),
            1);
  EXPECT_EQ(CountAudit("access_denied", {"DecideApproval", "globex"}), 2);
  // Still pending for its own tenant.
  ASSERT_TRUE(
      List(kBob, forge::exec::v1::APPROVAL_STATE_PENDING, &listed).ok());
  EXPECT_EQ(listed.approvals_size(), 1);
}

TEST_F(ApprovalTest, BadTokensAreRefusedAndAudited) {
  Approval approval = PendingThenApproved();
  const std::string& token = approval.approval_token();
  struct Case {
    std::string name;
    forge::exec::v1::ExecuteRequest request;
    const TestIdentity* who;
    grpc::StatusCode code;
    std::string refusal;
  };
  std::vector<Case> cases;
  forge::exec::v1::ExecuteRequest different = Gated(absl::ZeroDuration());
  different.set_code(std::string(kGatedCode) + "print('more')\n");
  different.set_approval_token(token);
  cases.push_back({"different code", different, &kAlice,
                   grpc::StatusCode::FAILED_PRECONDITION, "other_request"});
  forge::exec::v1::ExecuteRequest egress = Gated(absl::ZeroDuration());
  egress.mutable_limits()->set_max_processes(7);
  egress.set_approval_token(token);
  cases.push_back({"different limits", egress, &kAlice,
                   grpc::StatusCode::FAILED_PRECONDITION, "other_request"});
  forge::exec::v1::ExecuteRequest same = Gated(absl::ZeroDuration());
  same.set_approval_token(token);
  cases.push_back({"other tenant", same, &kGlobexAlice,
                   grpc::StatusCode::FAILED_PRECONDITION, "other_tenant"});
  // Flip one character of the signature.
  std::string tampered = token;
  char& c = tampered[tampered.size() - 5];
  c = c == 'A' ? 'B' : 'A';
  forge::exec::v1::ExecuteRequest forged = same;
  forged.set_approval_token(tampered);
  cases.push_back({"tampered", forged, &kAlice,
                   grpc::StatusCode::PERMISSION_DENIED, "bad_signature"});
  forge::exec::v1::ExecuteRequest garbage = same;
  garbage.set_approval_token("let-me-in");
  cases.push_back({"garbage", garbage, &kAlice,
                   grpc::StatusCode::PERMISSION_DENIED, "malformed"});
  for (const Case& c : cases) {
    const int before = CountAudit("token_use", {"refused", c.refusal});
    CollectedEvents run = Execute(*stub_, c.request, absl::Seconds(60), c.who);
    EXPECT_EQ(run.status.error_code(), c.code) << c.name;
    EXPECT_THAT(run.status.error_message(), HasSubstr("approval_token"))
        << c.name;
    EXPECT_TRUE(run.events.empty()) << c.name;  // nothing was accepted
    EXPECT_EQ(CountAudit("token_use", {"refused", c.refusal}), before + 1)
        << c.name;
  }
}

TEST_F(ApprovalTest, ApprovalsAndTokensExpire) {
  StartServer("approvals { ttl { seconds: 2 } token_ttl { seconds: 2 } }\n");
  // Nobody decides: the waiting stream ends EXPIRED.
  CollectedEvents run =
      Execute(*stub_, Gated(absl::Seconds(30)), absl::Seconds(60), &kAlice);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_APPROVAL_EXPIRED);
  const auto* resolved = FindResolved(run);
  ASSERT_NE(resolved, nullptr);
  EXPECT_EQ(resolved->decision(), forge::exec::v1::APPROVAL_DECISION_EXPIRED);
  const std::string id = FindRequired(run)->approval_id();
  Approval approval;
  EXPECT_EQ(
      Decide(kBob, id, DecideApprovalRequest::DECISION_APPROVE, "", &approval)
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  forge::exec::v1::ListApprovalsResponse listed;
  ASSERT_TRUE(
      List(kBob, forge::exec::v1::APPROVAL_STATE_EXPIRED, &listed).ok());
  EXPECT_EQ(listed.approvals_size(), 1);
  EXPECT_EQ(CountAudit("approval_expired", {id, "\"reason\":\"ttl\""}), 1);

  // An approved token stops working at its expiry.
  approval = PendingThenApproved();
  absl::SleepFor(absl::Milliseconds(2500));
  forge::exec::v1::ExecuteRequest again = Gated(absl::ZeroDuration());
  again.set_approval_token(approval.approval_token());
  CollectedEvents late = Execute(*stub_, again, absl::Seconds(60), &kAlice);
  EXPECT_EQ(late.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(late.status.error_message(), HasSubstr("expired"));
}

TEST_F(ApprovalTest, WaitElapsedEndsPendingAndCancelKeepsItPending) {
  forge::exec::v1::ExecuteRequest request = Gated(absl::Seconds(1));
  CollectedEvents run = Execute(*stub_, request, absl::Seconds(60), &kAlice);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_APPROVAL_PENDING);
  EXPECT_EQ(FindResolved(run), nullptr);
  // A client that gives up while waiting leaves the approval pending.
  CollectedEvents cancelled =
      Execute(*stub_, Gated(absl::Seconds(30)), absl::Seconds(1), &kAlice);
  EXPECT_EQ(cancelled.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  forge::exec::v1::ListApprovalsResponse pending;
  ASSERT_TRUE(
      List(kBob, forge::exec::v1::APPROVAL_STATE_PENDING, &pending).ok());
  EXPECT_EQ(pending.approvals_size(), 2);
  // Pagination: one at a time.
  forge::exec::v1::ListApprovalsResponse page;
  ASSERT_TRUE(
      List(kBob, forge::exec::v1::APPROVAL_STATE_PENDING, &page, 1).ok());
  ASSERT_EQ(page.approvals_size(), 1);
  ASSERT_FALSE(page.next_page_token().empty());
  forge::exec::v1::ListApprovalsResponse next;
  ASSERT_TRUE(List(kBob, forge::exec::v1::APPROVAL_STATE_PENDING, &next, 1,
                   page.next_page_token())
                  .ok());
  ASSERT_EQ(next.approvals_size(), 1);
  EXPECT_NE(next.approvals(0).approval_id(), page.approvals(0).approval_id());
}

TEST_F(ApprovalTest, DrainEndsWaitsAsPending) {
  CollectedEvents run;
  std::thread requester([&] {
    run = Execute(*stub_, Gated(absl::Seconds(60)), absl::Seconds(60), &kAlice);
  });
  AwaitPending();
  absl::StatusOr<int> exited = server_->Terminate(absl::Seconds(20));
  requester.join();
  ASSERT_TRUE(exited.ok()) << exited.status();
  EXPECT_TRUE(WIFEXITED(*exited) && WEXITSTATUS(*exited) == 0) << *exited;
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_APPROVAL_PENDING);
}

TEST_F(ApprovalTest, RestartKeepsTokensAndExpiresPending) {
  Approval approved = PendingThenApproved();
  CollectedEvents waiting =
      Execute(*stub_, Gated(absl::ZeroDuration()), absl::Seconds(60), &kAlice);
  ASSERT_NE(FindRequired(waiting), nullptr);
  const std::string pending_id = FindRequired(waiting)->approval_id();

  StartServer();
  forge::exec::v1::ListApprovalsResponse listed;
  ASSERT_TRUE(
      List(kBob, forge::exec::v1::APPROVAL_STATE_EXPIRED, &listed).ok());
  ASSERT_EQ(listed.approvals_size(), 1) << server_->Log();
  EXPECT_EQ(listed.approvals(0).approval_id(), pending_id);
  EXPECT_EQ(CountAudit("approval_expired",
                       {pending_id, "\"reason\":\"server_restart\""}),
            1);
  forge::exec::v1::ExecuteRequest again = Gated(absl::ZeroDuration());
  again.set_approval_token(approved.approval_token());
  CollectedEvents run = Execute(*stub_, again, absl::Seconds(60), &kAlice);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.stdout_data, "approved-run\n");

  // A changed policy invalidates tokens approved under the old one.
  StartServer("", "medium_threshold: 0.31");
  CollectedEvents changed = Execute(*stub_, again, absl::Seconds(60), &kAlice);
  EXPECT_EQ(changed.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(changed.status.error_message(), HasSubstr("policy"));
  EXPECT_EQ(CountAudit("token_use", {"refused", "policy_changed"}), 1);
}

}  // namespace
}  // namespace forge::testing
