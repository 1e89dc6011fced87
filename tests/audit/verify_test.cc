#include "server/audit/verify.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "server/audit/canonical.h"
#include "server/audit/log_file.h"
#include "server/audit/record_types.h"
#include "tests/audit/audit_test_util.h"

namespace forge::audit {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// Builds a valid chain line by line, as the log would write it.
class ChainBuilder {
 public:
  ChainBuilder() : key_(*Ed25519PrivateKey::Generate()) {}

  std::string Add(const std::string& type, const std::string& execution = "") {
    AuditRecord r;
    r.set_type(type);
    r.set_tenant(execution.empty() ? "" : "acme");
    r.set_execution_id(execution);
    if (!execution.empty()) {
      (*r.mutable_details())[kExecutionRecord] =
          absl::StrCat(++counters_[execution]);
    }
    return Seal(r);
  }

  std::string Sign() {
    ChainHead head;
    head.set_sequence(sequence_ - 1);
    head.set_hash(prev_);
    *head.mutable_signed_at() = ToTimestamp(Now());
    AuditRecord r;
    r.set_type(kChainHeadSigned);
    auto& d = *r.mutable_details();
    d[kHeadSequence] = absl::StrCat(head.sequence());
    d[kHeadHash] = head.hash();
    d[kSignedAt] = FormatAuditTime(Now());
    d[kSignature] = absl::BytesToHexString(*key_.Sign(CanonicalHead(head)));
    d[kPublicKey] = absl::BytesToHexString(key_.public_key());
    d[kSignReason] = "interval";
    return Seal(r);
  }

  const Ed25519PrivateKey& key() const { return key_; }
  uint64_t next_sequence() const { return sequence_; }

 private:
  absl::Time Now() const {
    return absl::FromUnixSeconds(1700000000 + sequence_);
  }

  std::string Seal(AuditRecord& r) {
    r.set_sequence(sequence_++);
    *r.mutable_time() = ToTimestamp(Now());
    std::string line = SealRecord(prev_, &r);
    prev_ = r.hash();
    return line;
  }

  Ed25519PrivateKey key_;
  uint64_t sequence_ = 1;
  std::string prev_ = std::string(kGenesisHash);
  std::map<std::string, uint64_t> counters_;
};

// Seven records: two executions interleaved, signed in the middle and at the
// end.
std::vector<std::string> SmallChain(ChainBuilder& chain) {
  return {chain.Add(kExecutionStart, "ex-1"),
          chain.Add(kExecutionStart, "ex-2"),
          chain.Add(kRiskAssessment, "ex-1"),
          chain.Sign(),
          chain.Add(kExecutionEnd, "ex-1"),
          chain.Add(kExecutionEnd, "ex-2"),
          chain.Sign()};
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line;
  return out;
}

class VerifyTest : public ::testing::Test {
 protected:
  VerifyReport VerifyData(const std::string& data,
                          std::vector<std::string> keys = {}) {
    const std::string path = dir_.path() + "/" + LogFileName(1);
    WriteFile(path, data);
    return VerifyLogFiles({path}, keys);
  }
  TempDir dir_;
};

TEST_F(VerifyTest, IntactChainPasses) {
  ChainBuilder chain;
  VerifyReport report = VerifyData(Join(SmallChain(chain)));
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_EQ(report.records, 7u);
  EXPECT_TRUE(report.from_genesis);
  EXPECT_EQ(report.signatures, 2u);
  EXPECT_EQ(report.signed_through, 6u);
  EXPECT_FALSE(report.keys_pinned);
  const std::string verdict = FormatVerdict(report);
  EXPECT_TRUE(absl::StartsWith(verdict, "audit verify: OK\n")) << verdict;
  EXPECT_TRUE(absl::StrContains(verdict, "sequences 1..7")) << verdict;
}

TEST_F(VerifyTest, EverySingleByteChangeIsDetected) {
  ChainBuilder chain;
  const std::string data = Join(SmallChain(chain));
  for (size_t i = 0; i < data.size(); ++i) {
    std::string changed = data;
    changed[i] ^= 0x01;
    VerifyReport report = VerifyLogContents({{LogFileName(1), changed}}, {});
    ASSERT_FALSE(report.ok)
        << "byte " << i << " ('" << data[i] << "') changed undetected";
    ASSERT_TRUE(report.problem.has_value());
  }
}

TEST_F(VerifyTest, DeletedRecordIsDetected) {
  ChainBuilder chain;
  const auto lines = SmallChain(chain);
  // Any record but the last (whose removal leaves a shorter, valid chain
  // that the earlier signed head still vouches for).
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    auto shorter = lines;
    shorter.erase(shorter.begin() + static_cast<long>(i));
    VerifyReport report = VerifyData(Join(shorter));
    EXPECT_FALSE(report.ok) << "deleting record " << i + 1;
  }
}

