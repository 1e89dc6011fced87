// MCP tool access through the real server: programs in the sandbox (Python,
// TypeScript on Deno, JavaScript on Node) discover tools in /tools, import
// and call them over their execution's socket; every refusal and failure is
// a typed error inside the program and a tool_call record in the audit
// trail. The MCP servers are @modelcontextprotocol/server-everything (over
// stdio, and over streamable HTTP as "remote") and server-filesystem
// (installed by scripts/install-deps) and the fake server in
// tests/mcp/fake_mcp_server.py (hanging, crashing, destructive tools).
// Destructive tools waiting for a person are in mcp_approval_test.cc.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/loopback_ports.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::AuditRecord;
using ::testing::HasSubstr;

std::string McpServersDir() {
  return SourceDir() + "/.deps/mcp-servers/node_modules/@modelcontextprotocol";
}

// server-everything in its streamable HTTP mode on a free port; -1 if it
// did not start listening.
pid_t StartHttpEverything(int* port) {
  *port = forge::testing::FreeLoopbackPort();
  const std::string script =
      McpServersDir() + "/server-everything/dist/index.js";
  const std::string port_env = absl::StrCat("PORT=", *port);
  const char* argv[] = {"/usr/bin/node", script.c_str(), "streamableHttp",
                        nullptr};
  const char* envp[] = {"PATH=/usr/bin:/bin", port_env.c_str(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int error =
      ::posix_spawn(&pid, argv[0], &actions, nullptr, const_cast<char**>(argv),
                    const_cast<char**>(envp));
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  for (int i = 0; i < 200 && !forge::testing::LoopbackPortListening(*port); ++i)
    ::usleep(50000);
  if (!forge::testing::LoopbackPortListening(*port)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
  }
  return pid;
}

class McpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    if (!std::filesystem::exists(McpServersDir() +
                                 "/server-everything/dist/index.js"))
      return;
    int http_port = 0;
    http_pid_ = StartHttpEverything(&http_port);
    if (http_pid_ < 0) return;
    char dir[] = "/tmp/forge-mcp-it-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return;
    dir_ = new std::string(dir);
    ::chmod(dir, 0711);
    std::filesystem::create_directories(*dir_ + "/files");
    std::ofstream(*dir_ + "/files/notes.txt") << "alpha\nbeta\n";
    const std::string config = absl::StrCat(
        "audit { dir: \"", *dir_, "/audit\" }\n", "mcp {\n", "  tools_dir: \"",
        *dir_, "/tools\"\n",
        "  call_timeout { seconds: 2 }\n  max_calls_per_execution: 20\n",
        "  servers { name: \"everything\" command: \"/usr/bin/node\" args: \"",
        McpServersDir(),
        "/server-everything/dist/index.js\" default_access: TOOL_ACCESS_READ "
        "}\n",
        "  servers { name: \"filesystem\" command: \"/usr/bin/node\" args: \"",
        McpServersDir(), "/server-filesystem/dist/index.js\" args: \"", *dir_,
        "/files\" default_access: TOOL_ACCESS_READ\n",
        "    tools { name: \"write_file\" access: TOOL_ACCESS_DESTRUCTIVE }\n",
        "    tools { name: \"move_file\" access: TOOL_ACCESS_DESTRUCTIVE } }\n",
        "  servers { name: \"fake\" command: \"/usr/bin/python3\" args: \"",
        SourceDir(),
        "/tests/mcp/fake_mcp_server.py\" default_access: TOOL_ACCESS_READ\n",
        "    tools { name: \"delete_all\" access: TOOL_ACCESS_DESTRUCTIVE } "
        "}\n",
        "  servers { name: \"remote\" url: \"http://127.0.0.1:", http_port,
        "/mcp\" default_access: TOOL_ACCESS_READ }\n",
        "  tenants { tenant: \"default\" allow: \"everything\" allow: "
        "\"filesystem\" allow: \"fake\" allow: \"remote\" "
        "destructive: DESTRUCTIVE_TOOL_POLICY_REFUSE }\n",
        "}\n");
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(config);
    if (!server.ok()) {
      std::fprintf(stderr, "server: %s\n",
                   std::string(server.status().message()).c_str());
      return;
    }
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    if (http_pid_ > 0) {
      ::kill(http_pid_, SIGKILL);
      ::waitpid(http_pid_, nullptr, 0);
      http_pid_ = -1;
    }
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to create sandboxes with mapped ids";
    if (!std::filesystem::exists(McpServersDir()))
      GTEST_SKIP() << "MCP servers not installed: run scripts/install-deps";
    ASSERT_NE(server_, nullptr) << "the server did not start";
    stub_ = server_->NewStub();
  }

  CollectedEvents Run(const std::string& runtime, const std::string& code,
                      std::vector<std::string> tools) {
    forge::exec::v1::ExecuteRequest request = Request(runtime, code);
    for (const std::string& tool : tools) request.add_tools(tool);
    return Execute(*stub_, request, absl::Seconds(90));
  }

  // The tool_call records of the execution `run`, from its evidence pack.
  std::vector<AuditRecord> ToolCalls(const CollectedEvents& run) {
    std::string id;
    for (const auto& event : run.events)
      if (event.has_accepted()) id = event.accepted().execution_id();
    grpc::ClientContext context;
    forge::exec::v1::GetEvidenceRequest request;
    request.set_execution_id(id);
    forge::exec::v1::EvidencePack pack;
    EXPECT_TRUE(stub_->GetEvidence(&context, request, &pack).ok());
    std::vector<AuditRecord> calls;
    for (const AuditRecord& record : pack.records())
      if (record.type() == "tool_call") calls.push_back(record);
    return calls;
  }

  static std::string* dir_;
  static ServerProcess* server_;
  static pid_t http_pid_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

std::string* McpTest::dir_ = nullptr;
ServerProcess* McpTest::server_ = nullptr;
pid_t McpTest::http_pid_ = -1;

std::string Details(const AuditRecord& record) {
  std::string out;
  for (const auto& [k, v] : record.details())
    absl::StrAppend(&out, k, "=", v, " ");
  return out;
}

TEST_F(McpTest, ListToolsIsCompactAndDescribeToolIsComplete) {
  grpc::ClientContext context;
  forge::exec::v1::ListToolsRequest request;
  forge::exec::v1::ListToolsResponse response;
  ASSERT_TRUE(stub_->ListTools(&context, request, &response).ok());
  std::map<std::string, std::string> tools;
  for (const auto& tool : response.tools()) tools[tool.name()] = tool.summary();
  EXPECT_EQ(tools["everything.echo"], "Echoes back the input string");
  EXPECT_TRUE(tools.count("filesystem.read_text_file"));
  EXPECT_TRUE(tools.count("fake.add"));

  grpc::ClientContext filtered_context;
  request.set_query("SUM");
  ASSERT_TRUE(stub_->ListTools(&filtered_context, request, &response).ok());
  // The same server over stdio and over streamable HTTP.
  ASSERT_EQ(response.tools_size(), 2);
  EXPECT_EQ(response.tools(0).name(), "everything.get-sum");
  EXPECT_EQ(response.tools(1).name(), "remote.get-sum");

  grpc::ClientContext describe_context;
  forge::exec::v1::DescribeToolRequest describe;
  describe.set_name("everything.get-sum");
  forge::exec::v1::ToolDescription description;
  ASSERT_TRUE(
      stub_->DescribeTool(&describe_context, describe, &description).ok());
  EXPECT_THAT(description.input_schema(),
              HasSubstr("\"required\":[\"a\",\"b\"]"));
  EXPECT_EQ(description.access(), forge::exec::v1::TOOL_ACCESS_READ);
  EXPECT_EQ(description.python_import(),
            "from everything.get_sum import get_sum");

  grpc::ClientContext missing_context;
  describe.set_name("everything.nope");
  EXPECT_EQ(stub_->DescribeTool(&missing_context, describe, &description)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(McpTest, PythonDiscoversImportsAndCallsRealServers) {
  CollectedEvents run = Run("python", R"py(
import json
from forge_tools import index
names = [t["name"] for t in index()]
print("index", len(names), "everything.echo" in names, "fake.add" in names)
from everything.echo import echo
from everything.get_sum import get_sum
from filesystem.read_text_file import read_text_file
from filesystem.list_allowed_directories import list_allowed_directories
print(echo("hi from the sandbox"))
print(get_sum(2, 40))
# server-filesystem answers with structuredContent {"content": text}.
root = list_allowed_directories()["content"].split("\n")[-1]
print(read_text_file(root + "/notes.txt")["content"].split())
print(echo.__doc__.splitlines()[0])
)py",
                            {"everything", "filesystem.read_text_file",
                             "filesystem.list_allowed_directories"});
  ASSERT_TRUE(run.has_finished) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.stderr_data;
  EXPECT_THAT(run.stdout_data, HasSubstr("index 15 True False\n"));
  EXPECT_THAT(run.stdout_data, HasSubstr("Echo: hi from the sandbox\n"));
  EXPECT_THAT(run.stdout_data, HasSubstr("42"));
  EXPECT_THAT(run.stdout_data, HasSubstr("['alpha', 'beta']\n"))
      << run.stderr_data;
  EXPECT_THAT(run.stdout_data, HasSubstr("Echoes back the input string\n"));
  std::vector<AuditRecord> calls = ToolCalls(run);
  ASSERT_EQ(calls.size(), 4u);
  // The records were streamed to the client too, before `finished`.
  int streamed = 0;
  for (const auto& event : run.events)
    streamed += event.has_audit() && event.audit().type() == "tool_call";
  EXPECT_EQ(streamed, 4);
  EXPECT_EQ(calls[0].details().at("tool"), "everything.echo");
  EXPECT_EQ(calls[0].details().at("outcome"), "ok");
  EXPECT_EQ(calls[0].details().at("access"), "read");
  EXPECT_EQ(calls[0].details().at("arguments_sha256").size(), 64u);
  EXPECT_NE(calls[0].details().at("result_bytes"), "0");
  EXPECT_TRUE(calls[0].details().count("duration_us"));
}

TEST_F(McpTest, PythonCallsAStreamableHttpServer) {
  CollectedEvents run = Run("python", R"py(
from remote.echo import echo
from remote.get_sum import get_sum
from forge_tools import call, ToolError
print(echo("over http"))
print(get_sum(20, 22))
try:
    get_sum(1)
except TypeError:
    print("needs b")
try:
    call("remote.get-sum", {"a": "x", "b": 1})
except ToolError as e:
    print("caught", e.code)
)py",
                            {"remote.echo", "remote.get-sum"});
  ASSERT_TRUE(run.has_finished) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.stderr_data;
  EXPECT_THAT(run.stdout_data, HasSubstr("Echo: over http\n"))
      << run.stderr_data;
  EXPECT_THAT(run.stdout_data, HasSubstr("42"));
  EXPECT_THAT(run.stdout_data, HasSubstr("caught SCHEMA_VIOLATION\n"));
  std::vector<AuditRecord> calls = ToolCalls(run);
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].details().at("tool"), "remote.echo");
  EXPECT_EQ(calls[0].details().at("outcome"), "ok");
  EXPECT_EQ(calls[1].details().at("tool"), "remote.get-sum");
  EXPECT_EQ(calls[1].details().at("outcome"), "ok");
  EXPECT_EQ(calls[2].details().at("outcome"), "SCHEMA_VIOLATION");
}

