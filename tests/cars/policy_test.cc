#include "cars/policy.h"

#include "gtest/gtest.h"

namespace forge::cars {
namespace {

using forge::exec::v1::CarsPolicy;

TEST(PolicyTest, DefaultsFollowTheDesign) {
  auto policy = Policy::Create(CarsPolicy());
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->LevelFor(0.29, ""), forge::exec::v1::RISK_LEVEL_LOW);
  EXPECT_EQ(policy->LevelFor(0.3, ""), forge::exec::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(policy->LevelFor(0.5, ""), forge::exec::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(policy->LevelFor(0.8, ""), forge::exec::v1::RISK_LEVEL_CRITICAL);
  EXPECT_EQ(policy->ActionFor(forge::exec::v1::RISK_LEVEL_LOW, ""),
            forge::exec::v1::POLICY_ACTION_AUTO_APPROVE);
  EXPECT_EQ(policy->ActionFor(forge::exec::v1::RISK_LEVEL_MEDIUM, ""),
            forge::exec::v1::POLICY_ACTION_APPROVE_WITH_LOG);
  EXPECT_EQ(policy->ActionFor(forge::exec::v1::RISK_LEVEL_HIGH, ""),
            forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL);
  EXPECT_EQ(policy->ActionFor(forge::exec::v1::RISK_LEVEL_CRITICAL, ""),
            forge::exec::v1::POLICY_ACTION_BLOCK);
  EXPECT_EQ(policy->max_findings(), 64u);
}

TEST(PolicyTest, TenantOverridesThresholdsActionsAndRules) {
  CarsPolicy config;
  config.set_high_threshold(0.6);
  config.add_disabled_rules("global.rule");
  auto* strict = config.add_tenants();
  strict->set_tenant("strict");
  strict->set_high_threshold(0.4);
  strict->set_medium_threshold(0.2);
  strict->set_high_action(forge::exec::v1::POLICY_ACTION_BLOCK);
  strict->add_disabled_rules("noisy.rule");
  auto policy = Policy::Create(config);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->LevelFor(0.55, ""), forge::exec::v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(policy->LevelFor(0.45, "strict"), forge::exec::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(policy->ActionFor(forge::exec::v1::RISK_LEVEL_HIGH, "strict"),
            forge::exec::v1::POLICY_ACTION_BLOCK);
  EXPECT_EQ(policy->ActionFor(forge::exec::v1::RISK_LEVEL_HIGH, "other"),
            forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL);
  EXPECT_TRUE(policy->IsDisabled("global.rule", "strict"));
  EXPECT_TRUE(policy->IsDisabled("noisy.rule", "strict"));
  EXPECT_FALSE(policy->IsDisabled("noisy.rule", "other"));
}

TEST(PolicyTest, RejectsInconsistentConfigs) {
  CarsPolicy inverted;
  inverted.set_medium_threshold(0.6);
  EXPECT_EQ(Policy::Create(inverted).status().code(),
            absl::StatusCode::kInvalidArgument);

  CarsPolicy duplicate;
  duplicate.add_tenants()->set_tenant("a");
  duplicate.add_tenants()->set_tenant("a");
  EXPECT_EQ(Policy::Create(duplicate).status().code(),
            absl::StatusCode::kInvalidArgument);

  CarsPolicy bad_tenant;
  auto* t = bad_tenant.add_tenants();
  t->set_tenant("t");
  t->set_critical_threshold(0.4);
  EXPECT_EQ(Policy::Create(bad_tenant).status().code(),
            absl::StatusCode::kInvalidArgument);

  CarsPolicy bad_action;
  bad_action.set_low_action(static_cast<forge::exec::v1::PolicyAction>(99));
  EXPECT_EQ(Policy::Create(bad_action).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace forge::cars