TEST_F(VerifyTest, ReorderedRecordsAreDetected) {
  ChainBuilder chain;
  auto lines = SmallChain(chain);
  std::swap(lines[1], lines[2]);
  VerifyReport report = VerifyData(Join(lines));
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(absl::StrContains(report.problem->message, "out of order") ||
              absl::StrContains(report.problem->message, "missing"))
      << report.problem->message;
}

TEST_F(VerifyTest, InsertedRecordIsDetectedEvenIfWellFormed) {
  ChainBuilder chain;
  auto lines = SmallChain(chain);
  // A forger seals a record of their own after record 2 with the right
  // prev_hash and sequence 3; the real record 3 no longer links.
  ChainBuilder forger;
  forger.Add(kExecutionStart, "ex-1");
  forger.Add(kExecutionStart, "ex-2");
  std::string forged = forger.Add(kSandboxViolation, "ex-1");
  lines.insert(lines.begin() + 2, forged);
  VerifyReport report = VerifyData(Join(lines));
  EXPECT_FALSE(report.ok);
}

TEST_F(VerifyTest, TornFinalLineIsReportedNotFailed) {
  ChainBuilder chain;
  const std::string data = Join(SmallChain(chain));
  const std::string next = chain.Add(kExecutionStart, "ex-3");
  VerifyReport report = VerifyData(data + next.substr(0, 40));
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  ASSERT_TRUE(report.torn_tail.has_value());
  EXPECT_EQ(report.torn_tail->offset, data.size());
  EXPECT_EQ(report.torn_tail->bytes, 40u);
  EXPECT_TRUE(absl::StrContains(FormatVerdict(report), "torn final line"));
}

TEST_F(VerifyTest, NulPaddingEndsOnlyTheActiveFile) {
  ChainBuilder chain;
  const auto lines = SmallChain(chain);
  const std::string padding(4096, '\0');
  // Reserved space after the records, and a torn line inside it.
  VerifyReport report = VerifyData(Join(lines) + padding);
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_FALSE(report.torn_tail.has_value());
  report = VerifyData(Join(lines) + "{\"sequence\":8" + padding);
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  ASSERT_TRUE(report.torn_tail.has_value());
  EXPECT_EQ(report.torn_tail->bytes, 13u);
  // NULs inside the records, or data after a run of NULs, are damage.
  report = VerifyData(Join({lines.begin(), lines.begin() + 3}) + padding +
                      Join({lines.begin() + 3, lines.end()}));
  EXPECT_FALSE(report.ok);

  const std::string a = dir_.path() + "/" + LogFileName(1);
  const std::string b = dir_.path() + "/" + LogFileName(5);
  testing::WriteFile(a, Join({lines.begin(), lines.begin() + 4}) + padding);
  testing::WriteFile(b, Join({lines.begin() + 4, lines.end()}));
  report = VerifyLogFiles({a, b}, {});
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(absl::StrContains(report.problem->message, "NUL"));
}

TEST_F(VerifyTest, GarbageAfterLastLineIsNotATornLine) {
  ChainBuilder chain;
  VerifyReport report = VerifyData(Join(SmallChain(chain)) + "garbage");
  EXPECT_FALSE(report.ok);
}

TEST_F(VerifyTest, ChainContinuesAcrossFilesInAnyOrder) {
  ChainBuilder chain;
  const auto lines = SmallChain(chain);
  const std::string a = dir_.path() + "/" + LogFileName(1);
  const std::string b = dir_.path() + "/" + LogFileName(5);
  WriteFile(a, Join({lines.begin(), lines.begin() + 4}));
  WriteFile(b, Join({lines.begin() + 4, lines.end()}));
  VerifyReport report = VerifyLogFiles({b, a}, {});
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_EQ(report.records, 7u);

  // Without the first file the chain is intact but does not start at genesis.
  report = VerifyLogFiles({b}, {});
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_FALSE(report.from_genesis);
  EXPECT_TRUE(absl::StrContains(FormatVerdict(report), "not supplied"));
}

TEST_F(VerifyTest, MissingMiddleFileIsDetected) {
  ChainBuilder chain;
  const auto lines = SmallChain(chain);
  const std::string a = dir_.path() + "/" + LogFileName(1);
  const std::string c = dir_.path() + "/" + LogFileName(5);
  WriteFile(a, Join({lines.begin(), lines.begin() + 2}));
  WriteFile(c, Join({lines.begin() + 4, lines.end()}));
  VerifyReport report = VerifyLogFiles({a, c}, {});
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(absl::StrContains(report.problem->message, "missing"));
}

