// libFuzzer target for the whole CARS assessment (lexers, analyses, constant
// folding, payload recursion, rules) with the shipped rules. The first byte
// picks the language; the rest is the code. Besides the sanitizers' checks
// it asserts the assessment's contract: a score in [0, 1], a level, findings
// inside the code, and a proto that serialises (valid UTF-8 everywhere).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "cars/assessor.h"
#include "cars/rules_file.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

const forge::cars::Assessor& SharedAssessor() {
  static const forge::cars::Assessor* assessor = [] {
    auto rules = forge::cars::LoadRuleSetFile(FORGE_CARS_RULES);
    Check(rules.ok());
    auto created =
        forge::cars::Assessor::Create(*rules, forge::exec::v1::CarsPolicy());
    Check(created.ok());
    return created->release();
  }();
  return *assessor;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kRuntimes[] = {"python", "javascript", "bash"};
  forge::cars::AssessmentInput input;
  input.runtime = kRuntimes[data[0] % 3];
  input.code =
      absl::string_view(reinterpret_cast<const char*>(data + 1), size - 1);
  auto result = SharedAssessor().Assess(input);
  Check(result.ok());
  const auto& a = result->assessment;
  Check(a.score() >= 0.0 && a.score() <= 1.0);
  Check(a.level() != forge::exec::v1::RISK_LEVEL_UNSPECIFIED);
  size_t lines = 1;
  for (size_t i = 1; i < size; ++i) lines += data[i] == '\n';
  for (const auto& f : a.findings()) Check(f.line() <= lines);
  std::string bytes;
  Check(a.SerializeToString(&bytes));
  forge::exec::v1::RiskAssessment parsed;
  Check(parsed.ParseFromString(bytes));
  return 0;
}
