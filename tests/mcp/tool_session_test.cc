// The per-execution tree and socket: files written, calls served over the
// socket with the execution's scope, everything removed on Stop.
#include "server/mcp/tool_session.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mcp_test_util.h"
#include "server/mcp/module_generator.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

std::string Roundtrip(const std::string& socket_path,
                      const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, socket_path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    ::close(fd);
    return "connect failed";
  }
  std::string line = request + "\n";
  (void)!::write(fd, line.data(), line.size());
  std::string reply;
  char buffer[4096];
  while (reply.empty() || reply.back() != '\n') {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

// An approval nobody decides: Ask returns only when the execution ends.
// The end hook then holds the ending thread until Ask has returned and a
// little longer, so the waiting call gets every chance to answer before
// Stop() goes on: a session that shut its connections only after ending the
// scope would let that answer through.
class NobodyAnswers : public ToolApprover {
 public:
  ApprovalAnswer Ask(const ApprovalAsk& ask) override {
    absl::Notification ended;
    const uint64_t hook = ask.caller.AddEndHook([this, &ended] {
      ended.Notify();
      returned.WaitForNotificationWithTimeout(absl::Seconds(5));
      absl::SleepFor(absl::Milliseconds(50));
    });
    asked.Notify();
    ended.WaitForNotification();
    ask.caller.RemoveEndHook(hook);
    returned.Notify();
    return ApprovalAnswer{ApprovalAnswer::Decision::kPending, "ap_1", "ended",
                          absl::ZeroDuration()};
  }
  absl::Notification asked;
  absl::Notification returned;
};

class ToolSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/forge-mcp-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    base_ = dir;
    auto registry =
        ToolRegistry::Create(testing::FakeConfig(), testing::NullLogger());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    binding_ = std::make_unique<ToolBinding>(*registry_, nullptr,
                                             ToolBindingHooks{&approver_});
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  std::unique_ptr<ToolSession> Start(const std::vector<std::string>& names,
                                     int64_t peer_uid = -1) {
    auto catalog = registry_->catalog();
    auto selected = registry_->Select(*catalog, "", names);
    EXPECT_TRUE(selected.ok()) << selected.status();
    auto caller = std::make_unique<CallerScope>();
    caller->execution_id = "ex_1";
    caller->budget = 2;
    for (const ToolDefinition* tool : *selected)
      caller->exposed.insert(tool->name);
    auto session = ToolSession::Start(*binding_, base_ + "/tools",
                                      std::move(caller), *selected, peer_uid);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? std::move(*session) : nullptr;
  }

  std::string base_;
  NobodyAnswers approver_;
  std::unique_ptr<ToolRegistry> registry_;
  std::unique_ptr<ToolBinding> binding_;
};

