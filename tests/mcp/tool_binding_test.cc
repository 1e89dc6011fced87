// The binding's checks, in the order a call meets them, against the fake
// MCP server (no audit log: the records are tested through the server in
// tests/integration/mcp_test.cc).
#include "server/mcp/tool_binding.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mcp_test_util.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

class ToolBindingTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(testing::FakeConfig()); }

  void Open(const McpConfig& config) {
    auto registry = ToolRegistry::Create(config, testing::NullLogger());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    binding_ = std::make_unique<ToolBinding>(*registry_, nullptr, gate_);
    caller_ = std::make_unique<CallerScope>();
    caller_->execution_id = "ex_test";
    caller_->budget = 5;
    for (const auto& tool : registry_->catalog()->tools)
      caller_->exposed.insert(tool.name);
  }

  ToolReply Call(const std::string& tool, const json& arguments) {
    return binding_->Call(
        *caller_, json{{"tool", tool}, {"arguments", arguments}}.dump());
  }

  ConfigDestructiveToolGate gate_;
  std::unique_ptr<ToolRegistry> registry_;
  std::unique_ptr<ToolBinding> binding_;
  std::unique_ptr<CallerScope> caller_;
};

TEST_F(ToolBindingTest, ReturnsStructuredContentOrText) {
  ToolReply sum = Call("fake.add", {{"a", 2}, {"b", 3}});
  ASSERT_TRUE(sum.ok) << sum.message;
  EXPECT_EQ(sum.result, json({{"sum", 5}}));
  ToolReply echo = Call("fake.echo", {{"text", "hello"}});
  ASSERT_TRUE(echo.ok) << echo.message;
  EXPECT_EQ(echo.result, "hello");
  EXPECT_EQ(echo.Serialize(), R"({"ok":true,"result":"hello"})");
}

TEST_F(ToolBindingTest, MalformedRequestsAreBadRequest) {
  EXPECT_EQ(binding_->Call(*caller_, "not json").code, "BAD_REQUEST");
  EXPECT_EQ(binding_->Call(*caller_, R"({"arguments": {}})").code,
            "BAD_REQUEST");
}

TEST_F(ToolBindingTest, UnknownAndUnexposedTools) {
  ToolReply unknown = Call("fake.nope", json::object());
  EXPECT_EQ(unknown.code, "UNKNOWN_TOOL");
  EXPECT_THAT(unknown.message, HasSubstr("fake.nope"));
  caller_->exposed.erase("fake.echo");
  EXPECT_EQ(Call("fake.echo", {{"text", "x"}}).code, "NOT_ALLOWED");
}

TEST_F(ToolBindingTest, TenantAllowListIsEnforced) {
  caller_->tenant = "other";  // no entry in the config: no tools
  EXPECT_EQ(Call("fake.echo", {{"text", "x"}}).code, "NOT_ALLOWED");
}

TEST_F(ToolBindingTest, SchemaViolationsNeverReachTheServer) {
  ToolReply missing = Call("fake.add", {{"a", 1}});
  EXPECT_EQ(missing.code, "SCHEMA_VIOLATION");
  EXPECT_THAT(missing.message, HasSubstr("missing required property \"b\""));
  EXPECT_EQ(Call("fake.add", {{"a", "1"}, {"b", 2}}).code, "SCHEMA_VIOLATION");
  ToolReply extra = Call("fake.add", {{"a", 1}, {"b", 2}, {"c", 3}});
  EXPECT_EQ(extra.code, "SCHEMA_VIOLATION");
  EXPECT_THAT(extra.message, HasSubstr("/c: property not allowed"));
  EXPECT_EQ(
      binding_->Call(*caller_, R"({"tool":"fake.add","arguments":[1]})").code,
      "SCHEMA_VIOLATION");
}

TEST_F(ToolBindingTest, DestructiveToolsAreRefusedUnlessTheTenantAllowsThem) {
  ToolReply refused = Call("fake.delete_all", json::object());
  EXPECT_EQ(refused.code, "DESTRUCTIVE_REFUSED");
  Open(
      testing::FakeConfig("tenants { tenant: 'ops' allow: 'fake' "
                          "allow_destructive: true }"));
  caller_->tenant = "ops";
  ToolReply allowed = Call("fake.delete_all", json::object());
  EXPECT_TRUE(allowed.ok) << allowed.message;
}

TEST_F(ToolBindingTest, UnlistedToolsDefaultToDestructive) {
  McpConfig config = testing::FakeConfig();
  config.mutable_servers(0)->clear_default_access();
  Open(config);
  EXPECT_EQ(Call("fake.echo", {{"text", "x"}}).code, "DESTRUCTIVE_REFUSED");
}

TEST_F(ToolBindingTest, TheBudgetCountsEveryCall) {
  for (int i = 0; i < 5; ++i) Call("fake.echo", {{"text", "x"}});
  ToolReply over = Call("fake.echo", {{"text", "x"}});
  EXPECT_EQ(over.code, "BUDGET_EXHAUSTED");
  EXPECT_THAT(over.message, HasSubstr("5 tool calls"));
}

TEST_F(ToolBindingTest, ToolErrorsTimeoutsAndCrashes) {
  ToolReply failed = Call("fake.fail", json::object());
  EXPECT_EQ(failed.code, "TOOL_ERROR");
  EXPECT_THAT(failed.message, HasSubstr("the backend said no"));
  EXPECT_EQ(Call("fake.hang", json::object()).code, "TIMEOUT");
  EXPECT_EQ(Call("fake.crash", json::object()).code, "SERVER_UNAVAILABLE");
  // The server was replaced: calls work again.
  EXPECT_TRUE(Call("fake.echo", {{"text", "x"}}).ok);
}

TEST_F(ToolBindingTest, ResultsAndArgumentsAreSizeCapped) {
  Open(testing::FakeConfig("max_result_bytes: 1000 max_argument_bytes: 100"));
  ToolReply big = Call("fake.rows", {{"count", 100}});
  EXPECT_EQ(big.code, "RESULT_TOO_LARGE");
  EXPECT_TRUE(Call("fake.rows", {{"count", 1}}).ok);
  EXPECT_EQ(Call("fake.echo", {{"text", std::string(200, 'x')}}).code,
            "ARGUMENTS_TOO_LARGE");
}

}  // namespace
}  // namespace forge::mcp
