// ApprovalRegistry: states, tenant scoping, the decision rules, expiry,
// pagination and restore after a restart.
#include "cars/approval_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"

namespace forge::cars {
namespace {

using ::forge::exec::v1::Approval;
using ::forge::exec::v1::DecideApprovalRequest;
using ::testing::HasSubstr;

constexpr auto kApprove = DecideApprovalRequest::DECISION_APPROVE;
constexpr auto kDeny = DecideApprovalRequest::DECISION_DENY;

class ApprovalRegistryTest : public ::testing::Test {
 protected:
  Approval Make(const std::string& tenant = "acme",
                const std::string& requester = "alice") {
    ApprovalRequest request{"ex_1", tenant, requester, "digest", "python", {}};
    request.assessment.set_policy_version("v1");
    return registry_.Create(request, absl::Minutes(10), now_);
  }

  absl::Time now_ = absl::FromUnixSeconds(1800000000);
  ApprovalRegistry registry_;
};

TEST_F(ApprovalRegistryTest, CreatedApprovalIsPendingWithExpiry) {
  Approval approval = Make();
  EXPECT_THAT(approval.approval_id(), ::testing::StartsWith("ap_"));
  EXPECT_EQ(approval.state(), forge::exec::v1::APPROVAL_STATE_PENDING);
  EXPECT_EQ(approval.expires_at().seconds() - approval.created_at().seconds(),
            600);
  EXPECT_EQ(registry_.pending(), 1u);
  EXPECT_EQ(registry_.NextExpiry(), now_ + absl::Minutes(10));
  EXPECT_NE(Make().approval_id(), approval.approval_id());
}

TEST_F(ApprovalRegistryTest, ApproveAndDeny) {
  Approval a = Make();
  auto approved =
      registry_.Decide("acme", a.approval_id(), "bob", kApprove, "", now_);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state(), forge::exec::v1::APPROVAL_STATE_APPROVED);
  EXPECT_EQ(approved->decided_by(), "bob");
  registry_.AttachToken(a.approval_id(), "tok", now_ + absl::Hours(2));
  EXPECT_EQ(registry_.Get("acme", a.approval_id())->approval_token(), "tok");
  EXPECT_EQ(registry_.Get("acme", a.approval_id())->expires_at().seconds(),
            absl::ToUnixSeconds(now_ + absl::Hours(2)));

  Approval d = Make();
  auto denied =
      registry_.Decide("acme", d.approval_id(), "bob", kDeny, "no", now_);
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->state(), forge::exec::v1::APPROVAL_STATE_DENIED);
  EXPECT_EQ(denied->reason(), "no");
  EXPECT_EQ(registry_.pending(), 0u);
}

