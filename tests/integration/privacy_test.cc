// The privacy filter on the live output path of the real server: values
// are redacted before a byte leaves the server, even when the program
// prints them in pieces, and counts (never values) come back in finished.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PrivacyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    auto server = ServerProcess::Start();
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
ServerProcess* PrivacyTest::server_ = nullptr;

// Assembled at run time so the test's own source holds no key.
const std::string kAwsKeyId = std::string("AKIA") + "IOSFODNN7" + "EXAMPLQ";

TEST_F(PrivacyTest, SecretsAndPiiAreRedactedOnStdoutAndStderr) {
  CollectedEvents run = Execute(
      *stub_,
      Request(
          "python",
          "import sys\n"
          "print('contact: jane.doe@example.com')\n"
          "print('aws_access_key_id = " +
              kAwsKeyId +
              "')\n"
              "print('card 4111 1111 1111 1111', file=sys.stderr)\n"
              "print('uuid 123e4567-e89b-12d3-a456-426614174000 stays')\n"));
  ASSERT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.stderr_data;
  EXPECT_THAT(run.stdout_data, Not(HasSubstr("jane.doe@example.com")));
  EXPECT_THAT(run.stdout_data, Not(HasSubstr("IOSFODNN7")));
  EXPECT_THAT(run.stdout_data, HasSubstr("[REDACTED:EMAIL]"));
  EXPECT_THAT(run.stdout_data,
              HasSubstr("123e4567-e89b-12d3-a456-426614174000 stays"));
  EXPECT_THAT(run.stderr_data, Not(HasSubstr("4111 1111 1111 1111")));
  EXPECT_THAT(run.stderr_data, HasSubstr("[REDACTED:CREDIT_CARD]"));
  EXPECT_EQ(run.finished.redactions().at("EMAIL"), 1u);
  EXPECT_GE(run.finished.redactions().at("CREDIT_CARD"), 1u);
  uint64_t offset = 0;
  for (const auto& event : run.events) {
    if (event.has_output() &&
        event.output().stream() == forge::exec::v1::STREAM_STDOUT) {
      EXPECT_EQ(event.output().offset(), offset);
      offset += event.output().data().size();
    }
  }
  EXPECT_EQ(offset, run.stdout_data.size());
}

TEST_F(PrivacyTest, AValuePrintedInPiecesIsStillRedacted) {
  // The e-mail address leaves the program in three writes, with pauses
  // longer than the filter's idle release in between.
  CollectedEvents run = Execute(
      *stub_, Request("python",
                      "import sys, time\n"
                      "for part in ['mail: jane.d', 'oe@exam', 'ple.com\\n']:\n"
                      "    sys.stdout.write(part); sys.stdout.flush(); "
                      "time.sleep(0.05)\n"));
  EXPECT_THAT(run.stdout_data, Not(HasSubstr("jane.doe@example.com")));
  EXPECT_THAT(run.stdout_data, Not(HasSubstr("example.com")));
  EXPECT_THAT(run.stdout_data, HasSubstr("[REDACTED:"));
}

TEST_F(PrivacyTest, BenignOutputStaysExactBehindASlowReader) {
  // 2 MB of numbered lines written as fast as the pipe takes them, read by
  // a client that pauses between messages: pipe reads end mid-line (often
  // inside a run of digits) while the previous chunk's write is still in
  // flight. Only a program that pauses may have a partial line released;
  // output that merely waits on the reader must arrive byte for byte.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(120));
  auto reader = stub_->Execute(
      &context, Request("python",
                        "import sys\n"
                        "sys.stdout.write(''.join('%012d\\n' % (i * 7919) "
                        "for i in range(160000)))\n"));
  std::string stdout_data;
  forge::exec::v1::ExecuteEvent event;
  while (reader->Read(&event)) {
    if (event.has_output()) {
      stdout_data += event.output().data();
      ::usleep(3000);
    }
  }
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::string expected;
  char line[32];
  for (int i = 0; i < 160000; ++i) {
    snprintf(line, sizeof(line), "%012lld\n", static_cast<long long>(i) * 7919);
    expected += line;
  }
  ASSERT_EQ(stdout_data.size(), expected.size());
  EXPECT_TRUE(stdout_data == expected)
      << "first difference at byte "
      << std::mismatch(stdout_data.begin(), stdout_data.end(), expected.begin())
                 .first -
             stdout_data.begin();
  EXPECT_THAT(stdout_data, Not(HasSubstr("[REDACTED")));
}

TEST_F(PrivacyTest, ClassifiedFileContentCopiedToOutputIsRedacted) {
  forge::exec::v1::ExecuteRequest request =
      Request("bash", "cat secret.txt; echo; cat public.txt");
  auto* secret = request.add_files();
  secret->set_path("secret.txt");
  secret->set_content(
      "Q3 revenue forecast: 48.2M, merger with Initech closes in May.");
  secret->set_classification(forge::exec::v1::CLASSIFICATION_CONFIDENTIAL);
  auto* pub = request.add_files();
  pub->set_path("public.txt");
  pub->set_content("This public notice may be printed verbatim, all of it.");
  pub->set_classification(forge::exec::v1::CLASSIFICATION_PUBLIC);
  CollectedEvents run = Execute(*stub_, request);
  EXPECT_THAT(run.stdout_data, Not(HasSubstr("merger with Initech")));
  EXPECT_THAT(run.stdout_data, HasSubstr("[REDACTED:CLASSIFIED_FILE]"));
  EXPECT_THAT(
      run.stdout_data,
      HasSubstr("This public notice may be printed verbatim, all of it."));
}

TEST_F(PrivacyTest, ReturnedTextFilesAreRedacted) {
  forge::exec::v1::ExecuteRequest request =
      Request("bash", "echo 'owner: jane.doe@example.com' > report.txt");
  request.add_output_files("report.txt");
  CollectedEvents run = Execute(*stub_, request);
  ASSERT_EQ(run.finished.files_size(), 1);
  EXPECT_EQ(run.finished.files(0).content(), "owner: [REDACTED:EMAIL]\n");
  EXPECT_EQ(run.finished.redactions().at("EMAIL"), 1u);
}

TEST_F(PrivacyTest, SecretsWrittenInCodeAreFindingsWithMaskedExcerpts) {
  grpc::ClientContext context;
  forge::exec::v1::AssessRequest request;
  request.set_runtime("python");
  request.set_code("token = 'ghp_" + std::string("a1B2c3D4e5F6g7H8i9J0") +
                   "kLmNoPqRsTuVwXyZ12'\nprint(1)\n");
  forge::exec::v1::RiskAssessment assessment;
  ASSERT_TRUE(stub_->Assess(&context, request, &assessment).ok());
  bool found = false;
  for (const auto& finding : assessment.findings()) {
    EXPECT_THAT(finding.excerpt(), Not(HasSubstr("a1B2c3D4e5F6")));
    found |= finding.excerpt().find("REDACTED") != std::string::npos ||
             finding.rule_id().find("secret") != std::string::npos;
  }
  EXPECT_TRUE(found) << assessment.DebugString();
}

}  // namespace
}  // namespace forge::testing
