// A client that disconnects while its execution waits for an approval (its
// process crashed, or the network failed: the TCP connection is reset, no
// gRPC cancel is sent). The server ends only the wait: the stream's
// execution is recorded as CANCELLED, nothing is left waiting, the approval
// stays pending as docs/API.md says, and approving it later runs nothing
// for the gone client — the requester re-submits with the token instead.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::Approval;
using ::forge::exec::v1::DecideApprovalRequest;
using ::testing::HasSubstr;

const TestIdentity kAlice{"acme", "alice", "executor"};
const TestIdentity kBob{"acme", "bob", "approver"};

// Code CARS rates above LOW that runs fine in the sandbox.
constexpr char kGatedCode[] =
    "import subprocess\n"
    "out = subprocess.run(['/bin/echo', 'approved-run'], capture_output=True)\n"
    "print(out.stdout.decode().strip())\n";

// A TCP relay for one client connection to `target` (host:port), so the
// test can cut it as a crash would: both sockets reset, no goodbye.
class CuttableRelay {
 public:
  explicit CuttableRelay(const std::string& target) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address),
               sizeof(address)) != 0 ||
        ::listen(listen_fd_, 1) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address),
                      &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    const size_t colon = target.rfind(':');
    int target_port = 0;
    if (!absl::SimpleAtoi(target.substr(colon + 1), &target_port)) return;
    if (::pipe2(wake_, O_CLOEXEC) != 0) return;
    thread_ = std::thread([this, target_port] { Relay(target_port); });
  }
  ~CuttableRelay() {
    Cut();
    if (thread_.joinable()) thread_.join();
    for (int fd : {listen_fd_, wake_[0], wake_[1]})
      if (fd >= 0) ::close(fd);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  // Resets both connections now (SO_LINGER 0); the relay accepts no other.
  void Cut() {
    if (!cut_.exchange(true) && wake_[1] >= 0) (void)::write(wake_[1], "x", 1);
  }

 private:
  static void Reset(int fd) {
    if (fd < 0) return;
    linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
    ::close(fd);
  }

  void Relay(int target_port) {
    pollfd accept_polls[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(accept_polls, 2, -1) <= 0 || accept_polls[1].revents != 0)
      return;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(target_port));
    if (client < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&address),
                                sizeof(address)) != 0) {
      Reset(client);
      Reset(server);
      return;
    }
    char buffer[65536];
    bool open = true;
    while (open) {
      pollfd polls[3] = {
          {client, POLLIN, 0}, {server, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(polls, 3, -1) < 0) break;
      if (polls[2].revents != 0) break;
      for (int i = 0; i < 2 && open; ++i) {
        if (polls[i].revents == 0) continue;
        ssize_t n = ::read(polls[i].fd, buffer, sizeof(buffer));
        if (n <= 0) {
          open = false;
          break;
        }
        const int to = i == 0 ? server : client;
        for (ssize_t done = 0; done < n;) {
          ssize_t written = ::write(to, buffer + done, n - done);
          if (written <= 0) {
            open = false;
            break;
          }
          done += written;
        }
      }
    }
    Reset(client);
    Reset(server);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::atomic<bool> cut_{false};
  std::thread thread_;
};

class ApprovalDisconnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "forge-execd's sandbox needs root here";
    char dir[] = "/tmp/forge-approval-cut-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    metrics_port_ = FreeLocalPort();
    ASSERT_GT(metrics_port_, 0);
    auto server = ServerProcess::Start(
        absl::StrCat("auth { identity_from_metadata: true }\n"
                     "cars { low_action: POLICY_ACTION_AUTO_APPROVE "
                     "medium_action: POLICY_ACTION_REQUIRE_APPROVAL "
                     "high_action: POLICY_ACTION_REQUIRE_APPROVAL "
                     "critical_action: POLICY_ACTION_BLOCK }\n"
                     "audit { dir: \"",
                     dir_, "/audit\" }\n"),
        {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port_)});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) std::system(absl::StrCat("rm -rf ", dir_).c_str());
  }

  double Waits() const {
    return MetricValue(ScrapeMetrics(metrics_port_),
                       "forge_exec_approval_waits");
  }

  int CountAudit(const std::string& type,
                 const std::vector<std::string>& parts) const {
    return CountAuditLines(dir_ + "/audit", type, parts);
  }

  std::string dir_;
  int metrics_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

