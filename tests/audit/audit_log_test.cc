#include "server/audit/audit_log.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/audit/canonical.h"
#include "server/audit/log_file.h"
#include "server/audit/record_types.h"
#include "server/audit/verify.h"
#include "tests/audit/audit_test_util.h"

namespace forge::audit {
namespace {

using testing::FaultyStorage;
using testing::LogFiles;
using testing::ReadFile;
using testing::Step;
using testing::TempDir;
using testing::WriteFile;

// Every record of the log, in order, from its files.
std::vector<AuditRecord> ReadAll(const std::string& dir) {
  std::vector<AuditRecord> records;
  for (const std::string& path : LogFiles(dir)) {
    BadLine bad;
    auto scanned = ScanLogBytes(
        ReadFile(path),
        [&](const AuditRecord& r, const LinePosition&) {
          records.push_back(r);
          return absl::OkStatus();
        },
        &bad);
    EXPECT_TRUE(scanned.ok()) << scanned.status();
  }
  return records;
}

class CountingObserver : public AuditObserver {
 public:
  void OnBatchCommitted(size_t records, size_t, absl::Duration,
                        absl::Duration) override {
    batches++;
    this->records += records;
  }
  void OnWriteError(const absl::Status&) override { write_errors++; }
  void OnRotated(const std::string&) override { rotations++; }
  void OnHeadSigned(uint64_t) override { signatures++; }
  void OnAppendRefused(const absl::Status&) override { refused++; }
  std::atomic<int> batches{0}, records{0}, write_errors{0}, rotations{0},
      signatures{0}, refused{0};
};

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogTest()
      : key_(std::make_shared<Ed25519PrivateKey>(
            *Ed25519PrivateKey::Generate())) {
    options_.dir = dir_.path() + "/log";
    options_.public_key_path = dir_.path() + "/log.pub.pem";
    options_.observer = &observer_;
    options_.sign_interval = absl::Hours(1);
    options_.retry_interval = absl::Milliseconds(5);
  }

  std::unique_ptr<AuditLog> OpenLog() {
    auto log = AuditLog::Open(options_, key_, clock_);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }

  VerifyReport VerifyDir() {
    return VerifyLogFiles(LogFiles(options_.dir), {key_->public_key()});
  }

