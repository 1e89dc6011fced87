// Per-tenant quotas through the real server: a tenant at its max_concurrent
// or max_per_minute gets RESOURCE_EXHAUSTED with a retry-after trailer while
// other tenants run; limits above the tenant's maximum are INVALID_ARGUMENT
// naming the field, and a request without limits runs within the tenant's
// maximum rather than the server default.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::ExecuteEvent;
using ::testing::HasSubstr;

constexpr char kQuotaConfig[] = R"(
auth { identity_from_metadata: true }
tenant_quotas { tenant: "acme" max_concurrent: 1 }
tenant_quotas { tenant: "initech" max_per_minute: 2 }
tenant_quotas { tenant: "tiny" max_limits { memory_bytes: 67108864 } }
)";

// The retry-after trailer of a finished call, or -1.
int RetryAfter(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("retry-after");
  int seconds = -1;
  if (it == trailers.end() ||
      !absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()),
                        &seconds)) {
    return -1;
  }
  return seconds;
}

class QuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "forge-execd's sandbox needs root here";
    auto server = ServerProcess::Start(kQuotaConfig);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }

  // Runs `code` as an executor of `tenant`; `context` keeps the trailers.
  CollectedEvents Run(const std::string& tenant, const std::string& code,
                      grpc::ClientContext& context,
                      const forge::exec::v1::Limits* limits = nullptr) {
    SetIdentity(context, TestIdentity{tenant, "bot", "executor"});
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    forge::exec::v1::ExecuteRequest request = Request("python", code);
    if (limits != nullptr) *request.mutable_limits() = *limits;
    CollectedEvents collected;
    auto reader = stub_->Execute(&context, request);
    ExecuteEvent event;
    while (reader->Read(&event)) {
      if (event.has_finished()) {
        collected.finished = event.finished();
        collected.has_finished = true;
      }
      collected.events.push_back(event);
    }
    collected.status = reader->Finish();
    return collected;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

TEST_F(QuotaTest, ConcurrencyCapRefusesTheTenantsSecondExecutionOnly) {
  grpc::ClientContext first;
  SetIdentity(first, TestIdentity{"acme", "bot", "executor"});
  first.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto reader = stub_->Execute(
      &first, Request("python", "import time\ntime.sleep(3)\nprint('done')"));
  ExecuteEvent event;
  bool started = false;
  while (!started && reader->Read(&event)) started = event.has_started();
  ASSERT_TRUE(started);

  grpc::ClientContext second;
  CollectedEvents refused = Run("acme", "print(2)", second);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("max_concurrent"));
  EXPECT_TRUE(refused.events.empty());
  EXPECT_GE(RetryAfter(second), 1);

  grpc::ClientContext other;
  CollectedEvents globex = Run("globex", "print(3)", other);
  EXPECT_TRUE(globex.status.ok()) << globex.status.error_message();

  bool finished = false;
  while (reader->Read(&event)) finished = finished || event.has_finished();
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(finished);
  // The slot came back with `finished`.
  grpc::ClientContext after;
  CollectedEvents again = Run("acme", "print(4)", after);
  EXPECT_TRUE(again.status.ok()) << again.status.error_message();
}

TEST_F(QuotaTest, PerMinuteCapRefusesWithARetryHint) {
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    CollectedEvents run = Run("initech", "print(1)", context);
    EXPECT_TRUE(run.status.ok()) << i << ": " << run.status.error_message();
  }
  grpc::ClientContext context;
  CollectedEvents refused = Run("initech", "print(1)", context);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("max_per_minute"));
  EXPECT_THAT(refused.status.error_message(), HasSubstr("retry in"));
  // A start comes back every 30 s; some of that has passed.
  EXPECT_GE(RetryAfter(context), 1);
  EXPECT_LE(RetryAfter(context), 30);
}

TEST_F(QuotaTest, TenantMaximumLimitsAreEnforced) {
  forge::exec::v1::Limits too_much;
  too_much.set_memory_bytes(128 << 20);
  grpc::ClientContext refused_context;
  CollectedEvents refused = Run("tiny", "print(1)", refused_context, &too_much);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("limits.memory_bytes"));
  EXPECT_THAT(refused.status.error_message(), HasSubstr("tenant tiny"));

  // The same limit is fine for a tenant without that maximum.
  grpc::ClientContext other_context;
  CollectedEvents other = Run("globex", "print(1)", other_context, &too_much);
  EXPECT_TRUE(other.status.ok()) << other.status.error_message();

  // Without limits, tiny runs at its 64 MiB, not the server's default.
  grpc::ClientContext context;
  CollectedEvents run =
      Run("tiny", "b = bytearray(160 * 1024 * 1024)\nprint(len(b))", context);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  bool memory_cgroup = false;
  for (const ExecuteEvent& event : run.events) {
    if (!event.has_started()) continue;
    for (const std::string& protection : event.started().protections())
      memory_cgroup = memory_cgroup || protection == "cgroup-memory";
  }
  if (!memory_cgroup) GTEST_SKIP() << "no memory cgroup on this host";
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_MEMORY_LIMIT)
      << run.finished.message();
}

}  // namespace
}  // namespace forge::testing
