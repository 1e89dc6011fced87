// Execute end to end through a real forge-execd, launcher and sandboxes.
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::ExecuteEvent;
using ::forge::exec::v1::ExecuteRequest;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

class ExecuteTest : public ::testing::Test {
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
ServerProcess* ExecuteTest::server_ = nullptr;

TEST_F(ExecuteTest, EventsArriveInOrderForEveryRuntime) {
  const std::pair<const char*, const char*> programs[] = {
      {"python",
       "import sys\nprint('hello from python')\nprint('err', file=sys.stderr)"},
      {"javascript",
       "console.log('hello from javascript'); console.error('err');"},
      {"typescript",
       "const who: string = 'typescript';\nconsole.log(`hello from ${who}`);\n"
       "console.error('err');"},
      {"bash", "echo hello from bash; echo err >&2"}};
  for (const auto& [runtime, code] : programs) {
    CollectedEvents run = Execute(*stub_, Request(runtime, code));
    ASSERT_TRUE(run.status.ok())
        << runtime << ": " << run.status.error_message();
    ASSERT_TRUE(run.has_finished) << runtime;
    EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
        << runtime << ": " << run.finished.message() << run.stderr_data;
    EXPECT_EQ(run.stdout_data, absl::StrCat("hello from ", runtime, "\n"))
        << run.stderr_data;
    EXPECT_THAT(run.stderr_data, HasSubstr("err"));
    // accepted, started, output..., finished — in that order (audit
    // events interleave).
    ASSERT_GE(run.events.size(), 3u);
    EXPECT_TRUE(run.events.front().has_accepted());
    EXPECT_FALSE(run.events.front().accepted().execution_id().empty());
    const forge::exec::v1::Started* started = nullptr;
    bool output_before_started = false;
    for (const auto& event : run.events) {
      if (event.has_started()) started = &event.started();
      if (event.has_output() && started == nullptr)
        output_before_started = true;
    }
    ASSERT_NE(started, nullptr) << runtime;
    EXPECT_FALSE(output_before_started);
    EXPECT_EQ(started->runtime(), runtime);
    EXPECT_FALSE(started->runtime_version().empty());
    EXPECT_THAT(started->protections(), ::testing::Contains("userns"));
    EXPECT_TRUE(run.events.back().has_finished());
  }
}

TEST_F(ExecuteTest, StdinArgsAndExitCode) {
  ExecuteRequest request =
      Request("python",
              "import sys\nprint(sys.stdin.read().upper(), end='')\n"
              "print(sys.argv[1:])\nsys.exit(7)");
  request.set_stdin("piped input\n");
  request.add_args("one");
  request.add_args("two words");
  CollectedEvents run = Execute(*stub_, request);
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED);
  EXPECT_EQ(run.finished.exit_code(), 7);
  EXPECT_EQ(run.stdout_data, "PIPED INPUT\n['one', 'two words']\n");
  EXPECT_EQ(run.finished.stdout_bytes(), run.stdout_data.size());
}

TEST_F(ExecuteTest, InputFilesAreInTheWorkspace) {
  ExecuteRequest request = Request("bash", "cat data/a.txt; ./tool.sh");
  auto* file = request.add_files();
  file->set_path("data/a.txt");
  file->set_content("alpha\n");
  file = request.add_files();
  file->set_path("tool.sh");
  file->set_content("#!/bin/sh\necho tool ran\n");
  file->set_mode(0755);
  CollectedEvents run = Execute(*stub_, request);
  EXPECT_EQ(run.stdout_data, "alpha\ntool ran\n") << run.stderr_data;
}