  TempDir dir_;
  std::shared_ptr<Ed25519PrivateKey> key_;
  FakeClock clock_{absl::FromUnixSeconds(1714564800)};
  CountingObserver observer_;
  AuditLogOptions options_;
};

TEST_F(AuditLogTest, AppendCommitsSequencedChainedRecord) {
  auto log = OpenLog();
  auto first = log->AppendAndWait(Step(kExecutionStart, "ex-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->sequence(), 1u);
  EXPECT_EQ(first->prev_hash(), kGenesisHash);
  EXPECT_EQ(first->hash(), ComputeRecordHash(*first));
  EXPECT_EQ(FormatAuditTime(FromTimestamp(first->time())),
            "2024-05-01T12:00:00.000000Z");
  EXPECT_EQ(first->details().at(kExecutionRecord), "1");
  auto second = log->AppendAndWait(Step(kRiskAssessment, "ex-1"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->sequence(), 2u);
  EXPECT_EQ(second->prev_hash(), first->hash());
  EXPECT_EQ(second->details().at(kExecutionRecord), "2");
  // Durable before acknowledged: the line is in the file already.
  EXPECT_TRUE(
      absl::StrContains(ReadFile(LogFiles(options_.dir)[0]), second->hash()));
  ASSERT_TRUE(log->Close().ok());
  VerifyReport report = VerifyDir();
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_EQ(report.signed_through, 2u);  // signed at shutdown
  EXPECT_EQ(ReadFile(options_.public_key_path),
            *Ed25519PublicKeyToPem(key_->public_key()));
}

TEST_F(AuditLogTest, ConcurrentAppendersAreGroupCommitted) {
  auto log = OpenLog();
  constexpr int kThreads = 8, kPerThread = 300;
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  absl::Mutex mutex;
  std::set<uint64_t> sequences;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ASSERT_TRUE(log->Append(Step(kLimitHit, absl::StrCat("ex-", t)),
                                [&](absl::StatusOr<AuditRecord> r) {
                                  ASSERT_TRUE(r.ok()) << r.status();
                                  absl::MutexLock lock(&mutex);
                                  sequences.insert(r->sequence());
                                  acked++;
                                })
                        .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(log->Close().ok());
  EXPECT_EQ(acked.load(), kThreads * kPerThread);
  EXPECT_EQ(sequences.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_LT(observer_.batches.load(), kThreads * kPerThread);
  VerifyReport report = VerifyDir();
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_EQ(report.records, static_cast<uint64_t>(kThreads * kPerThread + 1));
}

TEST_F(AuditLogTest, ReopenContinuesTheChain) {
  std::string last_hash;
  {
    auto log = OpenLog();
    last_hash = log->AppendAndWait(Step(kExecutionStart, "ex-1"))->hash();
  }
  auto log = OpenLog();
  auto next = log->AppendAndWait(Step(kExecutionEnd, "ex-1"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->sequence(), 3u);  // after the shutdown signature
  EXPECT_EQ(next->details().at(kExecutionRecord), "2");
  log.reset();
  VerifyReport report = VerifyDir();
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_EQ(report.records, 4u);
}

TEST_F(AuditLogTest, RotationKeepsTheChainAndSignsEachFile) {
  options_.rotate_bytes = 4096;
  auto log = OpenLog();
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(log->AppendAndWait(Step(kLimitHit, "ex-1")).ok());
  }
  ASSERT_TRUE(log->Close().ok());
  const auto files = LogFiles(options_.dir);
  ASSERT_GE(files.size(), 3u);
  EXPECT_GE(observer_.rotations.load(), 2);
  std::vector<AuditRecord> all = ReadAll(options_.dir);
  // Each rotated file ends with a signature; the next starts where it ended.
  for (size_t f = 0; f + 1 < files.size(); ++f) {
    BadLine bad;
    AuditRecord last;
    ASSERT_TRUE(ScanLogBytes(
                    ReadFile(files[f]),
                    [&](const AuditRecord& r, const LinePosition&) {
                      last = r;
                      return absl::OkStatus();
                    },
                    &bad)
                    .ok());
    EXPECT_EQ(last.type(), kChainHeadSigned) << files[f];
    EXPECT_EQ(LogFileName(last.sequence() + 1),
              files[f + 1].substr(files[f + 1].rfind('/') + 1));
  }
  VerifyReport report = VerifyDir();
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_EQ(report.records, all.size());
}

std::vector<AuditLog::Pending> Group(std::vector<AuditRecord> records,
                                     std::atomic<int>* acked) {
  std::vector<AuditLog::Pending> group;
  for (AuditRecord& record : records) {
    group.push_back(AuditLog::Pending{std::move(record),
                                      [acked](absl::StatusOr<AuditRecord> r) {
                                        EXPECT_TRUE(r.ok()) << r.status();
                                        ++*acked;
                                      }});
  }
  return group;
}

TEST_F(AuditLogTest, AppendAllCommitsTheGroupInOneBatch) {
  auto log = OpenLog();
  ASSERT_TRUE(log->AppendAndWait(Step(kExecutionStart, "ex-0")).ok());
  for (int round = 0; round < 20; ++round) {
    const int batches = observer_.batches.load();
    std::atomic<int> acked{0};
    ASSERT_TRUE(log->AppendAll(Group({Step(kExecutionStart, "ex-1"),
                                      Step(kRiskAssessment, "ex-1"),
                                      Step(kTokenUse, "ex-1")},
                                     &acked))
                    .ok());
    auto last = log->AppendAndWait(Step(kLimitHit, "ex-2"));
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(acked.load(), 3);
    // The group's three records share one write and fsync; the record
    // after them may join it or follow in a batch of its own.
    EXPECT_LE(observer_.batches.load() - batches, 2) << "round " << round;
  }
}

TEST_F(AuditLogTest, AppendAllQueuesAllOrNothing) {
  auto log = OpenLog();
  const uint64_t committed = log->committed_records();
  std::atomic<int> acked{0};
  absl::Status refused =
      log->AppendAll(Group({Step(kExecutionStart, "ex-1"),
                            Step(kChainHeadSigned, "ex-1"),  // reserved
                            Step(kExecutionEnd, "ex-1")},
                           &acked));
  EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
  ASSERT_TRUE(log->Close().ok());
  EXPECT_EQ(acked.load(), 0);
  EXPECT_EQ(log->committed_records(), committed);
  EXPECT_EQ(VerifyDir().records, 0u);
}

TEST_F(AuditLogTest, RefusesReservedTypesAndRawCodeUnlessAllowed) {
  auto log = OpenLog();
  AuditRecord with_code = Step(kExecutionStart, "ex-1");
  (*with_code.mutable_details())[kCode] = "print(1)";
  EXPECT_TRUE(absl::IsInvalidArgument(log->Append(with_code, nullptr)));
  EXPECT_TRUE(absl::IsInvalidArgument(
      log->Append(Step(kChainHeadSigned, ""), nullptr)));
  EXPECT_TRUE(
      absl::IsInvalidArgument(log->Append(Step(kLogRecovery, ""), nullptr)));
  EXPECT_TRUE(absl::IsInvalidArgument(log->Append(Step("", "ex-1"), nullptr)));
  log.reset();

  options_.log_raw_code = true;
  log = OpenLog();
  auto committed = log->AppendAndWait(with_code);
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->details().at(kCode), "print(1)");
}

TEST_F(AuditLogTest, FullQueueIsRefused) {
  FaultyStorage storage;
  options_.storage = &storage;
  options_.queue_capacity = 4;
  auto log = OpenLog();
  storage.HoldSyncs();
  // The first record is taken by the writer, which then waits in Sync.
  ASSERT_TRUE(log->Append(Step(kLimitHit, "ex-1"), nullptr).ok());
  while (storage.syncs_waiting() == 0) absl::SleepFor(absl::Milliseconds(1));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(log->Append(Step(kLimitHit, "ex-1"), nullptr).ok());
  }
  absl::Status full = log->Append(Step(kLimitHit, "ex-1"), nullptr);
  EXPECT_TRUE(absl::IsUnavailable(full)) << full;
  EXPECT_TRUE(absl::StrContains(full.message(), "queue is full")) << full;
  EXPECT_EQ(observer_.refused.load(), 1);
  storage.ReleaseSyncs();
  while (observer_.records.load() < 5) absl::SleepFor(absl::Milliseconds(1));
  // A group counts whole: two records do not fit beside three queued ones.
  storage.HoldSyncs();
  ASSERT_TRUE(log->Append(Step(kLimitHit, "ex-1"), nullptr).ok());
  while (storage.syncs_waiting() == 0) absl::SleepFor(absl::Milliseconds(1));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(log->Append(Step(kLimitHit, "ex-1"), nullptr).ok());
  }
  std::vector<AuditLog::Pending> two(2);
  two[0].record = Step(kLimitHit, "ex-1");
  two[1].record = Step(kLimitHit, "ex-1");
  EXPECT_TRUE(absl::IsUnavailable(log->AppendAll(std::move(two))));
  EXPECT_TRUE(log->Append(Step(kLimitHit, "ex-1"), nullptr).ok());
  storage.ReleaseSyncs();
}

TEST_F(AuditLogTest, DiskFullFailsClosedAndRecoversWithARecord) {
  FaultyStorage storage;
  options_.storage = &storage;
  auto log = OpenLog();
  ASSERT_TRUE(log->AppendAndWait(Step(kExecutionStart, "ex-1")).ok());

  storage.fail_append = true;
  auto refused = log->AppendAndWait(Step(kExecutionEnd, "ex-1"));
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_TRUE(
      absl::StrContains(refused.status().message(), "No space left on device"));
  absl::Status health = log->Health();
  EXPECT_TRUE(absl::IsUnavailable(health)) << health;
  EXPECT_TRUE(
      absl::StrContains(health.message(), "new executions are refused"));
  EXPECT_TRUE(absl::IsUnavailable(log->Append(Step(kError, "ex-2"), nullptr)));
  EXPECT_GE(observer_.write_errors.load(), 1);

  // Space comes back: a retry writes the outage into the chain.
  storage.fail_append = false;
  for (int i = 0; i < 10000 && !log->Health().ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_TRUE(log->Health().ok());
  ASSERT_TRUE(log->AppendAndWait(Step(kExecutionStart, "ex-3")).ok());
  ASSERT_TRUE(log->Close().ok());
  VerifyReport report = VerifyDir();
  ASSERT_TRUE(report.ok) << FormatVerdict(report);
  ASSERT_EQ(report.recoveries.size(), 1u);
  EXPECT_EQ(report.recoveries[0].reason, "write_error");
  EXPECT_TRUE(absl::StrContains(report.recoveries[0].description,
                                "No space left on device"));
}

TEST_F(AuditLogTest, FailedFsyncFailsClosed) {
  FaultyStorage storage;
  options_.storage = &storage;
  options_.retry_interval = absl::Hours(1);
  auto log = OpenLog();
  storage.fail_sync = true;
  auto refused = log->AppendAndWait(Step(kExecutionStart, "ex-1"));
  EXPECT_TRUE(absl::IsUnavailable(refused.status()));
  EXPECT_FALSE(log->Health().ok());
  EXPECT_TRUE(absl::IsUnavailable(log->SignHead().status()));
  // The refused record was taken back out of the file.
  EXPECT_TRUE(ReadAll(options_.dir).empty());
}

TEST_F(AuditLogTest, TornTailIsCutPreservedAndRecorded) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log->AppendAndWait(Step(kExecutionStart, "ex-1")).ok());
  }
  const std::string file = LogFiles(options_.dir)[0];
  const std::string intact = ReadFile(file);
  const std::string torn = "{\"sequence\":3,\"time\":\"2024-05-01T12:0";
  WriteFile(file, intact + torn);
  ASSERT_TRUE(VerifyDir().torn_tail.has_value());

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  log.reset();
  EXPECT_EQ(ReadFile(file + ".torn-" + std::to_string(intact.size()) + "-" +
                     Sha256Hex(torn).substr(0, 16)),
            torn);
  VerifyReport report = VerifyDir();
  ASSERT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_FALSE(report.torn_tail.has_value());
  ASSERT_EQ(report.recoveries.size(), 1u);
  EXPECT_EQ(report.recoveries[0].reason, "torn_tail");
  EXPECT_EQ(report.recoveries[0].sequence, 3u);
  EXPECT_TRUE(absl::StrContains(FormatVerdict(report), "recovered"));
  // The recovery itself was signed when the log opened.
  EXPECT_GE(report.signed_through, 3u);
  const std::vector<AuditRecord> all = ReadAll(options_.dir);
  ASSERT_GE(all.size(), 4u);
  EXPECT_EQ(all[2].type(), kLogRecovery);
  EXPECT_EQ(all[3].type(), kChainHeadSigned);
  EXPECT_EQ(all[3].details().at(kSignReason), "open");
}

TEST_F(AuditLogTest, RecoveryInterruptedBeforeItsRecordIsCompletedOnOpen) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log->AppendAndWait(Step(kExecutionStart, "ex-1")).ok());
  }
  // A previous recovery preserved and cut a tail, then died before its
  // log_recovery record reached the disk.
  const std::string file = LogFiles(options_.dir)[0];
  const std::string torn = "{\"sequence\":3,\"ti";
  const std::string name = file.substr(file.rfind('/') + 1);
  WriteFile(absl::StrCat(file, ".torn-", ReadFile(file).size(), "-",
                         Sha256Hex(torn).substr(0, 16)),
            torn);
  auto log = OpenLog();
  log.reset();
  VerifyReport report = VerifyDir();
  ASSERT_TRUE(report.ok) << FormatVerdict(report);
  ASSERT_EQ(report.recoveries.size(), 1u);
  EXPECT_EQ(report.recoveries[0].reason, "torn_tail");
  // Opening again records nothing new.
  OpenLog().reset();
  EXPECT_EQ(VerifyDir().recoveries.size(), 1u);
}

