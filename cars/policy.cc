#include "cars/policy.h"

#include "absl/strings/str_cat.h"

namespace forge::cars {
namespace {

using ::forge::exec::v1::PolicyAction;
using ::forge::exec::v1::RiskLevel;

absl::Status CheckThresholds(const std::array<double, 3>& t,
                             absl::string_view who) {
  if (!(t[0] > 0.0 && t[0] < t[1] && t[1] < t[2] && t[2] <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        who,
        ": thresholds must satisfy 0 < medium < high < critical <= 1 (got ",
        t[0], ", ", t[1], ", ", t[2], ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckAction(PolicyAction action, absl::string_view who) {
  if (!forge::exec::v1::PolicyAction_IsValid(action)) {
    return absl::InvalidArgumentError(
        absl::StrCat(who, ": unknown action ", action));
  }
  return absl::OkStatus();
}

template <typename Config>
absl::Status Apply(const Config& config, absl::string_view who,
                   std::array<double, 3>* thresholds,
                   std::array<PolicyAction, 4>* actions) {
  if (config.has_medium_threshold())
    (*thresholds)[0] = config.medium_threshold();
  if (config.has_high_threshold()) (*thresholds)[1] = config.high_threshold();
  if (config.has_critical_threshold())
    (*thresholds)[2] = config.critical_threshold();
  const PolicyAction given[4] = {config.low_action(), config.medium_action(),
                                 config.high_action(),
                                 config.critical_action()};
  for (int i = 0; i < 4; ++i) {
    if (given[i] == forge::exec::v1::POLICY_ACTION_UNSPECIFIED) continue;
    if (absl::Status s = CheckAction(given[i], who); !s.ok()) return s;
    (*actions)[i] = given[i];
  }
  return CheckThresholds(*thresholds, who);
}

}  // namespace

absl::StatusOr<Policy> Policy::Create(
    const forge::exec::v1::CarsPolicy& config) {
  Policy policy;
  policy.config_ = config;
  policy.global_.thresholds = {0.3, 0.5, 0.8};
  policy.global_.actions = {forge::exec::v1::POLICY_ACTION_AUTO_APPROVE,
                            forge::exec::v1::POLICY_ACTION_APPROVE_WITH_LOG,
                            forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL,
                            forge::exec::v1::POLICY_ACTION_BLOCK};
  if (absl::Status s = Apply(config, "cars policy", &policy.global_.thresholds,
                             &policy.global_.actions);
      !s.ok()) {
    return s;
  }
  policy.global_.disabled.insert(config.disabled_rules().begin(),
                                 config.disabled_rules().end());
  if (config.max_findings() > 0) policy.max_findings_ = config.max_findings();
  for (const auto& tenant : config.tenants()) {
    const std::string who =
        absl::StrCat("cars policy tenant \"", tenant.tenant(), "\"");
    if (tenant.tenant().empty() || policy.tenants_.contains(tenant.tenant())) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, ": empty or duplicate tenant"));
    }
    Resolved resolved = policy.global_;
    if (absl::Status s =
            Apply(tenant, who, &resolved.thresholds, &resolved.actions);
        !s.ok()) {
      return s;
    }
    resolved.disabled.insert(tenant.disabled_rules().begin(),
                             tenant.disabled_rules().end());
    policy.tenants_.emplace(tenant.tenant(), std::move(resolved));
  }
  return policy;
}

const Policy::Resolved& Policy::For(absl::string_view tenant) const {
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? global_ : it->second;
}

RiskLevel Policy::LevelFor(double score, absl::string_view tenant) const {
  const Resolved& p = For(tenant);
  if (score >= p.thresholds[2]) return forge::exec::v1::RISK_LEVEL_CRITICAL;
  if (score >= p.thresholds[1]) return forge::exec::v1::RISK_LEVEL_HIGH;
  if (score >= p.thresholds[0]) return forge::exec::v1::RISK_LEVEL_MEDIUM;
  return forge::exec::v1::RISK_LEVEL_LOW;
}

PolicyAction Policy::ActionFor(RiskLevel level,
                               absl::string_view tenant) const {
  const Resolved& p = For(tenant);
  switch (level) {
    case forge::exec::v1::RISK_LEVEL_CRITICAL:
      return p.actions[3];
    case forge::exec::v1::RISK_LEVEL_HIGH:
      return p.actions[2];
    case forge::exec::v1::RISK_LEVEL_MEDIUM:
      return p.actions[1];
    default:
      return p.actions[0];
  }
}

bool Policy::IsDisabled(absl::string_view rule_id,
                        absl::string_view tenant) const {
  return For(tenant).disabled.contains(rule_id);
}

}  // namespace forge::cars