TEST_F(ExecuteTest, OutputFilesComeBackButPlantedLinksDoNot) {
  ExecuteRequest request =
      Request("bash",
              "mkdir -p out/deep; echo result > out/result.txt; echo deeper > "
              "out/deep/x.csv;"
              "ln -s /etc/passwd leak.txt; ln -s /proc/1/environ out/env; "
              "mkfifo out/fifo;"
              "head -c 3000000 /dev/zero > big.bin; echo done");
  request.add_output_files("out/*");
  request.add_output_files("leak.txt");
  request.add_output_files("big.bin");
  CollectedEvents run = Execute(*stub_, request);
  ASSERT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.stderr_data;
  std::map<std::string, forge::exec::v1::OutputFile> files;
  for (const auto& file : run.finished.files()) files[file.path()] = file;
  ASSERT_TRUE(files.contains("out/result.txt"));
  EXPECT_EQ(files["out/result.txt"].content(), "result\n");
  EXPECT_EQ(files["out/deep/x.csv"].content(), "deeper\n");
  // Symlinks (to the sandbox's passwd, to init's environment) and the FIFO
  // are never followed or read.
  EXPECT_FALSE(files.contains("leak.txt"));
  EXPECT_FALSE(files.contains("out/env"));
  EXPECT_FALSE(files.contains("out/fifo"));
  // Larger than request_limits.max_output_file_bytes (1 MiB): truncated.
  ASSERT_TRUE(files.contains("big.bin"));
  EXPECT_TRUE(files["big.bin"].truncated());
  EXPECT_EQ(files["big.bin"].content().size(), 1u << 20);
}

TEST_F(ExecuteTest, NodeFileAccessIsLimitedToWorkspaceAndTmp) {
  CollectedEvents run = Execute(
      *stub_,
      Request("javascript",
              "const fs = require('fs');\n"
              "fs.writeFileSync('/workspace/a.txt', 'ok');\n"
              "console.log(fs.readFileSync('/workspace/a.txt', 'utf8'));\n"
              "try { fs.readFileSync('/etc/passwd'); console.log('read'); }\n"
              "catch (e) { console.log(e.code); }\n"));
  EXPECT_EQ(run.stdout_data, "ok\nERR_ACCESS_DENIED\n") << run.stderr_data;
  EXPECT_EQ(run.stderr_data, "");  // no permission-model warnings
}

TEST_F(ExecuteTest, WallTimeoutIsTyped) {
  ExecuteRequest request = Request("bash", "echo started; sleep 30");
  *request.mutable_limits()->mutable_wall_time() =
      TimeUtil::MillisecondsToDuration(500);
  const absl::Time start = absl::Now();
  CollectedEvents run = Execute(*stub_, request);
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_WALL_TIMEOUT);
  EXPECT_EQ(run.stdout_data, "started\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(ExecuteTest, FiftyMegabytesArriveCompleteAndInOrder) {
  // 50 MiB of numbered 16-byte lines: any loss, duplication or reordering
  // breaks the sequence.
  ExecuteRequest request = Request(
      "python",
      "import sys\nw = sys.stdout.buffer.write\n"
      "for i in range(50 * 1024 * 1024 // 16):\n    w(b'%015d\\n' % i)\n");
  request.mutable_limits()->set_max_output_bytes(64ull << 20);
  *request.mutable_limits()->mutable_wall_time() =
      TimeUtil::SecondsToDuration(120);
  *request.mutable_limits()->mutable_cpu_time() =
      TimeUtil::SecondsToDuration(120);
  CollectedEvents run = Execute(*stub_, request, absl::Seconds(180));
  ASSERT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.finished.message();
  ASSERT_EQ(run.stdout_data.size(), 50ull << 20);
  EXPECT_FALSE(run.finished.stdout_truncated());
  uint64_t expected_offset = 0;
  for (const ExecuteEvent& event : run.events) {
    if (!event.has_output()) continue;
    EXPECT_EQ(event.output().offset(), expected_offset);
    expected_offset += event.output().data().size();
  }
  for (size_t line = 0; line < run.stdout_data.size() / 16; line += 4099) {
    ASSERT_EQ(run.stdout_data.substr(line * 16, 16),
              absl::StrFormat("%015d\n", line));
  }
  ASSERT_EQ(run.stdout_data.substr(run.stdout_data.size() - 16),
            absl::StrFormat("%015d\n", run.stdout_data.size() / 16 - 1));
}

