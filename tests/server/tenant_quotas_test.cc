// Per-tenant quotas on a FakeClock: concurrency slots held by leases, the
// per-minute bucket and its retry hint, the "*" entry, and limits above a
// tenant's maximum (refused, naming the field) or left to a default above it
// (lowered to the maximum).
#include "server/tenant_quotas.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::Limits;
using ::forge::exec::v1::ServerConfig;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

std::unique_ptr<TenantQuotas> Quotas(const std::string& text,
                                     const Clock& clock) {
  ServerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  auto quotas = TenantQuotas::Create(config.tenant_quotas(), clock);
  EXPECT_TRUE(quotas.ok()) << quotas.status();
  return quotas.ok() ? std::move(*quotas) : nullptr;
}

TEST(TenantQuotasTest, ConcurrencyIsHeldByLeasesUntilReleased) {
  FakeClock clock;
  auto quotas =
      Quotas("tenant_quotas { tenant: \"acme\" max_concurrent: 2 }", clock);
  auto first = quotas->Admit("acme");
  auto second = quotas->Admit("acme");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(quotas->running("acme"), 2u);
  auto third = quotas->Admit("acme");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(), HasSubstr("max_concurrent"));
  EXPECT_THAT(third.status().message(), HasSubstr("retry in 1s"));
  EXPECT_EQ(TenantQuotas::RetryAfter(third.status()), absl::Seconds(1));
  // Other tenants are not capped by acme's entry.
  EXPECT_TRUE(quotas->Admit("globex").ok());

  first->Release();
  first->Release();  // once only
  EXPECT_EQ(quotas->running("acme"), 1u);
  {
    auto again = quotas->Admit("acme");
    ASSERT_TRUE(again.ok());
    TenantQuotas::Lease moved = std::move(*again);
    EXPECT_EQ(quotas->running("acme"), 2u);
  }  // destroyed: returned
  EXPECT_EQ(quotas->running("acme"), 1u);
}

TEST(TenantQuotasTest, PerMinuteBucketRefillsContinuously) {
  FakeClock clock;
  auto quotas =
      Quotas("tenant_quotas { tenant: \"acme\" max_per_minute: 3 }", clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(quotas->Admit("acme").ok()) << i;
  auto over = quotas->Admit("acme");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("max_per_minute"));
  // One start comes back every 20 s.
  EXPECT_EQ(TenantQuotas::RetryAfter(over.status()), absl::Seconds(20));
  clock.Advance(absl::Seconds(10));
  over = quotas->Admit("acme");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(TenantQuotas::RetryAfter(over.status()), absl::Seconds(10));
  clock.Advance(absl::Seconds(10));
  EXPECT_TRUE(quotas->Admit("acme").ok());
  EXPECT_FALSE(quotas->Admit("acme").ok());
  // Never more than a minute's worth saved up.
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(quotas->Admit("acme").ok()) << i;
  EXPECT_FALSE(quotas->Admit("acme").ok());
}

TEST(TenantQuotasTest, RefusedConcurrencyTakesNoStart) {
  FakeClock clock;
  auto quotas = Quotas(
      "tenant_quotas { tenant: \"acme\" max_concurrent: 1 max_per_minute: 2 }",
      clock);
  auto held = quotas->Admit("acme");
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(quotas->Admit("acme").ok());
  EXPECT_FALSE(quotas->Admit("acme").ok());
  held->Release();
  EXPECT_TRUE(quotas->Admit("acme").ok());  // the second start of the minute
}

TEST(TenantQuotasTest, WildcardGivesEveryOtherTenantItsOwnCounters) {
  FakeClock clock;
  auto quotas = Quotas(
      "tenant_quotas { tenant: \"*\" max_concurrent: 1 }\n"
      "tenant_quotas { tenant: \"big\" max_concurrent: 3 }",
      clock);
  auto a = quotas->Admit("a");
  auto b = quotas->Admit("b");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(quotas->Admit("a").ok());
  std::vector<TenantQuotas::Lease> big;
  for (int i = 0; i < 3; ++i) {
    auto lease = quotas->Admit("big");
    ASSERT_TRUE(lease.ok());
    big.push_back(std::move(*lease));
  }
  EXPECT_FALSE(quotas->Admit("big").ok());
}

TEST(TenantQuotasTest, NoEntryMeansNoCap) {
  FakeClock clock;
  auto quotas = Quotas("", clock);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(quotas->Admit("any").ok());
}

TEST(TenantQuotasTest, RefusesUnusableEntries) {
  FakeClock clock;
  ServerConfig config;
  config.add_tenant_quotas()->set_max_concurrent(1);
  auto empty = TenantQuotas::Create(config.tenant_quotas(), clock);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("tenant_quotas[0].tenant"));
  config.mutable_tenant_quotas(0)->set_tenant("acme");
  config.add_tenant_quotas()->set_tenant("acme");
  auto twice = TenantQuotas::Create(config.tenant_quotas(), clock);
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(), HasSubstr("tenant_quotas[1].tenant"));
}

class TenantLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    quotas_ = Quotas(
        "tenant_quotas { tenant: \"acme\" max_limits { memory_bytes: 67108864 "
        "wall_time { seconds: 10 } } }",
        clock_);
    defaults_.set_memory_bytes(256 << 20);
    *defaults_.mutable_wall_time() = TimeUtil::SecondsToDuration(5);
    defaults_.set_max_processes(64);
  }
  FakeClock clock_;
  std::unique_ptr<TenantQuotas> quotas_;
  Limits defaults_;
};

TEST_F(TenantLimitsTest, AboveTheTenantMaximumIsInvalidNamingTheField) {
  Limits memory;
  memory.set_memory_bytes(128 << 20);
  absl::Status status = quotas_->ApplyLimits("acme", defaults_, &memory);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("limits.memory_bytes"));
  EXPECT_THAT(status.message(), HasSubstr("tenant acme"));

  Limits wall;
  *wall.mutable_wall_time() = TimeUtil::SecondsToDuration(11);
  status = quotas_->ApplyLimits("acme", defaults_, &wall);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("limits.wall_time"));

  // Another tenant has only the server's maximum.
  EXPECT_TRUE(quotas_->ApplyLimits("globex", defaults_, &memory).ok());
  EXPECT_EQ(memory.memory_bytes(), 128u << 20);
}

TEST_F(TenantLimitsTest, WithinOrUnsetFieldsRunWithinTheTenantMaximum) {
  Limits within;
  within.set_memory_bytes(32 << 20);
  ASSERT_TRUE(quotas_->ApplyLimits("acme", defaults_, &within).ok());
  EXPECT_EQ(within.memory_bytes(), 32u << 20);
  // The default wall time (5 s) is below the tenant's 10 s: left unset.
  EXPECT_EQ(TimeUtil::DurationToSeconds(within.wall_time()), 0);

  Limits unset;
  ASSERT_TRUE(quotas_->ApplyLimits("acme", defaults_, &unset).ok());
  // The default memory (256 MiB) is above the tenant's 64 MiB.
  EXPECT_EQ(unset.memory_bytes(), 64u << 20);
  EXPECT_EQ(unset.max_processes(), 0u);  // no tenant maximum
}

}  // namespace
}  // namespace forge::server
