// Assessor: CARS's entry point. Given a program and the request options it
// is to run with, it returns a RiskAssessment (level, score, types, findings
// with line, column and masked excerpt, mitigations, policy version) and the
// action the policy takes for it. Nothing is executed.
//
//   FORGE_ASSIGN_OR_RETURN(auto rules,
//   LoadRuleSetFile("deploy/cars/rules.textproto"));
//   FORGE_ASSIGN_OR_RETURN(auto assessor, Assessor::Create(rules,
//   config.cars())); FORGE_ASSIGN_OR_RETURN(Assessment a,
//   assessor->Assess(InputFromRequest(req, tenant)));
//
// Immutable after Create and thread-safe: any number of threads may call
// Assess at once. Assess takes time linear in the code's size and is bounded
// in memory; it makes no system calls.
#ifndef FORGE_CARS_ASSESSOR_H_
#define FORGE_CARS_ASSESSOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cars/policy.h"
#include "cars/rule_set.h"
#include "cars/secret_scanner.h"
#include "forge/exec/v1/cars.pb.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::cars {

// What is assessed. Views must outlive the Assess call.
struct AssessmentInput {
  // "python", "javascript", "typescript" or "bash".
  absl::string_view runtime;
  absl::string_view code;
  forge::exec::v1::NetworkPolicy network =
      forge::exec::v1::NETWORK_POLICY_UNSPECIFIED;
  forge::exec::v1::Limits limits;
  // Selects the tenant's policy overrides; empty uses the global policy.
  absl::string_view tenant;
};

// Inputs viewing into `request`, which must outlive them.
AssessmentInput InputFromRequest(const forge::exec::v1::AssessRequest& request,
                                 absl::string_view tenant);
AssessmentInput InputFromRequest(const forge::exec::v1::ExecuteRequest& request,
                                 absl::string_view tenant);

struct Assessment {
  forge::exec::v1::RiskAssessment assessment;
  forge::exec::v1::PolicyAction action =
      forge::exec::v1::POLICY_ACTION_UNSPECIFIED;
};

class Assessor {
 public:
  // Validates and compiles rules and policy (INVALID_ARGUMENT naming the
  // offending rule or field). `secrets` finds credentials in code; when null
  // the built-in FallbackSecretScanner is used. Shared ownership because the
  // scanner may also serve other components.
  static absl::StatusOr<std::unique_ptr<Assessor>> Create(
      const forge::exec::v1::CarsRuleSet& rules,
      const forge::exec::v1::CarsPolicy& policy,
      std::shared_ptr<const SecretScanner> secrets = nullptr);

  // INVALID_ARGUMENT for a runtime CARS does not know; otherwise always an
  // assessment (code that does not parse is still assessed token by token).
  absl::StatusOr<Assessment> Assess(const AssessmentInput& input) const;

  // Rules version plus a hash of the compiled rules and policy, e.g.
  // "2026.11.1+3f2a9c1d0b4e". Identical on every replica with the same files.
  const std::string& policy_version() const { return policy_version_; }
  const RuleSet& rules() const { return *rules_; }
  const Policy& policy() const { return policy_; }

 private:
  Assessor(std::unique_ptr<RuleSet> rules, Policy policy,
           std::shared_ptr<const SecretScanner> secrets, std::string version);

  std::unique_ptr<RuleSet> rules_;
  Policy policy_;
  std::shared_ptr<const SecretScanner> secrets_;
  std::string policy_version_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_ASSESSOR_H_
