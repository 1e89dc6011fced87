// Evidence packs: every step type of an execution is there, the pack
// verifies offline, and tampering with it is detected.
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "common/crypto.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/audit/audit_log.h"
#include "server/audit/canonical.h"
#include "server/audit/link_digest.h"
#include "server/audit/record_types.h"
#include "server/audit/verify.h"
#include "tests/audit/audit_test_util.h"

namespace forge::audit {
namespace {

using ::forge::exec::v1::ChainLink;
using testing::Step;
using testing::TempDir;

constexpr const char* kAllStepTypes[] = {
    kExecutionStart,
    kRiskAssessment,
    kApprovalRequest,
    kApprovalResponse,
    kTokenUse,
    kSandboxStart,
    kPrivacyDetection,
    kSandboxViolation,
    kLimitHit,
    kExecutionEnd,
    kError,
};

class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = std::make_shared<Ed25519PrivateKey>(*Ed25519PrivateKey::Generate());
    options_.dir = dir_.path() + "/log";
    options_.sign_interval = absl::Hours(1);
    options_.rotate_bytes = 8192;  // the executions span several files
    auto log = AuditLog::Open(options_, key_, Clock::Real());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    // ex-a (tenant acme) interleaved with ex-b (tenant acme) and ex-c
    // (tenant other).
    for (const char* type : kAllStepTypes) {
      ASSERT_TRUE(log_->AppendAndWait(Step(type, "ex-a", "acme")).ok());
      ASSERT_TRUE(log_->AppendAndWait(Step(type, "ex-b", "acme")).ok());
      ASSERT_TRUE(log_->AppendAndWait(Step(type, "ex-c", "other")).ok());
    }
  }

  EvidencePack Pack(const std::string& execution, const std::string& tenant) {
    auto pack = log_->Evidence(execution, tenant);
    EXPECT_TRUE(pack.ok()) << pack.status();
    return pack.ok() ? *pack : EvidencePack();
  }

  VerifyReport Verify(const EvidencePack& pack) {
    return VerifyEvidencePack(pack, {key_->public_key()});
  }

