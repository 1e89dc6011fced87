// Approval tokens: issued tokens verify and bind tenant, requester, request,
// runtime, policy version and expiry; every kind of bad token is refused
// with its reason.
#include "cars/approval_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace forge::cars {
namespace {

using ::testing::HasSubstr;

class ApprovalTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = Ed25519PrivateKey::Generate();
    ASSERT_TRUE(key.ok());
    signer_ = std::make_unique<ApprovalTokenSigner>(
        std::make_shared<const Ed25519PrivateKey>(std::move(*key)));
    request_.set_runtime("python");
    request_.set_code("print(1)\n");
    grant_ = ApprovalGrant{"ap_1",
                           "acme",
                           "alice",
                           ApprovalRequestDigest(request_),
                           "python",
                           "v1+abc",
                           now_ + absl::Hours(1)};
    auto token = signer_->Issue(grant_);
    ASSERT_TRUE(token.ok());
    token_ = *token;
  }

  absl::Time now_ = absl::FromUnixSeconds(1800000000);
  forge::exec::v1::ExecuteRequest request_;
  ApprovalGrant grant_;
  std::unique_ptr<ApprovalTokenSigner> signer_;
  std::string token_;
};

TEST_F(ApprovalTokenTest, IssuedTokenVerifiesForTheSameRequest) {
  TokenCheck check = signer_->Check(token_, grant_, now_);
  EXPECT_TRUE(check.ok()) << check.message;
  EXPECT_EQ(check.grant.approval_id, "ap_1");
  EXPECT_EQ(check.grant.expires_at, grant_.expires_at);
}

TEST_F(ApprovalTokenTest, DigestCoversCodeFilesArgsEnvNetworkLimits) {
  const std::string base = ApprovalRequestDigest(request_);
  auto changed = [&](auto mutate) {
    forge::exec::v1::ExecuteRequest copy = request_;
    mutate(copy);
    return ApprovalRequestDigest(copy);
  };
  using Req = forge::exec::v1::ExecuteRequest;
  EXPECT_NE(base, changed([](Req& r) { r.set_code("print(2)\n"); }));
  EXPECT_NE(base, changed([](Req& r) { r.set_runtime("bash"); }));
  EXPECT_NE(base, changed([](Req& r) { r.add_args("-x"); }));
  EXPECT_NE(base, changed([](Req& r) { (*r.mutable_env())["A"] = "1"; }));
  EXPECT_NE(base, changed([](Req& r) {
              r.set_network(forge::exec::v1::NETWORK_POLICY_EGRESS);
            }));
  EXPECT_NE(base, changed([](Req& r) {
              r.mutable_limits()->set_memory_bytes(1 << 30);
            }));
  EXPECT_NE(base, changed([](Req& r) { r.add_files()->set_path("a.txt"); }));
  EXPECT_NE(base, changed([](Req& r) { r.set_stdin("x"); }));
  // Not risk: correlation ids, labels and the approval fields themselves.
  EXPECT_EQ(base, changed([](Req& r) {
              r.set_session_id("s");
              (*r.mutable_labels())["k"] = "v";
              r.set_approval_token("t");
              r.mutable_approval_wait()->set_seconds(5);
            }));
  EXPECT_EQ(base, changed([](Req& r) {
              r.set_network(forge::exec::v1::NETWORK_POLICY_NONE);
            }));
  // Field boundaries cannot be shifted: "ab"+"" differs from "a"+"b".
  EXPECT_NE(changed([](Req& r) {
              r.add_args("ab");
              r.add_args("");
            }),
            changed([](Req& r) {
              r.add_args("a");
              r.add_args("b");
            }));
}

TEST_F(ApprovalTokenTest, BindingMismatchesAreRefusedWithTheirReason) {
  ApprovalGrant expected = grant_;
  expected.tenant = "globex";
  EXPECT_EQ(signer_->Check(token_, expected, now_).refusal,
            TokenRefusal::kOtherTenant);
  expected = grant_;
  expected.requester = "mallory";
  EXPECT_EQ(signer_->Check(token_, expected, now_).refusal,
            TokenRefusal::kOtherRequester);
  expected = grant_;
  expected.request_sha256 = Sha256Hex("other");
  TokenCheck other = signer_->Check(token_, expected, now_);
  EXPECT_EQ(other.refusal, TokenRefusal::kOtherRequest);
  EXPECT_THAT(other.message, HasSubstr("different request"));
  expected = grant_;
  expected.runtime = "bash";
  EXPECT_EQ(signer_->Check(token_, expected, now_).refusal,
            TokenRefusal::kOtherRequest);
  expected = grant_;
  expected.policy_version = "v2+def";
  TokenCheck policy = signer_->Check(token_, expected, now_);
  EXPECT_EQ(policy.refusal, TokenRefusal::kPolicyChanged);
  EXPECT_THAT(policy.message, HasSubstr("v2+def"));
}

TEST_F(ApprovalTokenTest, ExpiredTokenIsRefused) {
  EXPECT_EQ(signer_->Check(token_, grant_, grant_.expires_at).refusal,
            TokenRefusal::kExpired);
  EXPECT_TRUE(
      signer_->Check(token_, grant_, grant_.expires_at - absl::Seconds(1))
          .ok());
}

TEST_F(ApprovalTokenTest, TamperedClaimsOrSignatureAreRefused) {
  // Re-encode the claims with another tenant, keep the signature.
  std::vector<std::string> parts = absl::StrSplit(token_, '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string claims;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &claims));
  claims.replace(claims.find("tenant=acme"), 11, "tenant=acmf");
  std::string forged = absl::StrCat(
      parts[0], ".", absl::WebSafeBase64Escape(claims), ".", parts[2]);
  EXPECT_EQ(signer_->Check(forged, grant_, now_).refusal,
            TokenRefusal::kBadSignature);
  std::string flipped = token_;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(signer_->Check(flipped, grant_, now_).refusal,
            TokenRefusal::kBadSignature);
}

TEST_F(ApprovalTokenTest, TokenOfAnotherKeyIsRefused) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  ApprovalTokenSigner other(
      std::make_shared<const Ed25519PrivateKey>(std::move(*key)));
  auto token = other.Issue(grant_);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(signer_->Check(*token, grant_, now_).refusal,
            TokenRefusal::kBadSignature);
}

TEST_F(ApprovalTokenTest, GarbageIsMalformed) {
  for (const std::string& garbage :
       {std::string(), std::string("hello"), std::string("fxat1."),
        std::string("fxat1.a.b.c"), std::string("fxat1.!!!.???"),
        std::string(10000, 'x')}) {
    TokenCheck check = signer_->Check(garbage, grant_, now_);
    EXPECT_EQ(check.refusal, TokenRefusal::kMalformed) << garbage;
    EXPECT_THAT(check.message, HasSubstr("approval_token"));
  }
}

}  // namespace
}  // namespace forge::cars