TEST_F(VerifyTest, TornLineInsideTheChainFails) {
  ChainBuilder chain;
  const auto lines = SmallChain(chain);
  const std::string a = dir_.path() + "/" + LogFileName(1);
  const std::string b = dir_.path() + "/" + LogFileName(5);
  WriteFile(a, Join({lines.begin(), lines.begin() + 4}) + "{\"seq");
  WriteFile(b, Join({lines.begin() + 4, lines.end()}));
  VerifyReport report = VerifyLogFiles({a, b}, {});
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(absl::StrContains(report.problem->message, "middle"));
}

TEST_F(VerifyTest, PinnedKeysAreEnforced) {
  ChainBuilder chain;
  const std::string data = Join(SmallChain(chain));
  VerifyReport pinned = VerifyData(data, {chain.key().public_key()});
  EXPECT_TRUE(pinned.ok) << FormatVerdict(pinned);
  EXPECT_TRUE(pinned.keys_pinned);

  auto other = Ed25519PrivateKey::Generate();
  VerifyReport wrong = VerifyData(data, {other->public_key()});
  EXPECT_FALSE(wrong.ok);
  EXPECT_TRUE(absl::StrContains(wrong.problem->message, "not one of"));
}

TEST_F(VerifyTest, VerdictNamesTheFirstBadRecord) {
  ChainBuilder chain;
  auto lines = SmallChain(chain);
  lines[4].replace(lines[4].find("ex-1"), 4, "ex-9");
  VerifyReport report = VerifyData(Join(lines));
  ASSERT_FALSE(report.ok);
  EXPECT_EQ(report.problem->where.line, 5u);
  EXPECT_EQ(report.problem->where.sequence, 5u);
  const std::string verdict = FormatVerdict(report);
  EXPECT_TRUE(absl::StartsWith(verdict, "audit verify: FAILED\n")) << verdict;
  EXPECT_TRUE(absl::StrContains(verdict, "first bad record: ")) << verdict;
  EXPECT_TRUE(absl::StrContains(verdict, "line 5")) << verdict;
  EXPECT_TRUE(absl::StrContains(verdict, "sequence 5")) << verdict;
}

TEST(ChainVerifierTest, LinksWithBodyDigestsAreRehashed) {
  ChainBuilder chain;
  const auto lines = SmallChain(chain);
  std::vector<AuditRecord> records;
  for (const auto& line : lines) {
    records.push_back(*ParseCanonicalLine(line.substr(0, line.size() - 1)));
  }
  auto digest = [](const AuditRecord& r) {
    return Sha256Hex(CanonicalBody(r));
  };
  {
    VerifyReport report;
    ChainVerifier verifier({}, &report);
    EXPECT_TRUE(verifier.Add(records[0], {}));
    EXPECT_TRUE(verifier.AddLink(2, records[1].prev_hash(), records[1].hash(),
                                 digest(records[1]), {}));
    EXPECT_TRUE(verifier.Add(records[2], {}));
    EXPECT_EQ(report.unverifiable_links, 0u);
  }
  {
    // A link whose hash was replaced (with its successor fixed up to match)
    // no longer re-hashes.
    VerifyReport report;
    ChainVerifier verifier({}, &report);
    EXPECT_TRUE(verifier.Add(records[0], {}));
    EXPECT_FALSE(verifier.AddLink(2, records[1].prev_hash(),
                                  std::string(64, 'f'), digest(records[1]),
                                  {}));
    EXPECT_TRUE(report.problem.has_value());
  }
  {
    VerifyReport report;
    ChainVerifier verifier({}, &report);
    EXPECT_TRUE(verifier.Add(records[0], {}));
    EXPECT_TRUE(
        verifier.AddLink(2, records[1].prev_hash(), records[1].hash(), "", {}));
    EXPECT_EQ(report.unverifiable_links, 1u);
  }
}

TEST_F(VerifyTest, ReadsPublicKeyFilesInPemAndHex) {
  ChainBuilder chain;
  const std::string pem_path = dir_.path() + "/key.pem";
  const std::string hex_path = dir_.path() + "/key.hex";
  WriteFile(pem_path, *Ed25519PublicKeyToPem(chain.key().public_key()));
  WriteFile(hex_path, absl::BytesToHexString(chain.key().public_key()) + "\n");
  EXPECT_EQ(*ReadPublicKeyFile(pem_path), chain.key().public_key());
  EXPECT_EQ(*ReadPublicKeyFile(hex_path), chain.key().public_key());
  WriteFile(hex_path, "nonsense");
  EXPECT_FALSE(ReadPublicKeyFile(hex_path).ok());
}

}  // namespace
}  // namespace forge::audit
