// Faults from outside the program: the audit disk filling up (the service
// fails closed and recovers, losing no acknowledged record) and a client
// that opens a thousand streams and never reads (the server stays bounded
// and keeps serving others).
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

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

using ::testing::HasSubstr;

// The log lines that name `id`, for failure messages.
std::string RecordsOf(const std::vector<std::string>& files,
                      const std::string& id) {
  std::string out;
  for (const std::string& file : files) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (absl::StrContains(line, id))
        absl::StrAppend(&out, line.substr(0, 160), "\n");
    }
  }
  return out;
}

std::string AcceptedId(const CollectedEvents& run) {
  for (const auto& event : run.events)
    if (event.has_accepted()) return event.accepted().execution_id();
  return "";
}

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "forge-execd's sandbox needs root";
    char dir[] = "/tmp/forge-faults-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    if (HasFailure() && mounted_) {
      // Keep the evidence: copy the log out before the tmpfs goes.
      std::system(("cp -r " + dir_ + "/audit " + dir_ + "-audit-kept").c_str());
    }
    if (mounted_) ::umount2((dir_ + "/audit").c_str(), MNT_DETACH);
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  std::string dir_;
  bool mounted_ = false;
};

TEST_F(FaultsTest, FullAuditDiskFailsClosedAndRecoversWithoutLosingRecords) {
  const std::string audit_dir = dir_ + "/audit";
  ASSERT_EQ(::mkdir(audit_dir.c_str(), 0700), 0);
  if (::mount("forge-audit", audit_dir.c_str(), "tmpfs", 0,
              "size=8m,mode=0700") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs for the audit log: "
                 << strerror(errno);
  }
  mounted_ = true;
  // Small files, so the log needs new space every few executions.
  auto server = ServerProcess::Start(absl::StrCat(
      "audit { dir: \"", audit_dir,
      "\" rotate_bytes: 4096 retry_interval { nanos: 200000000 } }\n"));
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  std::vector<std::string> succeeded;
  CollectedEvents first = Execute(*stub, Request("python", "print('first')"));
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  succeeded.push_back(AcceptedId(first));

  // The disk fills up (someone else's file takes every free byte).
  const std::string filler = audit_dir + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string block(1 << 16, 'f');
    while (out.write(block.data(), block.size())) {
    }
  }
  {
    std::ofstream out(filler, std::ios::binary | std::ios::app);
    while (out.put('f')) {
    }
  }

  // Executions go on until the log needs space it cannot get; then the
  // service refuses (it never runs code unaudited) and says why.
  grpc::Status refusal;
  for (int i = 0; i < 400 && refusal.ok(); ++i) {
    CollectedEvents run =
        Execute(*stub, Request("python", absl::StrCat("print(", i, ")")));
    // A start the log could not record: the job, already delivered to its
    // sandbox and held there, is withdrawn and never runs.
    if (run.has_finished &&
        absl::StrContains(run.finished.message(), "could not record")) {
      EXPECT_EQ(run.stdout_data, "") << "code ran although its start was "
                                        "never recorded";
    }
    if (run.status.ok() && run.has_finished &&
        run.stdout_data == absl::StrCat(i, "\n")) {
      succeeded.push_back(AcceptedId(run));
    } else if (!run.status.ok()) {
      refusal = run.status;
    }
  }
  ASSERT_FALSE(refusal.ok()) << "the full disk was never noticed";
  EXPECT_EQ(refusal.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refusal.error_message();
  EXPECT_THAT(refusal.error_message(), HasSubstr("audit"));
  CollectedEvents refused = Execute(*stub, Request("python", "print('no')"));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(refused.stdout_data, "");

  // Room again: within a few retry intervals executions run again.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    CollectedEvents run = Execute(*stub, Request("python", "print('back')"));
    if (run.status.ok() && run.stdout_data == "back\n") {
      recovered = true;
      succeeded.push_back(AcceptedId(run));
    } else {
      ::usleep(100 * 1000);
    }
  }
  EXPECT_TRUE(recovered) << (*server)->Log();
  ASSERT_TRUE((*server)->Terminate(absl::Seconds(10)).ok());

  // Every execution a client saw succeed is in the trail, start and end,
  // and the chain verifies.
  const std::vector<std::string> files = AuditLogFiles(audit_dir);
  audit::VerifyReport report = audit::VerifyLogFiles(files, {});
  EXPECT_TRUE(report.ok) << audit::FormatVerdict(report);
  const std::set<std::string> audited = ExecutionsWithStartAndEnd(files);
  for (const std::string& id : succeeded) {
    EXPECT_TRUE(audited.count(id))
        << id << " succeeded but is not audited; its records:\n"
        << RecordsOf(files, id) << "files:\n"
        <<
        [&] {
          std::string names;
          for (const auto& f : files) absl::StrAppend(&names, f, "\n");
          return names;
        }()
        << "succeeded: " << succeeded.size() << " index "
        << (std::find(succeeded.begin(), succeeded.end(), id) -
            succeeded.begin());
  }
}

TEST_F(FaultsTest, AThousandUnreadStreamsNeitherGrowTheServerNorStarveOthers) {
  auto server =
      ServerProcess::Start("admission { max_concurrent: 8 max_queued: 32 }\n");
  ASSERT_TRUE(server.ok()) << server.status();
  const uint64_t rss_before = (*server)->RssBytes();

  forge::exec::v1::ExecuteRequest flood = Request(
      "python", "import sys\nwhile True: sys.stdout.write('x' * 65536)\n");
  *flood.mutable_limits()->mutable_wall_time() =
      google::protobuf::util::TimeUtil::MillisecondsToDuration(2000);
  // Ten connections of a hundred streams, none ever read.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<forge::exec::v1::ExecutionService::Stub>> stubs;
  for (int c = 0; c < 10; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(grpc::CreateCustomChannel(
        (*server)->address(), grpc::InsecureChannelCredentials(), args));
    stubs.push_back(
        forge::exec::v1::ExecutionService::NewStub(channels.back()));
  }
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<
      std::unique_ptr<grpc::ClientReader<forge::exec::v1::ExecuteEvent>>>
      readers;
  for (int i = 0; i < 1000; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(
        stubs[i % stubs.size()]->Execute(contexts.back().get(), flood));
  }

  // While they hang there, another client is served (the unread ones hit
  // their wall time and give their slots back).
  uint64_t rss_peak = 0;
  for (int i = 0; i < 30; ++i) {
    rss_peak = std::max(rss_peak, (*server)->RssBytes());
    ::usleep(100 * 1000);
  }
  auto stub = (*server)->NewStub();
  CollectedEvents run = Execute(*stub, Request("python", "print('still here')"),
                                absl::Seconds(60));
  EXPECT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.stdout_data, "still here\n");
  rss_peak = std::max(rss_peak, (*server)->RssBytes());

  for (auto& context : contexts) context->TryCancel();
  readers.clear();
  contexts.clear();
  stubs.clear();
  channels.clear();
  // 1,000 calls' state is allowed; a copy of the program's output per call
  // (1,000 × 64 KiB at least) is not.
  EXPECT_LT(rss_peak, rss_before + (48u << 20))
      << "before " << rss_before << " peak " << rss_peak;
  ASSERT_TRUE((*server)->Terminate(absl::Seconds(20)).ok());
  EXPECT_EQ(CountProcessesMatching("sys.stdout.write('x' * 65536)"), 0);
}

}  // namespace
}  // namespace forge::testing