TEST_F(AuditLogTest, DamagedChainRefusesToOpen) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log->AppendAndWait(Step(kExecutionStart, "ex-1")).ok());
    ASSERT_TRUE(log->AppendAndWait(Step(kExecutionEnd, "ex-1")).ok());
  }
  const std::string file = LogFiles(options_.dir)[0];
  std::string data = ReadFile(file);
  data.replace(data.find("execution_start"), 15, "execution_xtart");
  WriteFile(file, data);
  auto log = AuditLog::Open(options_, key_, clock_);
  EXPECT_TRUE(absl::IsDataLoss(log.status())) << log.status();
  EXPECT_TRUE(absl::StrContains(log.status().message(), "line 1"));
}

TEST_F(AuditLogTest, HeadIsSignedEveryInterval) {
  options_.sign_interval = absl::Milliseconds(10);
  auto log = OpenLog();
  ASSERT_TRUE(log->AppendAndWait(Step(kExecutionStart, "ex-1")).ok());
  for (int i = 0; i < 10000 && observer_.signatures.load() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_GE(observer_.signatures.load(), 1);
  auto head = log->SignHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->sequence, 1u);
  // Nothing new: no further signature is written.
  const uint64_t before = log->committed_records();
  ASSERT_TRUE(log->SignHead().ok());
  EXPECT_EQ(log->committed_records(), before);
}

}  // namespace
}  // namespace forge::audit