TEST_F(ExecuteTest, OutputCapStopsTheProgramWithAMarker) {
  ExecuteRequest request = Request("bash", "yes forge");
  request.mutable_limits()->set_max_output_bytes(100000);
  CollectedEvents run = Execute(*stub_, request);
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_OUTPUT_LIMIT);
  EXPECT_TRUE(run.finished.stdout_truncated());
  EXPECT_EQ(run.finished.stdout_bytes(), 100000u);
  EXPECT_THAT(run.stdout_data,
              HasSubstr("[forge-exec: stdout truncated after 100000 bytes]"));
}

TEST_F(ExecuteTest, SlowReaderKeepsServerMemoryBounded) {
  // The program writes as fast as it can, forever; the client reads slowly.
  // With one write in flight and reads paused until it completes, the server
  // holds at most a few chunks: its RSS must not grow with the output.
  ExecuteRequest request =
      Request("bash", "yes 0123456789abcdefghijklmnopqrstuvwxyz");
  request.mutable_limits()->set_max_output_bytes(256ull << 20);
  *request.mutable_limits()->mutable_wall_time() =
      TimeUtil::SecondsToDuration(60);
  grpc::ClientContext context;
  auto reader = stub_->Execute(&context, request);
  ExecuteEvent event;
  uint64_t received = 0;
  const uint64_t rss_before = server_->RssBytes();
  uint64_t rss_peak = rss_before;
  const absl::Time until = absl::Now() + absl::Seconds(3);
  while (absl::Now() < until && reader->Read(&event)) {
    if (event.has_output()) received += event.output().data().size();
    absl::SleepFor(absl::Milliseconds(20));  // ~50 chunks/s at most
    rss_peak = std::max(rss_peak, server_->RssBytes());
  }
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  reader->Finish();
  std::printf(
      "slow reader: received %lu bytes; server RSS before %lu KiB, peak %lu "
      "KiB\n",
      static_cast<unsigned long>(received),
      static_cast<unsigned long>(rss_before >> 10),
      static_cast<unsigned long>(rss_peak >> 10));
  EXPECT_GT(received, 0u);
  // Unbounded buffering would grow by hundreds of MiB in 3 s; allow 48 MiB.
  EXPECT_LT(rss_peak, rss_before + (48ull << 20));
}

int WaitForNoProcess(const std::string& marker, absl::Duration limit,
                     absl::Duration* took) {
  const absl::Time start = absl::Now();
  int count = CountProcessesMatching(marker);
  while (count > 0 && absl::Now() - start < limit) {
    absl::SleepFor(absl::Milliseconds(5));
    count = CountProcessesMatching(marker);
  }
  *took = absl::Now() - start;
  return count;
}

