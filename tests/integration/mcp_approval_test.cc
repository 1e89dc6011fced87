// Destructive MCP tools wait for a person, through the real server: a
// program's call of a tool the config classifies destructive becomes an
// approval (with the tool and its arguments, through the privacy filter)
// that an approver of the same tenant — not the requester — decides with
// ListApprovals / DecideApproval while the call waits. Approved: the call
// runs (server-filesystem's write_file writes the file). Denied or expired:
// the program gets APPROVAL_DENIED / APPROVAL_EXPIRED. The execution ending
// first: its call stops waiting and the approval stays pending. Every step
// is in the audit trail.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/loopback_ports.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::Approval;
using ::forge::exec::v1::AuditRecord;
using ::forge::exec::v1::DecideApprovalRequest;
using ::testing::HasSubstr;

const TestIdentity kAlice{"acme", "alice", "executor"};
const TestIdentity kBob{"acme", "bob", "approver"};
const TestIdentity kDave{"acme", "dave", "executor,approver"};
const TestIdentity kGina{"globex", "gina", "executor,approver"};

std::string McpServersDir() {
  return SourceDir() + "/.deps/mcp-servers/node_modules/@modelcontextprotocol";
}

// The body of GET /metrics on 127.0.0.1:`port` ("" if it cannot connect).
std::string ScrapeMetrics(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
      0) {
    const std::string request =
        "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    (void)!::write(fd, request.data(), request.size());
    char buffer[65536];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;)
      response.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return response;
}

class McpApprovalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to create sandboxes with mapped ids";
    if (!std::filesystem::exists(McpServersDir() +
                                 "/server-filesystem/dist/index.js"))
      GTEST_SKIP() << "MCP servers not installed: run scripts/install-deps";
    char dir[] = "/tmp/forge-mcp-approval-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    ::chmod(dir, 0711);
    std::filesystem::create_directories(dir_ + "/files");
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void StartServer(const std::string& approvals = "") {
    metrics_port_ = forge::testing::FreeLoopbackPort();
    const std::string config = absl::StrCat(
        "auth { identity_from_metadata: true }\n", "audit { dir: \"", dir_,
        "/audit\" }\n", approvals, "mcp {\n  tools_dir: \"", dir_,
        "/tools\"\n  call_timeout { seconds: 10 }\n",
        "  servers { name: \"filesystem\" command: \"/usr/bin/node\" args: \"",
        McpServersDir(), "/server-filesystem/dist/index.js\" args: \"", dir_,
        "/files\" default_access: TOOL_ACCESS_READ\n",
        "    tools { name: \"write_file\" access: TOOL_ACCESS_DESTRUCTIVE } "
        "}\n",
        "  servers { name: \"fake\" command: \"/usr/bin/python3\" args: \"",
        SourceDir(),
        "/tests/mcp/fake_mcp_server.py\" default_access: TOOL_ACCESS_READ\n",
        "    tools { name: \"delete_all\" access: TOOL_ACCESS_DESTRUCTIVE } "
        "}\n",
        // acme: destructive calls wait for a person (the default).
        "  tenants { tenant: \"acme\" allow: \"filesystem\" allow: \"fake\" "
        "}\n",
        "  tenants { tenant: \"globex\" allow: \"fake\" }\n", "}\n");
    auto server = ServerProcess::Start(
        config, {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port_)});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }

  // Runs `code` as `who` with `tools`, at most `wall` seconds.
  CollectedEvents Run(const TestIdentity& who, const std::string& code,
                      std::vector<std::string> tools, int wall = 60) {
    forge::exec::v1::ExecuteRequest request = Request("python", code);
    for (const std::string& tool : tools) request.add_tools(tool);
    request.mutable_limits()->mutable_wall_time()->set_seconds(wall);
    return Execute(*stub_, request, absl::Seconds(120), &who);
  }

  grpc::Status ListPending(const TestIdentity& who,
                           forge::exec::v1::ListApprovalsResponse* response) {
    grpc::ClientContext context;
    SetIdentity(context, who);
    forge::exec::v1::ListApprovalsRequest request;
    request.set_state(forge::exec::v1::APPROVAL_STATE_PENDING);
    return stub_->ListApprovals(&context, request, response);
  }

  grpc::Status Decide(const TestIdentity& who, const std::string& id,
                      DecideApprovalRequest::Decision decision,
                      const std::string& reason, Approval* approval) {
    return DecideApprovalAs(*stub_, who, id, decision, reason, approval);
  }

  // Waits until bob sees a pending approval of a call of `tool`.
  Approval AwaitPendingCall(const std::string& tool) {
    for (int i = 0; i < 600; ++i) {
      forge::exec::v1::ListApprovalsResponse pending;
      grpc::Status status = ListPending(kBob, &pending);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const Approval& approval : pending.approvals())
        if (approval.tool_call().tool() == tool) return approval;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "no pending approval for " << tool;
    return Approval();
  }

  // Committed audit lines of `type` containing every one of `parts`.
  int CountAudit(const std::string& type,
                 const std::vector<std::string>& parts) const {
    int count = 0;
    for (const std::string& path : AuditLogFiles(dir_ + "/audit")) {
      std::ifstream file(path);
      std::stringstream text;
      text << file.rdbuf();
      for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
        if (!absl::StrContains(line, absl::StrCat("\"type\":\"", type, "\"")))
          continue;
        bool all = true;
        for (const std::string& part : parts)
          all = all && absl::StrContains(line, part);
        count += all;
      }
    }
    return count;
  }

  std::string dir_;
  int metrics_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

