#include "server/audit/canonical.h"

#include <string>

#include "common/crypto.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace forge::audit {
namespace {

AuditRecord SampleRecord() {
  AuditRecord r;
  r.set_sequence(7);
  *r.mutable_time() = ToTimestamp(absl::FromUnixMicros(1714564800123456));
  r.set_type("execution_end");
  r.set_tenant("acme");
  r.set_principal("agent-1");
  r.set_execution_id("ex-1");
  r.set_session_id("s\"1\\\n");
  (*r.mutable_details())["outcome"] = "OUTCOME_EXITED";
  (*r.mutable_details())["exit_code"] = "0";
  (*r.mutable_details())["\xc3\xa9t\xc3\xa9"] = "\x01";
  return r;
}

TEST(CanonicalTest, TimeIsRfc3339UtcWithMicroseconds) {
  EXPECT_EQ(FormatAuditTime(absl::FromUnixMicros(1714564800123456)),
            "2024-05-01T12:00:00.123456Z");
  EXPECT_EQ(FormatAuditTime(absl::FromUnixNanos(1714564800123456789)),
            "2024-05-01T12:00:00.123456Z");
  auto parsed = ParseAuditTime("2024-05-01T12:00:00.000001Z");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, absl::FromUnixMicros(1714564800000001));
  EXPECT_FALSE(ParseAuditTime("2024-05-01T12:00:00.1Z").ok());
  EXPECT_FALSE(ParseAuditTime("2024-05-01T12:00:00.000001+00:00").ok());
  EXPECT_FALSE(ParseAuditTime("2024-05-01 12:00:00.000001Z").ok());
}

TEST(CanonicalTest, LineHasFixedKeyOrderSortedDetailsAndMinimalEscapes) {
  AuditRecord r = SampleRecord();
  r.set_prev_hash(std::string(kGenesisHash));
  r.set_hash(std::string(64, 'a'));
  EXPECT_EQ(CanonicalLine(r),
            "{\"sequence\":7,\"time\":\"2024-05-01T12:00:00.123456Z\","
            "\"type\":\"execution_end\",\"tenant\":\"acme\","
            "\"principal\":\"agent-1\",\"execution_id\":\"ex-1\","
            "\"session_id\":\"s\\\"1\\\\\\u000a\",\"details\":{"
            "\"exit_code\":\"0\",\"outcome\":\"OUTCOME_EXITED\","
            "\"\xc3\xa9t\xc3\xa9\":\"\\u0001\"},"
            "\"prev_hash\":\"" +
                std::string(kGenesisHash) + "\",\"hash\":\"" +
                std::string(64, 'a') + "\"}");
}

TEST(CanonicalTest, HashIsShaOfPrevHashAndBodyDigest) {
  AuditRecord r = SampleRecord();
  const std::string line = SealRecord(kGenesisHash, &r);
  ASSERT_EQ(line.back(), '\n');
  const std::string body = CanonicalBody(r);
  // The body is the line up to "details", closed.
  EXPECT_EQ(line.substr(0, body.size() - 1), body.substr(0, body.size() - 1));
  EXPECT_EQ(r.prev_hash(), kGenesisHash);
  EXPECT_EQ(r.hash(), Sha256Hex(std::string(kGenesisHash) + Sha256Hex(body)));
  EXPECT_EQ(ComputeRecordHash(r), r.hash());
  EXPECT_EQ(line, CanonicalLine(r) + "\n");
}

TEST(CanonicalTest, ParseRoundTrips) {
  AuditRecord r = SampleRecord();
  const std::string line = SealRecord(kGenesisHash, &r);
  auto parsed = ParseCanonicalLine(line.substr(0, line.size() - 1));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*parsed, r))
      << parsed->DebugString();
}

TEST(CanonicalTest, ParseRejectsNonCanonicalSpellings) {
  AuditRecord r = SampleRecord();
  std::string line = SealRecord(kGenesisHash, &r);
  line.pop_back();
  auto variant = [&](const std::string& from, const std::string& to) {
    std::string changed = line;
    const size_t at = changed.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    changed.replace(at, from.size(), to);
    return ParseCanonicalLine(changed).status();
  };
  EXPECT_TRUE(
      absl::IsInvalidArgument(variant("\"sequence\":7", "\"sequence\":07")));
  EXPECT_TRUE(absl::IsInvalidArgument(variant("\"acme\"", "\"\\u0061cme\"")));
  EXPECT_TRUE(absl::IsInvalidArgument(variant(",\"tenant\"", ", \"tenant\"")));
  EXPECT_TRUE(absl::IsInvalidArgument(variant("\\u000a", "\\n")));
  EXPECT_TRUE(absl::IsInvalidArgument(
      variant("\"exit_code\":\"0\",\"outcome\":\"OUTCOME_EXITED\"",
              "\"outcome\":\"OUTCOME_EXITED\",\"exit_code\":\"0\"")));
  EXPECT_TRUE(absl::IsInvalidArgument(
      variant("\"type\":\"execution_end\",\"tenant\":\"acme\"",
              "\"tenant\":\"acme\",\"type\":\"execution_end\"")));
  EXPECT_TRUE(absl::IsInvalidArgument(variant(r.hash(), std::string(64, 'A'))));
  EXPECT_TRUE(absl::IsInvalidArgument(variant("acme", "ac\xffme")));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseCanonicalLine(line + " ").status()));
}