// Property: a client that vanishes mid-approval-wait leaves nothing behind
// but what docs/API.md promises: its execution ends CANCELLED in the audit
// trail (start and end), no wait is held for it, the approval stays
// PENDING; approving it later runs nothing for the gone stream (no sandbox
// is started for that execution) and yields a token with which the
// requester's identical re-submission runs.
TEST_F(ApprovalDisconnectTest, DisconnectEndsOnlyTheWait) {
  CuttableRelay relay(server_->address());
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto stub =
      forge::exec::v1::ExecutionService::NewStub(grpc::CreateCustomChannel(
          relay.address(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
  SetIdentity(context, kAlice);
  forge::exec::v1::ExecuteRequest request = Request("python", kGatedCode);
  request.mutable_approval_wait()->set_seconds(120);
  auto reader = stub->Execute(&context, request);
  std::string execution_id, approval_id;
  forge::exec::v1::ExecuteEvent event;
  while (approval_id.empty() && reader->Read(&event)) {
    if (event.has_accepted()) execution_id = event.accepted().execution_id();
    if (event.has_approval_required())
      approval_id = event.approval_required().approval_id();
  }
  ASSERT_FALSE(execution_id.empty());
  ASSERT_FALSE(approval_id.empty());
  // The stream is parked in the approval gate.
  for (int i = 0; i < 100 && Waits() != 1; ++i)
    absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(Waits(), 1);

  relay.Cut();
  const grpc::Status gone = reader->Finish();
  EXPECT_FALSE(gone.ok());

  // The server noticed: the wait is released and the end recorded.
  for (int i = 0; i < 250 && Waits() != 0; ++i)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(Waits(), 0) << "the wait outlived its client";
  for (int i = 0; i < 250 && CountAudit("execution_end", {execution_id}) == 0;
       ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(CountAudit("execution_end", {execution_id, "OUTCOME_CANCELLED"}), 1)
      << server_->Log();
  EXPECT_THAT(server_->Log(),
              HasSubstr(absl::StrCat("execution_id=", execution_id,
                                     " event=cancelled")));

  // The approval stays pending, and an approver can still decide it.
  forge::exec::v1::ListApprovalsResponse pending;
  {
    grpc::ClientContext list_context;
    SetIdentity(list_context, kBob);
    forge::exec::v1::ListApprovalsRequest list;
    list.set_state(forge::exec::v1::APPROVAL_STATE_PENDING);
    ASSERT_TRUE(stub_->ListApprovals(&list_context, list, &pending).ok());
  }
  ASSERT_EQ(pending.approvals_size(), 1);
  EXPECT_EQ(pending.approvals(0).approval_id(), approval_id);
  EXPECT_EQ(pending.approvals(0).execution_id(), execution_id);
  Approval approval;
  {
    grpc::ClientContext decide_context;
    SetIdentity(decide_context, kBob);
    DecideApprovalRequest decide;
    decide.set_approval_id(approval_id);
    decide.set_decision(DecideApprovalRequest::DECISION_APPROVE);
    decide.set_reason("reviewed after the client left");
    grpc::Status decided =
        stub_->DecideApproval(&decide_context, decide, &approval);
    ASSERT_TRUE(decided.ok()) << decided.error_message();
  }
  EXPECT_EQ(approval.state(), forge::exec::v1::APPROVAL_STATE_APPROVED);
  ASSERT_FALSE(approval.approval_token().empty());

  // The requester comes back with the token: the identical request runs.
  forge::exec::v1::ExecuteRequest again = Request("python", kGatedCode);
  again.set_approval_token(approval.approval_token());
  CollectedEvents rerun = Execute(*stub_, again, absl::Seconds(60), &kAlice);
  ASSERT_TRUE(rerun.status.ok()) << rerun.status.error_message();
  EXPECT_EQ(rerun.finished.outcome(), forge::exec::v1::OUTCOME_EXITED);
  EXPECT_EQ(rerun.stdout_data, "approved-run\n");

  // After a drain (everything asynchronous is done and on disk): the gone
  // execution never reached a sandbox and ended exactly once.
  ASSERT_TRUE(server_->Terminate(absl::Seconds(20)).ok());
  EXPECT_EQ(CountAudit("approval_response", {approval_id, "approved"}), 1);
  EXPECT_EQ(CountAudit("execution_start", {execution_id}), 1);
  EXPECT_EQ(CountAudit("execution_end", {execution_id}), 1);
  EXPECT_EQ(CountAudit("sandbox_start", {execution_id}), 0);
}

}  // namespace
}  // namespace forge::testing