TEST_F(ToolSessionTest, WritesTheTreeAndServesCallsWithTheScope) {
  std::unique_ptr<ToolSession> session = Start({"fake.echo", "fake.add"});
  ASSERT_NE(session, nullptr);
  const std::string dir = session->host_dir();
  EXPECT_EQ(dir, base_ + "/tools/ex_1");
  for (const char* file :
       {"index.json", "python/forge_tools.py", "python/fake/__init__.py",
        "python/fake/echo.py", "ts/fake/add.ts", "ts/fake/add.js",
        "ts/forge_tools.ts", "ts/forge_tools.js"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + file)) << file;
  }
  // Only the selected tools are in the tree.
  EXPECT_FALSE(std::filesystem::exists(dir + "/python/fake/rows.py"));
  struct stat st;
  ASSERT_EQ(::stat((dir + "/call.sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0666u);

  const std::string socket_path = dir + "/call.sock";
  json reply = json::parse(Roundtrip(
      socket_path, R"({"tool":"fake.add","arguments":{"a":1,"b":2}})"));
  EXPECT_EQ(reply, json::parse(R"({"ok":true,"result":{"sum":3}})"));
  // Not selected for this execution.
  reply = json::parse(Roundtrip(
      socket_path, R"({"tool":"fake.rows","arguments":{"count":1}})"));
  EXPECT_EQ(reply["error"]["code"], "NOT_ALLOWED");
  // The budget of 2 is spent.
  reply = json::parse(Roundtrip(
      socket_path, R"({"tool":"fake.echo","arguments":{"text":"x"}})"));
  EXPECT_EQ(reply["error"]["code"], "BUDGET_EXHAUSTED");

  session->Stop();
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(Roundtrip(socket_path, "{}"), "connect failed");
}

TEST_F(ToolSessionTest, GeneratedPythonImportsAndRaisesTypedErrors) {
  std::unique_ptr<ToolSession> session = Start({"fake"});
  ASSERT_NE(session, nullptr);
  // The generated modules talk to /tools/call.sock; point them at this
  // session's socket instead and run them on the host.
  const std::string dir = session->host_dir();
  const std::string script = "import sys; sys.path.insert(0, '" + dir +
                             "/python')\n"
                             "import forge_tools; forge_tools.SOCKET_PATH = '" +
                             dir +
                             "/call.sock'\n"
                             "from fake.add import add\n"
                             "print(add(40, 2))\n"
                             "try:\n"
                             "    add(1, 'x')\n"
                             "except forge_tools.ToolError as e:\n"
                             "    print('error', e.code)\n"
                             "print(add.__doc__.splitlines()[0])\n";
  const std::string path = base_ + "/probe.py";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(script.c_str(), f);
  std::fclose(f);
  FILE* out = ::popen(("/usr/bin/python3 " + path + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), out)) output += buffer;
  ::pclose(out);
  EXPECT_EQ(output,
            "{'sum': 42}\nerror SCHEMA_VIOLATION\nAdds two integers.\n");
}

TEST_F(ToolSessionTest, MalformedLinesGetBadRequestAndTheConnectionStays) {
  std::unique_ptr<ToolSession> session = Start({"fake.echo"});
  ASSERT_NE(session, nullptr);
  json reply =
      json::parse(Roundtrip(session->host_dir() + "/call.sock", "garbage"));
  EXPECT_EQ(reply["error"]["code"], "BAD_REQUEST");
}

TEST_F(ToolSessionTest, OnlyTheSandboxUidMayConnect) {
  // This test runs as some uid; a session for another uid hangs up on it.
  std::unique_ptr<ToolSession> other =
      Start({"fake.echo"}, static_cast<int64_t>(::getuid()) + 4242);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Roundtrip(other->host_dir() + "/call.sock",
                      R"({"tool":"fake.echo","arguments":{"text":"x"}})"),
            "");
  other.reset();
  std::unique_ptr<ToolSession> mine =
      Start({"fake.echo"}, static_cast<int64_t>(::getuid()));
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(Roundtrip(mine->host_dir() + "/call.sock",
                      R"({"tool":"fake.echo","arguments":{"text":"x"}})"),
            "{\"ok\":true,\"result\":\"x\"}\n");
}

TEST_F(ToolSessionTest, StopEndsACallWaitingForApproval) {
  std::unique_ptr<ToolSession> session = Start({"fake.delete_all"});
  ASSERT_NE(session, nullptr);
  std::string reply = "unset";
  std::thread program([&] {
    reply = Roundtrip(session->host_dir() + "/call.sock",
                      R"({"tool":"fake.delete_all","arguments":{}})");
  });
  approver_.asked.WaitForNotification();
  session->Stop();
  program.join();
  // The program is gone with its execution: its connection is closed
  // unanswered, and the waiting call ended instead of holding its thread.
  EXPECT_EQ(reply, "");
  EXPECT_TRUE(
      approver_.returned.WaitForNotificationWithTimeout(absl::Seconds(30)));
}

}  // namespace
}  // namespace forge::mcp
