#include "cars/format_assessment.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cars/utf8.h"

namespace forge::cars {
namespace {

using ::forge::exec::v1::PolicyAction;
using ::forge::exec::v1::RiskAssessment;

// "RISK_LEVEL_HIGH" → "HIGH".
std::string Short(const std::string& name, absl::string_view prefix) {
  return absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
}

std::string Render(const RiskAssessment& a, const std::string* action) {
  std::string out = absl::StrFormat(
      "Risk: %s (score %.2f)",
      Short(forge::exec::v1::RiskLevel_Name(a.level()), "RISK_LEVEL_"),
      a.score());
  if (action != nullptr) absl::StrAppend(&out, "  action: ", *action);
  out += "\n";
  if (a.types_size() > 0) {
    out += "Types:";
    for (int t : a.types()) {
      absl::StrAppend(&out, " ",
                      Short(forge::exec::v1::RiskType_Name(
                                static_cast<forge::exec::v1::RiskType>(t)),
                            "RISK_TYPE_"));
    }
    out += "\n";
  }
  if (a.findings_size() == 0) {
    out += "No findings.\n";
  } else {
    absl::StrAppendFormat(&out, "Findings (%d):\n", a.findings_size());
    for (const auto& f : a.findings()) {
      const std::string where =
          f.line() == 0 ? std::string("request")
                        : absl::StrFormat("%d:%d", f.line(), f.column());
      absl::StrAppendFormat(
          &out, "  %-8s [%.2f] %s  %s\n", where, f.score(),
          Short(forge::exec::v1::RiskType_Name(f.type()), "RISK_TYPE_"),
          EscapeForDisplay(f.rule_id()));
      absl::StrAppend(&out, "           ", EscapeForDisplay(f.description()),
                      "\n");
      if (!f.excerpt().empty()) {
        absl::StrAppend(&out, "           | ", EscapeForDisplay(f.excerpt()),
                        "\n");
      }
    }
  }
  if (a.mitigations_size() > 0) {
    out += "Mitigations:\n";
    for (const std::string& m : a.mitigations()) {
      absl::StrAppend(&out, "  - ", EscapeForDisplay(m), "\n");
    }
  }
  if (!a.policy_version().empty()) {
    absl::StrAppend(
        &out, "Policy version: ", EscapeForDisplay(a.policy_version()), "\n");
  }
  return out;
}

}  // namespace

std::string FormatAssessment(const RiskAssessment& assessment) {
  return Render(assessment, nullptr);
}

std::string FormatAssessment(const RiskAssessment& assessment,
                             PolicyAction action) {
  const std::string name =
      Short(forge::exec::v1::PolicyAction_Name(action), "POLICY_ACTION_");
  return Render(assessment, &name);
}

}  // namespace forge::cars