TEST_F(ApprovalRegistryTest, DecisionRules) {
  Approval a = Make();
  const std::string& id = a.approval_id();
  EXPECT_EQ(registry_.Decide("acme", "ap_nope", "bob", kApprove, "", now_)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // Another tenant gets the answer of an unknown id.
  absl::Status other =
      registry_.Decide("globex", id, "bob", kApprove, "", now_).status();
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(other.message(), absl::StrCat("approval ", id, " not found"));
  EXPECT_EQ(registry_.Get("globex", id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      registry_.Decide("acme", id, "bob", kDeny, "  ", now_).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_
                .Decide("acme", id, "bob",
                        DecideApprovalRequest::DECISION_UNSPECIFIED, "", now_)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      registry_.Decide("acme", id, "alice", kApprove, "", now_).status().code(),
      absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(registry_.Decide("acme", id, "bob", kApprove, "", now_).ok());
  absl::Status twice =
      registry_.Decide("acme", id, "carol", kDeny, "late", now_).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(twice.message(), HasSubstr("bob"));
}

TEST_F(ApprovalRegistryTest, ExpiryMovesPendingToExpired) {
  Approval a = Make();
  EXPECT_TRUE(registry_.ExpireDue(now_ + absl::Minutes(9)).empty());
  // Past expiry but not yet swept: deciding is refused.
  EXPECT_EQ(registry_
                .Decide("acme", a.approval_id(), "bob", kApprove, "",
                        now_ + absl::Minutes(10))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  std::vector<Approval> expired = registry_.ExpireDue(now_ + absl::Minutes(10));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].state(), forge::exec::v1::APPROVAL_STATE_EXPIRED);
  EXPECT_EQ(registry_.pending(), 0u);
  EXPECT_EQ(registry_.NextExpiry(), absl::InfiniteFuture());
  EXPECT_TRUE(registry_.ExpireDue(now_ + absl::Hours(1)).empty());
}

TEST_F(ApprovalRegistryTest, ListIsTenantScopedFilteredAndPaginated) {
  std::set<std::string> acme;
  for (int i = 0; i < 7; ++i) {
    acme.insert(Make().approval_id());
    Make("globex", "gina");
  }
  Approval first = registry_.Get("acme", *acme.begin()).value();
  ASSERT_TRUE(
      registry_.Decide("acme", first.approval_id(), "bob", kDeny, "no", now_)
          .ok());
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = registry_.List(
        "acme", forge::exec::v1::APPROVAL_STATE_UNSPECIFIED, 3, token);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->approvals_size(), 3);
    for (const Approval& a : page->approvals()) {
      EXPECT_EQ(a.tenant(), "acme");
      EXPECT_TRUE(seen.insert(a.approval_id()).second);
    }
    token = page->next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, acme);
  EXPECT_EQ(pages, 3);
  auto pending =
      registry_.List("acme", forge::exec::v1::APPROVAL_STATE_PENDING, 0, "");
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->approvals_size(), 6);
  EXPECT_TRUE(pending->next_page_token().empty());
  EXPECT_EQ(
      registry_
          .List("acme", forge::exec::v1::APPROVAL_STATE_UNSPECIFIED, 0, "bogus")
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      registry_
          .List("acme", forge::exec::v1::APPROVAL_STATE_UNSPECIFIED, -1, "")
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(ApprovalRegistryTest, RestoreExpiresWhatWasPending) {
  Approval pending = Make();
  Approval approved = Make();
  ASSERT_TRUE(
      registry_
          .Decide("acme", approved.approval_id(), "bob", kApprove, "", now_)
          .ok());
  forge::exec::v1::ListApprovalsResponse snapshot = registry_.Snapshot();

  ApprovalRegistry restarted;
  std::vector<Approval> expired =
      restarted.Restore(snapshot, "server restarted");
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].approval_id(), pending.approval_id());
  EXPECT_EQ(restarted.Get("acme", pending.approval_id())->state(),
            forge::exec::v1::APPROVAL_STATE_EXPIRED);
  EXPECT_EQ(restarted.Get("acme", approved.approval_id())->state(),
            forge::exec::v1::APPROVAL_STATE_APPROVED);
  EXPECT_EQ(restarted.pending(), 0u);
  // Restoring twice adds nothing.
  EXPECT_TRUE(restarted.Restore(snapshot, "again").empty());
}

TEST_F(ApprovalRegistryTest, OldDecidedApprovalsArePrunedPendingKept) {
  ApprovalRegistry small(2);
  ApprovalRequest request{"ex", "acme", "alice", "d", "python", {}};
  Approval keep = small.Create(request, absl::Minutes(1), now_);
  std::vector<std::string> decided;
  for (int i = 0; i < 4; ++i) {
    Approval a = small.Create(request, absl::Minutes(1), now_);
    ASSERT_TRUE(
        small.Decide("acme", a.approval_id(), "bob", kApprove, "", now_).ok());
    decided.push_back(a.approval_id());
  }
  EXPECT_TRUE(small.Get("acme", keep.approval_id()).ok());
  EXPECT_FALSE(small.Get("acme", decided[0]).ok());
  EXPECT_FALSE(small.Get("acme", decided[1]).ok());
  EXPECT_TRUE(small.Get("acme", decided[3]).ok());
}

}  // namespace
}  // namespace forge::cars