TEST_F(McpTest, TypeScriptAndJavaScriptCallToolsAndCatchTypedErrors) {
  CollectedEvents ts = Run("typescript", R"ts(
import { echo } from "/tools/ts/everything/echo.ts";
import { get_sum, ToolError } from "/tools/ts/everything/get_sum.ts";
console.log(await echo({ message: "from deno" }));
console.log(JSON.stringify(await get_sum({ a: 1, b: 2 })));
try {
  await get_sum({ a: 1 } as any);
} catch (e) {
  console.log("caught", e instanceof ToolError, (e as ToolError).code);
}
)ts",
                           {"everything"});
  ASSERT_TRUE(ts.has_finished) << ts.status.error_message();
  EXPECT_EQ(ts.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << ts.stderr_data;
  EXPECT_THAT(ts.stdout_data, HasSubstr("Echo: from deno\n")) << ts.stderr_data;
  EXPECT_THAT(ts.stdout_data, HasSubstr("3"));
  EXPECT_THAT(ts.stdout_data, HasSubstr("caught true SCHEMA_VIOLATION\n"));

  CollectedEvents js = Run("javascript", R"js(
const { add } = require("/tools/ts/fake/add.js");
const { ToolError } = require("/tools/ts/forge_tools.js");
(async () => {
  console.log(JSON.stringify(await add({ a: 20, b: 22 })));
  try { await add({ a: 1, b: 2, c: 3 }); }
  catch (e) { console.log("caught", e instanceof ToolError, e.code); }
})();
)js",
                           {"fake.add"});
  ASSERT_TRUE(js.has_finished) << js.status.error_message();
  EXPECT_EQ(js.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << js.stderr_data;
  EXPECT_THAT(js.stdout_data, HasSubstr("{\"sum\":42}\n"));
  EXPECT_THAT(js.stdout_data, HasSubstr("caught true SCHEMA_VIOLATION\n"));
}

