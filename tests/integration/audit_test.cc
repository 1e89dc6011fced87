// The audit trail through the real server: every step of an execution is a
// hash-chained record, streamed to the client once durable; GetEvidence
// returns a pack that verifies offline; the log survives kill -9.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/audit/verify.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to create sandboxes with mapped ids";
    char dir[] = "/tmp/forge-audit-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    audit_dir_ = dir;
  }
  void TearDown() override {
    if (!audit_dir_.empty())
      std::system(absl::StrCat("rm -rf ", audit_dir_).c_str());
  }
  std::string Config() const {
    return absl::StrCat("audit { dir: \"", audit_dir_,
                        "\" sign_interval { seconds: 1 } }\n");
  }

  std::string audit_dir_;
};

std::vector<std::string> AuditTypes(const CollectedEvents& run) {
  std::vector<std::string> types;
  for (const auto& event : run.events) {
    if (event.has_audit()) types.push_back(event.audit().type());
  }
  return types;
}

TEST_F(AuditTest, EveryStepIsRecordedStreamedAndVerifiable) {
  auto server = ServerProcess::Start(Config());
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();

  forge::exec::v1::ExecuteRequest request = Request(
      "python", "print('mail jane.doe@example.com')\nwhile True: pass\n");
  *request.mutable_limits()->mutable_wall_time() =
      google::protobuf::util::TimeUtil::MillisecondsToDuration(400);
  request.set_session_id("session-42");
  CollectedEvents run = Execute(*stub, request);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_WALL_TIMEOUT);
  std::vector<std::string> types = AuditTypes(run);
  EXPECT_THAT(types, ::testing::ElementsAre(
                         "execution_start", "risk_assessment", "sandbox_start",
                         "limit_hit", "privacy_detection", "execution_end"));
  // Audit events come after accepted and before finished, which is last.
  EXPECT_TRUE(run.events.front().has_accepted());
  EXPECT_TRUE(run.events.back().has_finished());
  const std::string execution_id = run.events.front().accepted().execution_id();
  for (const auto& event : run.events) {
    if (!event.has_audit()) continue;
    EXPECT_EQ(event.audit().execution_id(), execution_id);
    EXPECT_EQ(event.audit().session_id(), "session-42");
    EXPECT_EQ(event.audit().hash().size(), 64u);
    // Never the raw code, never the redacted value.
    for (const auto& [key, value] : event.audit().details()) {
      EXPECT_THAT(value, ::testing::Not(HasSubstr("jane.doe")));
      EXPECT_THAT(value, ::testing::Not(HasSubstr("while True")));
    }
  }

  grpc::ClientContext context;
  forge::exec::v1::GetEvidenceRequest evidence_request;
  evidence_request.set_execution_id(execution_id);
  forge::exec::v1::EvidencePack pack;
  grpc::Status status = stub->GetEvidence(&context, evidence_request, &pack);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(pack.records_size(), 6);
  audit::VerifyReport report = audit::VerifyEvidencePack(pack, {});
  EXPECT_TRUE(report.ok) << audit::FormatVerdict(report);

  grpc::ClientContext missing_context;
  evidence_request.set_execution_id("ex_nope");
  EXPECT_EQ(
      stub->GetEvidence(&missing_context, evidence_request, &pack).error_code(),
      grpc::StatusCode::NOT_FOUND);

  // Blocked and approval-gated executions are recorded too.
  ASSERT_TRUE((*server)->Terminate(absl::Seconds(10)).ok());
  audit::VerifyReport files =
      audit::VerifyLogFiles(AuditLogFiles(audit_dir_), {});
  EXPECT_TRUE(files.ok) << audit::FormatVerdict(files);
  EXPECT_GT(files.signatures, 0u);
}

// A sandbox taken ready from the pool is recorded with the start records,
// in their batch: its sandbox_start is durable (and streamed) before
// `started`, so the closing records never wait behind its fsync.
TEST_F(AuditTest, AReadySandboxIsRecordedWithTheStartRecords) {
  auto server = ServerProcess::Start(Config());
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  ASSERT_TRUE(WaitForReadySandboxes(*stub, "python", 1, absl::Seconds(60)))
      << "the python pool never filled";

  CollectedEvents run = Execute(*stub, Request("python", "print(1)\n"));
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.finished.message();
  std::vector<std::string> order;
  for (const auto& event : run.events) {
    if (event.has_audit()) order.push_back(event.audit().type());
    if (event.has_started()) order.push_back("started");
  }
  EXPECT_THAT(order, ::testing::ElementsAre("execution_start",
                                            "risk_assessment", "sandbox_start",
                                            "started", "execution_end"));
}

TEST_F(AuditTest, KillNineLosesNoAcknowledgedRecord) {
  // Executions run under load while the server is killed with SIGKILL at
  // random moments; every record a client saw must be in the log after
  // restart, the chain must verify (torn tails reported, not hidden), and
  // no sandbox process may survive.
  std::mt19937 random(12345);
  std::set<std::string> acknowledged;  // hashes the clients saw
  std::mutex mutex;
  for (int round = 0; round < 10; ++round) {
    auto server = ServerProcess::Start(Config());
    ASSERT_TRUE(server.ok()) << server.status();
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        auto stub = (*server)->NewStub();
        while (!stop.load()) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(10));
          auto reader = stub->Execute(
              &context,
              Request("bash", absl::StrCat("echo ", c, "; sleep 0.0", c,
                                           "; echo crash-test-marker")));
          forge::exec::v1::ExecuteEvent event;
          while (reader->Read(&event)) {
            if (event.has_audit()) {
              std::lock_guard<std::mutex> lock(mutex);
              acknowledged.insert(event.audit().hash());
            }
          }
          reader->Finish();
        }
      });
    }
    absl::SleepFor(absl::Milliseconds(150 + random() % 400));
    ::kill((*server)->pid(), SIGKILL);
    stop.store(true);
    for (auto& client : clients) client.join();
  }
  // One more start recovers the last torn tail, then a clean stop.
  auto server = ServerProcess::Start(Config());
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_TRUE((*server)->Terminate(absl::Seconds(10)).ok());

  audit::VerifyReport report =
      audit::VerifyLogFiles(AuditLogFiles(audit_dir_), {});
  EXPECT_TRUE(report.ok) << audit::FormatVerdict(report);
  std::set<std::string> in_log;
  std::string all;
  for (const std::string& file : AuditLogFiles(audit_dir_)) {
    std::ifstream in(file);
    std::stringstream content;
    content << in.rdbuf();
    all += content.str();
  }
  size_t missing = 0;
  for (const std::string& hash : acknowledged) {
    if (all.find(hash) == std::string::npos) ++missing;
  }
  EXPECT_GT(acknowledged.size(), 20u);
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size()
                         << " acknowledged records";
  std::printf(
      "crash test: %zu acknowledged records, all in the log; %zu recoveries\n",
      acknowledged.size(), report.recoveries.size());
  // The launcher dies with the server and takes the sandboxes with it.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(CountProcessesMatching("crash-test-marker"), 0);
}

}  // namespace
}  // namespace forge::testing
