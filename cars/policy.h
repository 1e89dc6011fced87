// Policy: how CARS turns a score into a level and a level into an action,
// globally and per tenant (CarsPolicy in cars.proto). Defaults follow
// DESIGN §5: LOW < 0.3 ≤ MEDIUM < 0.5 ≤ HIGH < 0.8 ≤ CRITICAL, and AUTO,
// AUTO WITH LOG, REQUIRE APPROVAL, BLOCK.
//
// Built by Policy::Create, which validates; immutable and thread-safe.
#ifndef FORGE_CARS_POLICY_H_
#define FORGE_CARS_POLICY_H_

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forge/exec/v1/cars.pb.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::cars {

class Policy {
 public:
  // INVALID_ARGUMENT when thresholds are not 0 < medium < high < critical
  // <= 1 (after defaults and tenant overrides), an action is out of range,
  // or a tenant appears twice.
  static absl::StatusOr<Policy> Create(
      const forge::exec::v1::CarsPolicy& config);

  forge::exec::v1::RiskLevel LevelFor(double score,
                                      absl::string_view tenant) const;
  forge::exec::v1::PolicyAction ActionFor(forge::exec::v1::RiskLevel level,
                                          absl::string_view tenant) const;
  // Disabled globally or for this tenant.
  bool IsDisabled(absl::string_view rule_id, absl::string_view tenant) const;
  const forge::exec::v1::Limits& default_limits() const {
    return config_.default_limits();
  }
  size_t max_findings() const { return max_findings_; }
  const forge::exec::v1::CarsPolicy& proto() const { return config_; }

 private:
  // Thresholds (medium, high, critical) and actions (low..critical).
  struct Resolved {
    std::array<double, 3> thresholds;
    std::array<forge::exec::v1::PolicyAction, 4> actions;
    absl::flat_hash_set<std::string> disabled;
  };

  Policy() = default;
  const Resolved& For(absl::string_view tenant) const;

  forge::exec::v1::CarsPolicy config_;
  Resolved global_;
  absl::flat_hash_map<std::string, Resolved> tenants_;
  size_t max_findings_ = 64;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_POLICY_H_
