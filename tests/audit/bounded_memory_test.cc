// The log keeps only the newest ended executions and signed heads in memory;
// older evidence and late records are found in the files, with the same
// results as if everything were still in memory.
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "server/audit/audit_log.h"
#include "server/audit/record_types.h"
#include "server/audit/verify.h"
#include "tests/audit/audit_test_util.h"

namespace forge::audit {
namespace {

using testing::Step;
using testing::TempDir;

constexpr int kExecutions = 20;

std::string Id(int i) { return "ex-" + std::to_string(i); }

class BoundedMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = std::make_shared<Ed25519PrivateKey>(*Ed25519PrivateKey::Generate());
    options_.dir = dir_.path() + "/log";
    options_.sign_interval = absl::Hours(1);
    options_.rotate_bytes = 8192;  // history spans many files
    options_.memory.finished_executions = 2;
    options_.memory.signed_heads = 2;
    options_.storage = &storage_;
    Open();
    // Each execution is followed by a signed head, so each has a head of its
    // own that covers it; all but the newest two are out of memory.
    for (int i = 0; i < kExecutions; ++i) {
      for (const char* type : {kExecutionStart, kSandboxStart, kExecutionEnd}) {
        ASSERT_TRUE(log_->AppendAndWait(Step(type, Id(i))).ok());
      }
      auto head = log_->SignHead();
      ASSERT_TRUE(head.ok()) << head.status();
      heads_.push_back(head->sequence);
    }
  }

  void Open() {
    log_.reset();
    auto log = AuditLog::Open(options_, key_, Clock::Real());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  VerifyReport Verify(const EvidencePack& pack) {
    return VerifyEvidencePack(pack, {key_->public_key()});
  }

  TempDir dir_;
  testing::FaultyStorage storage_;
  std::shared_ptr<Ed25519PrivateKey> key_;
  AuditLogOptions options_;
  std::unique_ptr<AuditLog> log_;
  std::vector<uint64_t> heads_;  // the head signed after execution i
};

TEST_F(BoundedMemoryTest, EvidenceOfAnOldExecutionComesFromTheFiles) {
  for (int i : {0, 7, kExecutions - 1}) {
    auto pack = log_->Evidence(Id(i), "acme");
    ASSERT_TRUE(pack.ok()) << Id(i) << ": " << pack.status();
    ASSERT_EQ(pack->records_size(), 3) << Id(i);
    EXPECT_EQ(pack->records(0).type(), kExecutionStart);
    EXPECT_EQ(pack->records(2).type(), kExecutionEnd);
    // The nearest covering head, not the newest: the pack stays small.
    EXPECT_EQ(pack->chain_head().sequence(), heads_[i]) << Id(i);
    VerifyReport report = Verify(*pack);
    EXPECT_TRUE(report.ok) << Id(i) << ": " << FormatVerdict(report);
  }
}

TEST_F(BoundedMemoryTest, OldExecutionsOfOtherTenantsAreStillNotFound) {
  EXPECT_TRUE(absl::IsNotFound(log_->Evidence(Id(0), "other").status()));
  EXPECT_TRUE(absl::IsNotFound(log_->Evidence("ex-never", "acme").status()));
}

TEST_F(BoundedMemoryTest, ALateRecordContinuesTheExecutionsNumbering) {
  auto late = log_->AppendAndWait(Step(kApprovalResponse, Id(0)));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->details().at(kExecutionRecord), "4");
  auto pack = log_->Evidence(Id(0), "acme");
  ASSERT_TRUE(pack.ok()) << pack.status();
  EXPECT_EQ(pack->records_size(), 4);
  VerifyReport report = Verify(*pack);
  EXPECT_TRUE(report.ok) << FormatVerdict(report);
}

TEST_F(BoundedMemoryTest, ANewExecutionsRecordsNeverReadTheFiles) {
  // The start record is in flight (its fsync held) when the next records of
  // the same execution arrive: they are not late records of a dropped
  // execution, and nothing is read.
  const int reads = storage_.reads;
  storage_.HoldSyncs();
  absl::Notification started;
  ASSERT_TRUE(log_->Append(Step(kExecutionStart, "ex-new"),
                           [&](absl::StatusOr<AuditRecord> committed) {
                             EXPECT_TRUE(committed.ok());
                             started.Notify();
                           })
                  .ok());
  while (storage_.syncs_waiting() == 0) absl::SleepFor(absl::Milliseconds(1));
  std::vector<absl::StatusOr<AuditRecord>> follow_ups(2);
  absl::Notification done;
  int settled = 0;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        log_->Append(Step(i == 0 ? kSandboxStart : kExecutionEnd, "ex-new"),
                     [&, i](absl::StatusOr<AuditRecord> committed) {
                       follow_ups[i] = std::move(committed);
                       if (++settled == 2) done.Notify();
                     })
            .ok());
  }
  storage_.ReleaseSyncs();
  started.WaitForNotification();
  done.WaitForNotification();
  EXPECT_EQ(storage_.reads, reads);
  ASSERT_TRUE(follow_ups[1].ok()) << follow_ups[1].status();
  EXPECT_EQ(follow_ups[1]->details().at(kExecutionRecord), "3");
}

TEST_F(BoundedMemoryTest,
       StepsOfExecutionsTheIndexDoesNotHoldNeverReadTheFiles) {
  // Only approval decisions and expiries can come after an execution's end;
  // any other step of an id the index does not hold (never seen, or long
  // dropped) is not looked up: a stream of such records must not cost a
  // read of the whole history each.
  const int reads = storage_.reads;
  for (const char* type : {kLimitHit, kSandboxViolation, kToolCall}) {
    auto unknown = log_->AppendAndWait(Step(type, "ex-never-started"));
    ASSERT_TRUE(unknown.ok()) << unknown.status();
    auto dropped = log_->AppendAndWait(Step(type, Id(1)));
    ASSERT_TRUE(dropped.ok()) << dropped.status();
  }
  EXPECT_EQ(storage_.reads, reads);
  // A late approval decision still is.
  auto late = log_->AppendAndWait(Step(kApprovalResponse, Id(2)));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->details().at(kExecutionRecord), "4");
  EXPECT_GT(storage_.reads, reads);
}

TEST_F(BoundedMemoryTest, AfterReopeningOldHistoryIsStillFound) {
  Open();
  auto late = log_->AppendAndWait(Step(kApprovalExpired, Id(3)));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->details().at(kExecutionRecord), "4");
  for (int i : {1, 3}) {
    auto pack = log_->Evidence(Id(i), "acme");
    ASSERT_TRUE(pack.ok()) << Id(i) << ": " << pack.status();
    EXPECT_TRUE(Verify(*pack).ok) << Id(i);
  }
  auto pack = log_->Evidence(Id(1), "acme");
  ASSERT_TRUE(pack.ok());
  EXPECT_EQ(pack->chain_head().sequence(), heads_[1]);
}

}  // namespace
}  // namespace forge::audit