  TempDir dir_;
  std::shared_ptr<Ed25519PrivateKey> key_;
  AuditLogOptions options_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(EvidenceTest, PackHoldsEveryStepAndVerifies) {
  EvidencePack pack = Pack("ex-a", "acme");
  std::set<std::string> types;
  for (const auto& record : pack.records()) {
    EXPECT_EQ(record.execution_id(), "ex-a");
    types.insert(record.type());
  }
  EXPECT_EQ(types.size(), std::size(kAllStepTypes));
  EXPECT_EQ(pack.records_size(), static_cast<int>(std::size(kAllStepTypes)));
  EXPECT_EQ(pack.public_key(), key_->public_key());
  EXPECT_GT(pack.links_size(), 0);
  VerifyReport report = Verify(pack);
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_EQ(report.signatures, 1u);
  if constexpr (LinksCarryBodyDigest<ChainLink>()) {
    EXPECT_EQ(report.unverifiable_links, 0u);
  } else {
    // Without a body digest in ChainLink, links are taken as given, and the
    // verdict says so.
    EXPECT_EQ(report.unverifiable_links,
              static_cast<uint64_t>(pack.links_size()));
    EXPECT_TRUE(absl::StrContains(FormatVerdict(report), "taken as given"));
  }
  EXPECT_TRUE(absl::StartsWith(FormatVerdict(report), "audit verify: OK"));
}

TEST_F(EvidenceTest, LinksRevealNothingOfOtherExecutions) {
  EvidencePack pack = Pack("ex-a", "acme");
  const std::string bytes = pack.SerializeAsString();
  EXPECT_FALSE(absl::StrContains(bytes, "ex-b"));
  EXPECT_FALSE(absl::StrContains(bytes, "ex-c"));
  EXPECT_FALSE(absl::StrContains(bytes, "other"));
}

TEST_F(EvidenceTest, OtherTenantsAndUnknownIdsAreNotFoundAlike) {
  auto foreign = log_->Evidence("ex-c", "acme");
  auto unknown = log_->Evidence("ex-zzz", "acme");
  EXPECT_TRUE(absl::IsNotFound(foreign.status()));
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
  EXPECT_EQ(
      foreign.status().message(),
      absl::StrReplaceAll(unknown.status().message(), {{"ex-zzz", "ex-c"}}));
  EXPECT_TRUE(log_->Evidence("ex-c", "other").ok());
}

TEST_F(EvidenceTest, ReusesACoveringSignature) {
  EvidencePack first = Pack("ex-a", "acme");
  const uint64_t committed = log_->committed_records();
  EvidencePack second = Pack("ex-b", "acme");
  EXPECT_EQ(log_->committed_records(), committed);  // no new signature
  EXPECT_EQ(second.chain_head().sequence(), first.chain_head().sequence());
  EXPECT_TRUE(Verify(second).ok);
}

TEST_F(EvidenceTest, AlteredRecordIsDetected) {
  EvidencePack pack = Pack("ex-a", "acme");
  (*pack.mutable_records(3)->mutable_details())["exit_code"] = "0";
  VerifyReport report = Verify(pack);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(absl::StrContains(report.problem->message, "altered"));
}

TEST_F(EvidenceTest, RemovedRecordIsDetected) {
  for (int i = 0; i + 1 < static_cast<int>(std::size(kAllStepTypes)); ++i) {
    EvidencePack pack = Pack("ex-a", "acme");
    pack.mutable_records()->DeleteSubrange(i, 1);
    EXPECT_FALSE(Verify(pack).ok) << "removing record " << i;
  }
}

TEST_F(EvidenceTest, RecordReplacedByItsLinkIsDetected) {
  EvidencePack pack = Pack("ex-a", "acme");
  const AuditRecord removed = pack.records(4);
  pack.mutable_records()->DeleteSubrange(4, 1);
  ChainLink link;
  link.set_sequence(removed.sequence());
  link.set_prev_hash(removed.prev_hash());
  link.set_hash(removed.hash());
  SetLinkBodyDigest(Sha256Hex(CanonicalBody(removed)), &link);
  auto* links = pack.mutable_links();
  int at = 0;
  while (at < links->size() && links->Get(at).sequence() < link.sequence()) {
    ++at;
  }
  links->Add()->CopyFrom(link);
  for (int i = links->size() - 1; i > at; --i) links->SwapElements(i, i - 1);
  VerifyReport report = Verify(pack);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(absl::StrContains(report.problem->message, "missing"))
      << report.problem->message;
}

TEST_F(EvidenceTest, VerdictSaysWhetherTheExecutionEnded) {
  EvidencePack pack = Pack("ex-a", "acme");
  // In this fixture `error` is the execution's last step.
  VerifyReport report = Verify(pack);
  ASSERT_TRUE(report.ends_with_execution_end.has_value());
  EXPECT_FALSE(*report.ends_with_execution_end);
  EXPECT_TRUE(absl::StrContains(FormatVerdict(report), "no execution_end"));
  ASSERT_TRUE(log_->AppendAndWait(Step(kExecutionEnd, "ex-a", "acme")).ok());
  report = Verify(Pack("ex-a", "acme"));
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_TRUE(*report.ends_with_execution_end);
  EXPECT_TRUE(absl::StrContains(FormatVerdict(report), "complete"));
}

TEST_F(EvidenceTest, ReorderedRecordsAreDetected) {
  EvidencePack pack = Pack("ex-a", "acme");
  pack.mutable_records()->SwapElements(2, 3);
  EXPECT_FALSE(Verify(pack).ok);
}

TEST_F(EvidenceTest, AlteredLinkIsDetected) {
  EvidencePack pack = Pack("ex-a", "acme");
  ASSERT_GT(pack.links_size(), 2);
  pack.mutable_links(1)->set_prev_hash(std::string(64, 'e'));
  EXPECT_FALSE(Verify(pack).ok);
}

TEST_F(EvidenceTest, BadSignatureHeadOrKeyIsDetected) {
  EvidencePack pack = Pack("ex-a", "acme");
  EvidencePack bad_sig = pack;
  (*bad_sig.mutable_signature())[0] ^= 1;
  EXPECT_FALSE(Verify(bad_sig).ok);

  EvidencePack bad_head = pack;
  bad_head.mutable_chain_head()->mutable_signed_at()->set_seconds(1);
  EXPECT_FALSE(Verify(bad_head).ok);

  auto other = Ed25519PrivateKey::Generate();
  VerifyReport foreign = VerifyEvidencePack(pack, {other->public_key()});
  EXPECT_FALSE(foreign.ok);
}

TEST_F(EvidenceTest, PackFileRoundTripsInBinaryAndJson) {
  EvidencePack pack = Pack("ex-a", "acme");
  const std::string bin = dir_.path() + "/pack.bin";
  testing::WriteFile(bin, pack.SerializeAsString());
  auto read = ReadEvidencePackFile(bin);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(Verify(*read).ok);

  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(pack, &json).ok());
  const std::string json_path = dir_.path() + "/pack.json";
  testing::WriteFile(json_path, json);
  read = ReadEvidencePackFile(json_path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(Verify(*read).ok);
}

}  // namespace
}  // namespace forge::audit
