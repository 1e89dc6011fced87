// The streamable HTTP transport against @modelcontextprotocol/server-everything
// in its streamableHttp mode (installed by scripts/install-deps).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mcp_test_util.h"
#include "server/mcp/server_pool.h"
#include "tests/loopback_ports.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

class HttpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string script =
        testing::SourceDir() +
        "/.deps/mcp-servers/node_modules/@modelcontextprotocol/"
        "server-everything/dist/index.js";
    if (!std::filesystem::exists(script))
      GTEST_SKIP()
          << "server-everything not installed: run scripts/install-deps";
    port_ = forge::testing::FreeLoopbackPort();
    const std::string port_env = absl::StrCat("PORT=", port_);
    const char* argv[] = {"/usr/bin/node", script.c_str(), "streamableHttp",
                          nullptr};
    const char* envp[] = {"PATH=/usr/bin:/bin", port_env.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(::posix_spawn(&pid_, argv[0], &actions, nullptr,
                            const_cast<char**>(argv), const_cast<char**>(envp)),
              0);
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 200 && !forge::testing::LoopbackPortListening(port_);
         ++i)
      ::usleep(50000);
    ASSERT_TRUE(forge::testing::LoopbackPortListening(port_))
        << "server-everything did not listen";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  std::string Url() const {
    return absl::StrCat("http://127.0.0.1:", port_, "/mcp");
  }

  int port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(HttpSessionTest, ListsAndCallsToolsOverStreamableHttp) {
  const std::string url = Url();
  McpServerPool pool(
      "everything",
      [url] {
        return StartHttpSession(url, {{"X-Test", "1"}});
      },
      1, absl::Seconds(10));
  absl::StatusOr<std::vector<ListedTool>> tools = pool.ListTools();
  ASSERT_TRUE(tools.ok()) << tools.status();
  bool has_echo = false;
  for (const ListedTool& tool : *tools)
    has_echo = has_echo || tool.name == "echo";
  EXPECT_TRUE(has_echo);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<json> result =
        pool.CallTool("echo", {{"message", "over http"}}, absl::Seconds(10));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ((*result)["content"][0]["text"], "Echo: over http");
  }
  absl::StatusOr<json> bad =
      pool.CallTool("no-such-tool", json::object(), absl::Seconds(10));
  // The SDK answers an unknown tool with an isError result.
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ((*bad)["isError"], true);
  EXPECT_EQ(pool.starts(), 1);
}

TEST_F(HttpSessionTest, AnUnreachableEndpointIsUnavailable) {
  const std::string url = absl::StrCat(
      "http://127.0.0.1:", forge::testing::FreeLoopbackPort(), "/mcp");
  McpServerPool pool(
      "gone", [url] { return StartHttpSession(url, {}); }, 1, absl::Seconds(5));
  absl::StatusOr<json> result =
      pool.CallTool("echo", {{"message", "x"}}, absl::Seconds(5));
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
}

TEST(HttpUrlTest, OnlyHttpAndHttpsUrlsAreAccepted) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      StartHttpSession("ftp://example.com/mcp", {}).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(StartHttpSession("https:///mcp", {}).status()));
  EXPECT_TRUE(StartHttpSession("http://127.0.0.1:1/mcp", {}).ok());
  EXPECT_TRUE(StartHttpSession("https://example.com/mcp", {}).ok());
}

}  // namespace
}  // namespace forge::mcp
