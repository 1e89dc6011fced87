// Development tool: assesses files with the rules in deploy/cars and prints
// each assessment as the CLI would.
//
//   cars_assess_file [--rules PATH] [--runtime NAME] [--max-findings N]
//                    FILE...
//
// The runtime defaults to the file's extension (.py, .js, .ts, .sh);
// --max-findings raises the policy's cap on listed findings (to compare
// complete outputs of two builds).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "cars/assessor.h"
#include "cars/format_assessment.h"
#include "cars/rules_file.h"

int main(int argc, char** argv) {
  std::string rules_path =
      std::string(FORGE_SOURCE_DIR) + "/deploy/cars/rules.textproto";
  std::string runtime;
  forge::exec::v1::CarsPolicy policy;
  int first = 1;
  while (first + 1 < argc && absl::StartsWith(argv[first], "--")) {
    const std::string flag = argv[first];
    if (flag == "--rules") rules_path = argv[first + 1];
    if (flag == "--runtime") runtime = argv[first + 1];
    if (flag == "--max-findings")
      policy.set_max_findings(std::atoi(argv[first + 1]));
    first += 2;
  }
  auto rules = forge::cars::LoadRuleSetFile(rules_path);
  if (!rules.ok()) {
    std::cerr << rules.status() << "\n";
    return 2;
  }
  auto assessor = forge::cars::Assessor::Create(*rules, policy);
  if (!assessor.ok()) {
    std::cerr << assessor.status() << "\n";
    return 2;
  }
  for (int i = first; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string code = buffer.str();
    std::string name = runtime;
    if (name.empty()) {
      const std::string path = argv[i];
      name = absl::EndsWith(path, ".py")   ? "python"
             : absl::EndsWith(path, ".sh") ? "bash"
             : absl::EndsWith(path, ".ts") ? "typescript"
                                           : "javascript";
    }
    forge::cars::AssessmentInput input;
    input.runtime = name;
    input.code = code;
    auto result = (*assessor)->Assess(input);
    if (!result.ok()) {
      std::cerr << argv[i] << ": " << result.status() << "\n";
      continue;
    }
    std::cout << "== " << argv[i] << "\n"
              << forge::cars::FormatAssessment(result->assessment,
                                               result->action)
              << "\n";
  }
  return 0;
}