TEST_F(McpTest, EveryRefusalAndFailureIsATypedErrorAndAnAuditRecord) {
  CollectedEvents run = Run("python", R"py(
from forge_tools import call, ToolError
def attempt(name, args):
    try:
        call(name, args)
        print(name, "ok")
    except ToolError as e:
        print(name, e.code)
attempt("fake.add", {"a": 1})                  # schema: missing b
attempt("fake.add", {"a": 1, "b": 2, "x": 0})  # schema: additional
attempt("fake.nope", {})                       # unknown
attempt("everything.echo", {"message": "x"})   # not given to this execution
attempt("fake.delete_all", {})                 # destructive
attempt("fake.fail", {})                       # tool error
attempt("fake.hang", {})                       # timeout
attempt("fake.crash", {})                      # server died
attempt("fake.add", {"a": 1, "b": 2})          # restarted
for _ in range(15):
    attempt("fake.echo", {"text": "x"})        # the budget of 20 runs out
)py",
                            {"fake"});
  ASSERT_TRUE(run.has_finished) << run.status.error_message();
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
      << run.stderr_data;
  const char* expected[] = {"fake.add SCHEMA_VIOLATION\n",
                            "fake.add SCHEMA_VIOLATION\n",
                            "fake.nope UNKNOWN_TOOL\n",
                            "everything.echo NOT_ALLOWED\n",
                            "fake.delete_all DESTRUCTIVE_REFUSED\n",
                            "fake.fail TOOL_ERROR\n",
                            "fake.hang TIMEOUT\n",
                            "fake.crash SERVER_UNAVAILABLE\n",
                            "fake.add ok\n",
                            "fake.echo BUDGET_EXHAUSTED\n"};
  for (const char* line : expected)
    EXPECT_THAT(run.stdout_data, HasSubstr(line));
  std::vector<AuditRecord> calls = ToolCalls(run);
  ASSERT_EQ(calls.size(), 24u);
  std::map<std::string, int> outcomes;
  for (const AuditRecord& call : calls)
    ++outcomes[call.details().at("outcome")];
  EXPECT_EQ(outcomes["SCHEMA_VIOLATION"], 2);
  EXPECT_EQ(outcomes["UNKNOWN_TOOL"], 1);
  EXPECT_EQ(outcomes["NOT_ALLOWED"], 1);
  EXPECT_EQ(outcomes["DESTRUCTIVE_REFUSED"], 1);
  EXPECT_EQ(outcomes["TOOL_ERROR"], 1);
  EXPECT_EQ(outcomes["TIMEOUT"], 1);
  EXPECT_EQ(outcomes["SERVER_UNAVAILABLE"], 1);
  EXPECT_EQ(outcomes["BUDGET_EXHAUSTED"], 4);
  EXPECT_EQ(outcomes["ok"], 12);
  EXPECT_EQ(calls[6].details().at("tool"), "fake.hang");
  EXPECT_THAT(Details(calls[6]), HasSubstr("did not answer within 2s"));
}