// The records streamed to the client of `run` with type `type`.
std::vector<AuditRecord> Streamed(const CollectedEvents& run,
                                  const std::string& type) {
  std::vector<AuditRecord> records;
  for (const auto& event : run.events)
    if (event.has_audit() && event.audit().type() == type)
      records.push_back(event.audit());
  return records;
}

constexpr char kWriteFile[] = R"py(
from filesystem.write_file import write_file
from filesystem.list_allowed_directories import list_allowed_directories
root = list_allowed_directories()["content"].split("\n")[-1]
write_file(path=root + "/approved.txt",
           content="written after approval, card 4111 1111 1111 1111")
print("written")
)py";

TEST_F(McpApprovalTest, ApprovedDestructiveCallRunsInTheSameExecution) {
  StartServer();
  CollectedEvents run;
  std::thread program([&] {
    run = Run(kAlice, kWriteFile,
              {"filesystem.write_file", "filesystem.list_allowed_directories"});
  });
  const Approval pending = AwaitPendingCall("filesystem.write_file");
  // The file is not written while the call waits.
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/files/approved.txt"));
  EXPECT_EQ(pending.requester(), "alice");
  EXPECT_EQ(pending.tenant(), "acme");
  EXPECT_EQ(pending.tool_call().arguments_sha256().size(), 64u);
  EXPECT_THAT(pending.tool_call().arguments(), HasSubstr("approved.txt"));
  // What the approver sees went through the privacy filter.
  EXPECT_THAT(pending.tool_call().arguments(), HasSubstr("[REDACTED:"));
  EXPECT_THAT(pending.tool_call().arguments(),
              ::testing::Not(HasSubstr("4111 1111 1111 1111")));
  EXPECT_EQ(pending.assessment().level(), forge::exec::v1::RISK_LEVEL_HIGH);

  Approval approved;
  grpc::Status decided =
      Decide(kBob, pending.approval_id(),
             DecideApprovalRequest::DECISION_APPROVE, "expected", &approved);
  ASSERT_TRUE(decided.ok()) << decided.error_message();
  EXPECT_EQ(approved.state(), forge::exec::v1::APPROVAL_STATE_APPROVED);
  // Approving lets this one call run; there is nothing to re-submit.
  EXPECT_TRUE(approved.approval_token().empty());
  program.join();

  ASSERT_TRUE(run.has_finished) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.stderr_data;
  EXPECT_EQ(run.stdout_data, "written\n") << run.stderr_data;
  std::ifstream written(dir_ + "/files/approved.txt");
  std::stringstream content;
  content << written.rdbuf();
  EXPECT_THAT(content.str(), HasSubstr("written after approval"));

  // The client saw the request and the call, with the approval's id.
  std::vector<AuditRecord> requests = Streamed(run, "approval_request");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].details().at("approval_id"), pending.approval_id());
  EXPECT_EQ(requests[0].details().at("tool"), "filesystem.write_file");
  std::vector<AuditRecord> calls = Streamed(run, "tool_call");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].details().at("tool"), "filesystem.write_file");
  EXPECT_EQ(calls[1].details().at("outcome"), "ok");
  EXPECT_EQ(calls[1].details().at("approval_id"), pending.approval_id());
  EXPECT_TRUE(calls[1].details().count("approval_wait_us"));
  EXPECT_EQ(
      CountAudit("approval_response",
                 {pending.approval_id(), "\"principal\":\"bob\"", "approved"}),
      1);
}

