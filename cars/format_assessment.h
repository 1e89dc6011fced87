// A human-readable rendering of a RiskAssessment for the CLI
// (`forge-exec assess FILE`): level, score and action, types, then each
// finding with line:col, rule, type, description and excerpt, then the
// mitigations and the policy version. Findings are printed as CARS stored
// them: excerpts are already masked and display-safe.
#ifndef FORGE_CARS_FORMAT_ASSESSMENT_H_
#define FORGE_CARS_FORMAT_ASSESSMENT_H_

#include <string>

#include "forge/exec/v1/execution.pb.h"

namespace forge::cars {

std::string FormatAssessment(const forge::exec::v1::RiskAssessment& assessment);
// Also prints the action the policy took.
std::string FormatAssessment(const forge::exec::v1::RiskAssessment& assessment,
                             forge::exec::v1::PolicyAction action);

}  // namespace forge::cars

#endif  // FORGE_CARS_FORMAT_ASSESSMENT_H_