TEST_F(McpTest, ToolsAreOnlyForExecutionsThatAskAndOnlyAllowedOnes) {
  CollectedEvents plain = Run("python", R"py(
import os
print(os.path.exists("/tools"))
)py",
                              {});
  ASSERT_TRUE(plain.has_finished);
  EXPECT_EQ(plain.stdout_data, "False\n");

  CollectedEvents unknown = Run("python", "print(1)", {"nosuch"});
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unknown.status.error_message(), HasSubstr("tools[0]"));

  // The tree is read-only, the network stays off, and the socket is this
  // execution's own.
  CollectedEvents probe = Run("python", R"py(
import os, socket
try:
    open("/tools/index.json", "a")
    print("writable")
except OSError as e:
    print("read-only", e.errno in (13, 30))
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    print("network")
except OSError:
    print("no network")
print(sorted(os.listdir("/tools")))
)py",
                              {"fake.echo"});
  ASSERT_TRUE(probe.has_finished);
  EXPECT_THAT(probe.stdout_data, HasSubstr("read-only True\n"));
  EXPECT_THAT(probe.stdout_data, HasSubstr("no network\n"));
  EXPECT_THAT(probe.stdout_data,
              HasSubstr("['call.sock', 'index.json', 'python', 'ts']\n"));
  // Each execution's tree is removed when it ends.
  EXPECT_TRUE(std::filesystem::is_empty(*dir_ + "/tools"));
}

}  // namespace
}  // namespace forge::testing