TEST_F(ExecuteTest, CancelKillsTheWholeProcessTree) {
  const std::string marker = "sleep 9191";
  ExecuteRequest request =
      Request("bash", "(setsid sleep 9191 &); sleep 9191 & echo ready; wait");
  grpc::ClientContext context;
  auto reader = stub_->Execute(&context, request);
  ExecuteEvent event;
  while (reader->Read(&event) && !event.has_output()) {
  }
  ASSERT_EQ(event.output().data(), "ready\n");
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_GE(CountProcessesMatching(marker), 2);
  context.TryCancel();
  absl::Duration took;
  EXPECT_EQ(WaitForNoProcess(marker, absl::Seconds(5), &took), 0);
  std::printf("cancel: sandbox processes gone %ld ms after TryCancel\n",
              static_cast<long>(absl::ToInt64Milliseconds(took)));
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ExecuteTest, DeadlineKillsTheWholeProcessTree) {
  const std::string marker = "sleep 9292";
  CollectedEvents run =
      Execute(*stub_, Request("bash", "(sleep 9292 &); sleep 9292"),
              absl::Milliseconds(700));
  EXPECT_EQ(run.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  absl::Duration took;
  EXPECT_EQ(WaitForNoProcess(marker, absl::Seconds(5), &took), 0);
}

TEST_F(ExecuteTest, FiftyConcurrentExecutions) {
  constexpr int kCount = 50;
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  for (int i = 0; i < kCount; ++i) {
    threads.emplace_back([&, i] {
      auto stub = server_->NewStub();
      CollectedEvents run =
          Execute(*stub, Request("python", absl::StrCat("print(", i, " * 3)")));
      if (run.status.ok() &&
          run.finished.outcome() == forge::exec::v1::OUTCOME_EXITED &&
          run.stdout_data == absl::StrCat(i * 3, "\n")) {
        ++correct;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(correct.load(), kCount);
}

TEST_F(ExecuteTest, BadRequestsNameTheField) {
  struct Case {
    std::function<void(ExecuteRequest&)> mutate;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](ExecuteRequest& r) { r.set_runtime("cobol"); }, "runtime"},
      {[](ExecuteRequest& r) { r.set_code(""); }, "code"},
      {[](ExecuteRequest& r) { r.set_code(std::string(2 << 20, 'x')); },
       "code"},
      {[](ExecuteRequest& r) { r.add_files()->set_path("/etc/passwd"); },
       "files[0].path"},
      {[](ExecuteRequest& r) { r.add_files()->set_path("a/../../x"); },
       "files[0].path"},
      {[](ExecuteRequest& r) {
         auto* f = r.add_files();
         f->set_path("big");
         f->set_content(std::string(9 << 20, 'x'));
       },
       "files[0].content"},
      {[](ExecuteRequest& r) {
         (*r.mutable_env())["LD_PRELOAD"] = "/tmp/x.so";
       },
       "env[LD_PRELOAD]"},
      {[](ExecuteRequest& r) {
         (*r.mutable_env())["NODE_OPTIONS"] = "--require x";
       },
       "env[NODE_OPTIONS]"},
      {[](ExecuteRequest& r) {
         r.mutable_limits()->set_memory_bytes(1ull << 40);
       },
       "limits.memory_bytes"},
      {[](ExecuteRequest& r) {
         *r.mutable_limits()->mutable_wall_time() =
             TimeUtil::SecondsToDuration(3600);
       },
       "limits.wall_time"},
      {[](ExecuteRequest& r) {
         r.set_network(forge::exec::v1::NETWORK_POLICY_EGRESS);
       },
       "network"},
  };
  for (const Case& c : cases) {
    ExecuteRequest request = Request("python", "print(1)");
    c.mutate(request);
    CollectedEvents run = Execute(*stub_, request);
    EXPECT_EQ(run.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field;
    EXPECT_THAT(run.status.error_message(),
                ::testing::StartsWith(c.field + ":"));
    EXPECT_TRUE(run.events.empty()) << c.field;
  }
}

TEST_F(ExecuteTest, ListRuntimesDescribesEveryRuntime) {
  grpc::ClientContext context;
  forge::exec::v1::ListRuntimesResponse response;
  ASSERT_TRUE(stub_->ListRuntimes(&context, {}, &response).ok());
  std::vector<std::string> names;
  for (const auto& runtime : response.runtimes()) {
    names.push_back(runtime.name());
    EXPECT_FALSE(runtime.version().empty()) << runtime.name();
    EXPECT_FALSE(runtime.extensions().empty()) << runtime.name();
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("python", "javascript",
                                                     "typescript", "bash"));
}

TEST_F(ExecuteTest, ListApprovalsAnswersForTheCallersTenant) {
  grpc::ClientContext context;
  forge::exec::v1::ListApprovalsResponse response;
  grpc::Status status = stub_->ListApprovals(&context, {}, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  // This harness's policy gates nothing, so there are none.
  EXPECT_EQ(response.approvals_size(), 0);
  EXPECT_TRUE(response.next_page_token().empty());
}

}  // namespace
}  // namespace forge::testing