TEST(CanonicalTest, EveryStrictPrefixIsATornLine) {
  AuditRecord r = SampleRecord();
  std::string line = SealRecord(kGenesisHash, &r);
  line.pop_back();
  for (size_t n = 0; n < line.size(); ++n) {
    auto parsed = ParseCanonicalLine(line.substr(0, n));
    EXPECT_TRUE(absl::IsOutOfRange(parsed.status()))
        << "prefix of " << n << " bytes: " << parsed.status();
  }
  EXPECT_TRUE(ParseCanonicalLine(line).ok());
}

TEST(CanonicalTest, SanitizeReplacesInvalidUtf8) {
  AuditRecord r;
  r.set_type("x");
  r.set_tenant(
      "a\xff"
      "b");
  (*r.mutable_details())["k\xc0"] = "v\xe2\x82";
  SanitizeUtf8(&r);
  EXPECT_EQ(r.tenant(),
            "a\xef\xbf\xbd"
            "b");
  ASSERT_EQ(r.details().size(), 1u);
  EXPECT_EQ(r.details().begin()->first, "k\xef\xbf\xbd");
  std::string line = SealRecord(kGenesisHash, &r);
  line.pop_back();
  EXPECT_TRUE(ParseCanonicalLine(line).ok());
}

// The worked example of docs/AUDIT_FORMAT.md.
TEST(CanonicalTest, DocumentedExample) {
  AuditRecord r;
  r.set_sequence(1);
  *r.mutable_time() = ToTimestamp(absl::FromUnixMicros(1714564800123456));
  r.set_type("execution_start");
  r.set_tenant("acme");
  r.set_principal("orchestrator-7");
  r.set_execution_id("ex-1");
  r.set_session_id("s-42");
  (*r.mutable_details())["runtime"] = "python";
  (*r.mutable_details())["execution_record"] = "1";
  (*r.mutable_details())["code_sha256"] = Sha256Hex("print(1)\n");
  const std::string line = SealRecord(kGenesisHash, &r);
  EXPECT_EQ(Sha256Hex(CanonicalBody(r)),
            "4bef0d313dc08ae2cd316d25070273472168a6bac3fa6efab76f991597d492bc");
  EXPECT_EQ(r.hash(),
            "ac58c80c996a7325304ac9bc5f8da2f93a485914810c38555e7323632096630e");
  EXPECT_EQ(
      line,
      "{\"sequence\":1,\"time\":\"2024-05-01T12:00:00.123456Z\",\"type\":"
      "\"execution_start\",\"tenant\":\"acme\",\"principal\":"
      "\"orchestrator-7\",\"execution_id\":\"ex-1\",\"session_id\":"
      "\"s-42\",\"details\":{\"code_sha256\":"
      "\"cc42155088fca5730758db72b2a5bca33112a941dfaa2d43098ec422ce4ea213\","
      "\"execution_record\":\"1\",\"runtime\":\"python\"},\"prev_hash\":"
      "\"0000000000000000000000000000000000000000000000000000000000000000\","
      "\"hash\":"
      "\"ac58c80c996a7325304ac9bc5f8da2f93a485914810c38555e7323632096630e\"}"
      "\n");
}

TEST(CanonicalTest, HeadCanonicalForm) {
  ChainHead head;
  head.set_sequence(42);
  head.set_hash(std::string(64, 'b'));
  *head.mutable_signed_at() =
      ToTimestamp(absl::FromUnixMicros(1714564800000000));
  EXPECT_EQ(CanonicalHead(head),
            "forge-exec audit chain head v1\nsequence=42\nhash=" +
                std::string(64, 'b') +
                "\nsigned_at=2024-05-01T12:00:00.000000Z\n");
}

}  // namespace
}  // namespace forge::audit
