// The MCP client and pool against tests/mcp/fake_mcp_server.py.
#include "server/mcp/server_pool.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mcp_test_util.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

SessionFactory FakeFactory(std::vector<std::string> extra = {}) {
  return [extra] {
    StdioCommand command;
    command.command = "/usr/bin/python3";
    command.args = {testing::FakeServer()};
    command.args.insert(command.args.end(), extra.begin(), extra.end());
    command.env = {"PATH=/usr/bin:/bin"};
    return StartStdioSession(command);
  };
}

TEST(ServerPoolTest, ListsEveryPageOfTools) {
  McpServerPool pool("fake", FakeFactory({"--generated", "5"}), 1,
                     absl::Seconds(10));
  absl::StatusOr<std::vector<ListedTool>> tools = pool.ListTools();
  ASSERT_TRUE(tools.ok()) << tools.status();
  EXPECT_EQ(tools->size(), 12u);  // 7 fixed + 5 generated, over two pages
  EXPECT_EQ((*tools)[0].name, "echo");
  EXPECT_EQ((*tools)[0].input_schema["required"][0], "text");
  EXPECT_TRUE((*tools)[1].output_schema.is_object());
}

TEST(ServerPoolTest, CallsAToolAndReusesTheWarmConnection) {
  McpServerPool pool("fake", FakeFactory(), 1, absl::Seconds(10));
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<json> result =
        pool.CallTool("add", {{"a", i}, {"b", 2}}, absl::Seconds(10));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ((*result)["structuredContent"]["sum"], i + 2);
  }
  EXPECT_EQ(pool.starts(), 1);
}

TEST(ServerPoolTest, JsonRpcErrorsAreFailedPrecondition) {
  McpServerPool pool("fake", FakeFactory(), 1, absl::Seconds(10));
  absl::StatusOr<json> result =
      pool.CallTool("no_such_tool", json::object(), absl::Seconds(10));
  EXPECT_TRUE(absl::IsFailedPrecondition(result.status()));
  EXPECT_THAT(result.status().message(), HasSubstr("unknown tool"));
}

TEST(ServerPoolTest, AHangingCallTimesOutAndTheServerIsReplaced) {
  McpServerPool pool("fake", FakeFactory(), 1, absl::Seconds(10));
  absl::StatusOr<json> hung =
      pool.CallTool("hang", json::object(), absl::Milliseconds(300));
  EXPECT_TRUE(absl::IsDeadlineExceeded(hung.status())) << hung.status();
  absl::StatusOr<json> next =
      pool.CallTool("echo", {{"text", "hi"}}, absl::Seconds(10));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(pool.starts(), 2);
}

TEST(ServerPoolTest, ACrashedServerIsRestartedForTheNextCall) {
  McpServerPool pool("fake", FakeFactory(), 1, absl::Seconds(10));
  absl::StatusOr<json> crashed =
      pool.CallTool("crash", json::object(), absl::Seconds(10));
  EXPECT_TRUE(absl::IsUnavailable(crashed.status())) << crashed.status();
  EXPECT_THAT(crashed.status().message(), HasSubstr("exited"));
  absl::StatusOr<json> next =
      pool.CallTool("echo", {{"text", "again"}}, absl::Seconds(10));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*next)["content"][0]["text"], "again");
  EXPECT_EQ(pool.starts(), 2);
}

TEST(ServerPoolTest, AServerThatExitsAtStartIsUnavailable) {
  McpServerPool pool("fake", FakeFactory({"--exit-at-start"}), 1,
                     absl::Seconds(10));
  absl::StatusOr<json> result =
      pool.CallTool("echo", {{"text", "x"}}, absl::Seconds(10));
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("did not initialize"));
}

TEST(ServerPoolTest, AMissingCommandIsUnavailable) {
  McpServerPool pool(
      "missing",
      [] {
        StdioCommand command;
        command.command = "/nonexistent/mcp-server";
        return StartStdioSession(command);
      },
      1, absl::Seconds(5));
  EXPECT_TRUE(absl::IsUnavailable(pool.ListTools().status()));
}

TEST(ServerPoolTest, ConcurrentCallsShareTheConnections) {
  McpServerPool pool("fake", FakeFactory(), 2, absl::Seconds(10));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, &ok, t] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<json> r =
            pool.CallTool("add", {{"a", t}, {"b", i}}, absl::Seconds(10));
        if (r.ok() && (*r)["structuredContent"]["sum"] == t + i) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(pool.starts(), 2);
}

}  // namespace
}  // namespace forge::mcp
