// The binding's checks, in the order a call meets them, against the fake
// MCP server (no audit log: the records are tested through the server in
// tests/integration/mcp_test.cc).
#include "server/mcp/tool_binding.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mcp_test_util.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using Decision = ApprovalAnswer::Decision;

// A person who answers every approval with `decision`, and remembers what
// was asked.
class ScriptedApprover : public ToolApprover {
 public:
  ApprovalAnswer Ask(const ApprovalAsk& ask) override {
    ++asks;
    asked_tool = ask.tool.name;
    asked_arguments = ask.arguments;
    asked_sha256 = ask.arguments_sha256;
    if (decision == Decision::kPending) {
      // Nobody answers: the wait ends with the execution.
      absl::Notification ended;
      const uint64_t hook = ask.caller.AddEndHook([&ended] { ended.Notify(); });
      waiting.Notify();
      ended.WaitForNotification();
      ask.caller.RemoveEndHook(hook);
    }
    return ApprovalAnswer{decision, "ap_test", "answer of the test",
                          absl::ZeroDuration()};
  }
  Decision decision = Decision::kApproved;
  int asks = 0;
  std::string asked_tool, asked_sha256;
  json asked_arguments;
  absl::Notification waiting;
};

// Remembers every call it is told of.
class RecordingObserver : public ToolCallObserver {
 public:
  void ToolCallFinished(const std::string& server, const std::string& tool,
                        const std::string& outcome, absl::Duration) override {
    absl::MutexLock lock(&mutex);
    calls.push_back(server + " " + tool + " " + outcome);
  }
  absl::Mutex mutex;
  std::vector<std::string> calls;
};

class ToolBindingTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(testing::FakeConfig()); }

  void Open(const McpConfig& config) {
    auto registry = ToolRegistry::Create(config, testing::NullLogger());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    binding_ = std::make_unique<ToolBinding>(
        *registry_, nullptr, ToolBindingHooks{&approver_, &observer_});
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

  ScriptedApprover approver_;
  RecordingObserver observer_;
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

TEST_F(ToolBindingTest, DestructiveToolsWaitForAPersonByDefault) {
  ToolReply approved = Call("fake.delete_all", json::object());
  EXPECT_TRUE(approved.ok) << approved.message;
  EXPECT_EQ(approver_.asks, 1);
  EXPECT_EQ(approver_.asked_tool, "fake.delete_all");
  EXPECT_EQ(approver_.asked_arguments, json::object());
  EXPECT_EQ(approver_.asked_sha256.size(), 64u);
  // Read tools never ask.
  EXPECT_TRUE(Call("fake.echo", {{"text", "x"}}).ok);
  EXPECT_EQ(approver_.asks, 1);

  approver_.decision = Decision::kDenied;
  ToolReply denied = Call("fake.delete_all", json::object());
  EXPECT_EQ(denied.code, "APPROVAL_DENIED");
  EXPECT_EQ(denied.message, "answer of the test");
  approver_.decision = Decision::kExpired;
  EXPECT_EQ(Call("fake.delete_all", json::object()).code, "APPROVAL_EXPIRED");
  approver_.decision = Decision::kUnavailable;
  EXPECT_EQ(Call("fake.delete_all", json::object()).code, "AUDIT_UNAVAILABLE");
}

TEST_F(ToolBindingTest, AWaitForApprovalEndsWithTheExecution) {
  approver_.decision = Decision::kPending;
  ToolReply reply;
  std::thread call([&] { reply = Call("fake.delete_all", json::object()); });
  approver_.waiting.WaitForNotification();
  caller_->End();
  call.join();
  EXPECT_EQ(reply.code, "APPROVAL_PENDING");
  EXPECT_TRUE(caller_->ended());
}

TEST_F(ToolBindingTest, OnlyWellFormedDestructiveCallsReachAPerson) {
  ToolReply bad =
      binding_->Call(*caller_, R"({"tool":"fake.delete_all","arguments":[1]})");
  EXPECT_EQ(bad.code, "SCHEMA_VIOLATION");
  EXPECT_EQ(approver_.asks, 0);
}

TEST_F(ToolBindingTest, TenantPolicyRefusesOrAllowsWithoutAsking) {
  Open(
      testing::FakeConfig("tenants { tenant: 'ops' allow: 'fake' "
                          "destructive: DESTRUCTIVE_TOOL_POLICY_REFUSE }"));
  caller_->tenant = "ops";
  ToolReply refused = Call("fake.delete_all", json::object());
  EXPECT_EQ(refused.code, "DESTRUCTIVE_REFUSED");
  EXPECT_THAT(refused.message, HasSubstr("may not call destructive tools"));
  Open(testing::FakeConfig(
      "tenants { tenant: 'ops' allow: 'fake' allow_destructive: true }"));
  caller_->tenant = "ops";
  ToolReply allowed = Call("fake.delete_all", json::object());
  EXPECT_TRUE(allowed.ok) << allowed.message;
  EXPECT_EQ(approver_.asks, 0);
}

TEST_F(ToolBindingTest, WithoutAnApproverApprovalIsARefusal) {
  ToolBinding bare(*registry_, nullptr);
  ToolReply refused = bare.Call(
      *caller_,
      json{{"tool", "fake.delete_all"}, {"arguments", json::object()}}.dump());
  EXPECT_EQ(refused.code, "DESTRUCTIVE_REFUSED");
  EXPECT_THAT(refused.message, HasSubstr("approval"));
}

TEST_F(ToolBindingTest, ContradictoryDestructivePoliciesAreAConfigError) {
  auto registry = ToolRegistry::Create(
      testing::FakeConfig("tenants { tenant: 'ops' allow: 'fake' "
                          "allow_destructive: true "
                          "destructive: DESTRUCTIVE_TOOL_POLICY_REFUSE }"),
      testing::NullLogger());
  EXPECT_TRUE(absl::IsInvalidArgument(registry.status())) << registry.status();
}

TEST_F(ToolBindingTest, TheObserverSeesEveryCallWithBoundedLabels) {
  Call("fake.echo", {{"text", "x"}});
  Call("fake.add", {{"a", 1}});
  Call("made.up_name_1", json::object());
  Call("made.up_name_2", json::object());
  absl::MutexLock lock(&observer_.mutex);
  EXPECT_THAT(observer_.calls,
              ::testing::ElementsAre("fake fake.echo ok",
                                     "fake fake.add SCHEMA_VIOLATION",
                                     "unknown unknown UNKNOWN_TOOL",
                                     "unknown unknown UNKNOWN_TOOL"));
}

TEST(CallerScopeTest, EndRunsHooksOnceAndLateHooksAtOnce) {
  CallerScope scope;
  int ran = 0, withdrawn = 0;
  scope.AddEndHook([&ran] { ++ran; });
  const uint64_t handle = scope.AddEndHook([&withdrawn] { ++withdrawn; });
  scope.RemoveEndHook(handle);
  EXPECT_FALSE(scope.ended());
  scope.End();
  scope.End();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(withdrawn, 0);
  scope.AddEndHook([&ran] { ++ran; });
  EXPECT_EQ(ran, 2);
}

TEST_F(ToolBindingTest, UnlistedToolsDefaultToDestructive) {
  McpConfig config = testing::FakeConfig();
  config.mutable_servers(0)->clear_default_access();
  Open(config);
  approver_.decision = Decision::kDenied;
  EXPECT_EQ(Call("fake.echo", {{"text", "x"}}).code, "APPROVAL_DENIED");
  EXPECT_EQ(approver_.asked_tool, "fake.echo");
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