TEST_F(McpApprovalTest, DeniedCallIsATypedErrorAndNobodyApprovesTheirOwn) {
  StartServer();
  CollectedEvents run;
  std::thread program([&] {
    run = Run(kDave, R"py(
from forge_tools import call, ToolError
try:
    call("fake.delete_all", {})
    print("ran")
except ToolError as e:
    print(e.code, e.message)
)py",
              {"fake.delete_all"});
  });
  const Approval pending = AwaitPendingCall("fake.delete_all");
  Approval decided;
  // The requester is an approver too, but not of their own call.
  EXPECT_EQ(Decide(kDave, pending.approval_id(),
                   DecideApprovalRequest::DECISION_APPROVE, "", &decided)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Another tenant neither sees nor decides it.
  forge::exec::v1::ListApprovalsResponse theirs;
  ASSERT_TRUE(ListPending(kGina, &theirs).ok());
  EXPECT_EQ(theirs.approvals_size(), 0);
  EXPECT_EQ(Decide(kGina, pending.approval_id(),
                   DecideApprovalRequest::DECISION_APPROVE, "", &decided)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Decide(kBob, pending.approval_id(),
                     DecideApprovalRequest::DECISION_DENY, "not today",
                     &decided)
                  .ok());
  program.join();
  ASSERT_TRUE(run.has_finished) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.stderr_data;
  EXPECT_THAT(run.stdout_data, HasSubstr("APPROVAL_DENIED"));
  EXPECT_THAT(run.stdout_data, HasSubstr("denied by bob: not today"));
  std::vector<AuditRecord> calls = Streamed(run, "tool_call");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].details().at("outcome"), "APPROVAL_DENIED");
  EXPECT_EQ(calls[0].details().at("approval_id"), pending.approval_id());
  // Counted by tool and outcome on the metrics endpoint.
  const std::string metrics = ScrapeMetrics(metrics_port_);
  EXPECT_THAT(metrics,
              HasSubstr("forge_exec_tool_calls_total{outcome=\"approval_"
                        "denied\",server=\"fake\",tool=\"fake.delete_"
                        "all\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("forge_exec_tool_call_seconds_count{server="
                                 "\"fake\"} 1"));
}

TEST_F(McpApprovalTest, AnApprovalNobodyDecidesExpires) {
  StartServer("approvals { ttl { seconds: 2 } }\n");
  CollectedEvents run = Run(kAlice, R"py(
from forge_tools import call, ToolError
try:
    call("fake.delete_all", {})
except ToolError as e:
    print(e.code)
)py",
                            {"fake.delete_all"});
  ASSERT_TRUE(run.has_finished) << run.status.error_message();
  EXPECT_EQ(run.stdout_data, "APPROVAL_EXPIRED\n") << run.stderr_data;
  std::vector<AuditRecord> requests = Streamed(run, "approval_request");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(CountAudit("approval_expired",
                       {requests[0].details().at("approval_id"), "ttl"}),
            1);
}

TEST_F(McpApprovalTest, AWaitingCallEndsWithItsExecution) {
  StartServer();
  CollectedEvents run = Run(kAlice, R"py(
from forge_tools import call
call("fake.delete_all", {})
print("ran")
)py",
                            {"fake.delete_all"}, /*wall=*/3);
  ASSERT_TRUE(run.has_finished) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_WALL_TIMEOUT);
  EXPECT_EQ(run.stdout_data, "");
  // The call stopped waiting (its record says so) and the approval stays
  // pending until it expires.
  bool recorded = false;
  for (int i = 0; i < 100 && !recorded; ++i) {
    recorded = CountAudit("tool_call", {"APPROVAL_PENDING"}) == 1;
    if (!recorded) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(recorded);
  forge::exec::v1::ListApprovalsResponse pending;
  ASSERT_TRUE(ListPending(kBob, &pending).ok());
  ASSERT_EQ(pending.approvals_size(), 1);
  EXPECT_EQ(pending.approvals(0).tool_call().tool(), "fake.delete_all");
  // Deciding it now changes nothing for the ended execution.
  Approval decided;
  EXPECT_TRUE(Decide(kBob, pending.approvals(0).approval_id(),
                     DecideApprovalRequest::DECISION_APPROVE, "", &decided)
                  .ok());
}

}  // namespace
}  // namespace forge::testing
