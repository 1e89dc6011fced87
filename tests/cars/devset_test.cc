// Evaluates CARS on the labelled development set in tests/cars/data
// (labels.jsonl: file, runtime, min_level, max_level, expected types,
// category, why, optional request options) and asserts the targets:
//   benign false positives (level above the label's maximum) <= 3%,
//   on the mention-only subset <= 5%; >= 95% of HIGH/CRITICAL snippets
//   gated (>= HIGH); >= 90% of CRITICAL snippets blocked.
// It prints the metrics table and every mislabelled snippet with its
// findings, so a regression explains itself.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cars/assessor.h"
#include "cars/format_assessment.h"
#include "cars/rules_file.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace forge::cars {
namespace {

using forge::exec::v1::RiskLevel;

std::string SourceDir() {
  const char* dir = std::getenv("FORGE_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

// The labelled set: tests/cars/data, or another directory in the same format
// (labels.jsonl beside the snippets) named by FORGE_CARS_DEVSET, for
// evaluating on a held-out set.
std::string DataDir() {
  const char* dir = std::getenv("FORGE_CARS_DEVSET");
  return dir != nullptr ? dir : SourceDir() + "/tests/cars/data";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

RiskLevel ParseLevel(const std::string& name) {
  RiskLevel level = forge::exec::v1::RISK_LEVEL_UNSPECIFIED;
  forge::exec::v1::RiskLevel_Parse("RISK_LEVEL_" + name, &level);
  return level;
}

struct Rate {
  int hits = 0;
  int total = 0;
  double value() const {
    return total == 0 ? 0.0 : static_cast<double>(hits) / total;
  }
  std::string Show() const {
    return absl::StrFormat("%5.1f%% (%d/%d)", 100.0 * value(), hits, total);
  }
};

forge::exec::v1::CarsPolicy EvaluationPolicy() {
  forge::exec::v1::CarsPolicy policy;
  auto* limits = policy.mutable_default_limits();
  limits->set_memory_bytes(512ull << 20);
  limits->mutable_wall_time()->set_seconds(30);
  limits->set_max_processes(64);
  return policy;
}

TEST(DevSetTest, MeetsTargets) {
  auto rules = LoadRuleSetFile(SourceDir() + "/deploy/cars/rules.textproto");
  ASSERT_TRUE(rules.ok()) << rules.status();
  auto assessor = Assessor::Create(*rules, EvaluationPolicy());
  ASSERT_TRUE(assessor.ok()) << assessor.status();

  std::ifstream labels(DataDir() + "/labels.jsonl");
  ASSERT_TRUE(labels.good());
  Rate benign_fp, mention_fp, under_call, gated, blocked;
  std::map<std::string, Rate> fp_by_language, gated_by_language;
  int type_hits = 0, type_expected = 0, headline_hits = 0, headline_total = 0;
  std::map<std::string, int> levels_seen;
  std::vector<std::string> problems;
  std::string line;
  int entries = 0;
  while (std::getline(labels, line)) {
    if (line.empty()) continue;
    const nlohmann::json label = nlohmann::json::parse(line);
    ++entries;
    const std::string file = label["file"];
    const std::string runtime = label["runtime"];
    const std::string category = label["category"];
    const std::string code = ReadFile(DataDir() + "/" + file);
    ASSERT_FALSE(code.empty()) << file;
    AssessmentInput input;
    input.runtime = runtime;
    input.code = code;
    if (label.contains("network") && label["network"] == "EGRESS") {
      input.network = forge::exec::v1::NETWORK_POLICY_EGRESS;
    }
    if (label.contains("limits") && label["limits"].contains("memory_bytes")) {
      input.limits.set_memory_bytes(
          label["limits"]["memory_bytes"].get<uint64_t>());
    }
    auto result = (*assessor)->Assess(input);
    ASSERT_TRUE(result.ok()) << file << ": " << result.status();
    const auto& a = result->assessment;
    const RiskLevel min = ParseLevel(label["min_level"]);
    const RiskLevel max = ParseLevel(label["max_level"]);
    const std::string language =
        runtime == "typescript" ? "javascript" : runtime;
    levels_seen[forge::exec::v1::RiskLevel_Name(a.level())]++;
    bool wrong = false;
    if (category == "benign" || category == "mention") {
      const bool fp = a.level() > max;
      benign_fp.total++;
      benign_fp.hits += fp;
      fp_by_language[language].total++;
      fp_by_language[language].hits += fp;
      if (category == "mention") {
        mention_fp.total++;
        mention_fp.hits += fp;
      }
      wrong = wrong || fp;
    }
    under_call.total++;
    under_call.hits += a.level() < min;
    wrong = wrong || a.level() < min || a.level() > max;
    if (min >= forge::exec::v1::RISK_LEVEL_HIGH) {
      const bool gate = a.level() >= forge::exec::v1::RISK_LEVEL_HIGH;
      gated.total++;
      gated.hits += gate;
      gated_by_language[language].total++;
      gated_by_language[language].hits += gate;
    }
    if (min == forge::exec::v1::RISK_LEVEL_CRITICAL) {
      blocked.total++;
      blocked.hits += result->action == forge::exec::v1::POLICY_ACTION_BLOCK;
    }
    // Types: recall over all findings at MEDIUM or above; precision over the
    // findings that set the level ("headline" findings).
    std::set<std::string> expected;
    for (const auto& t : label["types"])
      expected.insert("RISK_TYPE_" + t.get<std::string>());
    if (!expected.empty()) {
      std::set<std::string> predicted, headline;
      const double floor =
          a.level() == forge::exec::v1::RISK_LEVEL_CRITICAL ? 0.8
          : a.level() == forge::exec::v1::RISK_LEVEL_HIGH   ? 0.5
                                                            : 0.3;
      for (const auto& f : a.findings()) {
        if (f.score() >= 0.3)
          predicted.insert(forge::exec::v1::RiskType_Name(f.type()));
        if (f.score() >= floor)
          headline.insert(forge::exec::v1::RiskType_Name(f.type()));
      }
      for (const std::string& t : expected) {
        type_expected++;
        type_hits += predicted.count(t);
      }
      for (const std::string& t : headline) {
        headline_total++;
        headline_hits += expected.count(t);
      }
    }
    if (wrong) {
      problems.push_back(absl::StrCat(
          file, "  expected ", label["min_level"].get<std::string>(), "..",
          label["max_level"].get<std::string>(), " (",
          label["why"].get<std::string>(), ")\n",
          FormatAssessment(a, result->action)));
    }
  }
  const double type_recall =
      type_expected ? static_cast<double>(type_hits) / type_expected : 0;
  const double type_precision =
      headline_total ? static_cast<double>(headline_hits) / headline_total : 0;

  std::string report =
      absl::StrFormat("CARS development set: %d snippets\n", entries);
  absl::StrAppend(&report, "  benign false positives       ", benign_fp.Show(),
                  "  (target <= 3%)\n");
  absl::StrAppend(&report, "  mention-only false positives ", mention_fp.Show(),
                  "  (target <= 5%)\n");
  absl::StrAppend(&report, "  under-called                 ", under_call.Show(),
                  "\n");
  absl::StrAppend(&report, "  HIGH/CRITICAL gated          ", gated.Show(),
                  "  (target >= 95%)\n");
  absl::StrAppend(&report, "  CRITICAL blocked             ", blocked.Show(),
                  "  (target >= 90%)\n");
  absl::StrAppend(&report,
                  absl::StrFormat("  type precision (headline)    %5.1f%%\n",
                                  100 * type_precision));
  absl::StrAppend(&report,
                  absl::StrFormat("  type recall                  %5.1f%%\n",
                                  100 * type_recall));
  for (const auto& [language, rate] : fp_by_language) {
    absl::StrAppend(&report, "  ", absl::StrFormat("%-11s", language),
                    " benign FP ", rate.Show(), "  gated ",
                    gated_by_language[language].Show(), "\n");
  }
  for (const auto& [level, n] : levels_seen)
    absl::StrAppend(&report, "  assessed ", level, ": ", n, "\n");
  std::printf("%s\n", report.c_str());
  for (const std::string& p : problems) std::printf("--- %s\n", p.c_str());

  if (std::getenv("FORGE_CARS_DEVSET") == nullptr) {
    EXPECT_GE(entries, 200);
  }
  EXPECT_LE(benign_fp.value(), 0.03);
  EXPECT_LE(mention_fp.value(), 0.05);
  EXPECT_GE(gated.value(), 0.95);
  EXPECT_GE(blocked.value(), 0.90);
  EXPECT_LE(under_call.value(), 0.10);
  EXPECT_GE(type_recall, 0.85);
  EXPECT_GE(type_precision, 0.80);
}

}  // namespace
}  // namespace forge::cars
