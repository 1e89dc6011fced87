#include "cars/fact_matcher.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cars/analysis.h"
#include "cars/rule_set.h"
#include "cars/rules_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kRules[] = R"pb(
  rules {
    id: "py.shell"
    languages: CARS_LANGUAGE_PYTHON
    target: CARS_TARGET_CALL
    pattern: "^os\\.system$"
    sink: CARS_SINK_SHELL
    type: RISK_TYPE_CODE_EXECUTION
    score: 0.4
  }
  rules {
    id: "any.keyfile"
    target: CARS_TARGET_STRING
    pattern: "id_rsa"
    within_call: "^(open|cat)$"
    type: RISK_TYPE_DATA_EXFILTRATION
    score: 0.55
  }
)pb";

std::unique_ptr<RuleSet> Rules() {
  auto parsed = ParseRuleSet(kRules);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  auto rules = RuleSet::Compile(*parsed);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return std::move(*rules);
}

TEST(FactMatcherTest, HitsAreThePatternMatchesWhateverTheContext) {
  const auto rules = Rules();
  const FactMatcher matcher(*rules);
  EXPECT_THAT(matcher.Hits(Language::kPython, FactKind::kCall, "os.system"),
              ElementsAre(0));
  EXPECT_THAT(matcher.Hits(Language::kBash, FactKind::kCall, "os.system"),
              IsEmpty());
  EXPECT_THAT(matcher.Hits(Language::kPython, FactKind::kString, "os.system"),
              IsEmpty());
  // The context check (within_call) is left to the scoring.
  EXPECT_THAT(matcher.Hits(Language::kBash, FactKind::kString, "~/.ssh/id_rsa"),
              ElementsAre(1));
  EXPECT_TRUE(
      matcher.MayMatch(Language::kPython, FactKind::kCall, "os.system"));
  EXPECT_FALSE(matcher.MayMatch(Language::kPython, FactKind::kCall, "print"));
  EXPECT_FALSE(matcher.MayMatch(Language::kPython, FactKind::kString, ""));
}

TEST(FactMatcherTest, RemembersTextsItNoLongerSees) {
  const auto rules = Rules();
  const FactMatcher matcher(*rules);
  // Texts from buffers that are gone by the time they are asked again, short
  // and long (past one chunk of the key store).
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3000; ++i) {
      const std::string text =
          absl::StrCat(i % 7 == 0 ? "id_rsa." : "name.", i,
                       i % 500 == 0 ? std::string(5000, 'x') : "");
      EXPECT_EQ(matcher.MayMatch(Language::kPython, FactKind::kString, text),
                i % 7 == 0)
          << text;
    }
  }
}

TEST(FactMatcherTest, AnalysesRecordOnlyFactsARuleMayMatch) {
  const auto rules = Rules();
  const FactMatcher matcher(*rules);
  FoldBudget budget{1000000};
  AnalysisContext context;
  context.knowledge = rules.get();
  context.budget = &budget;
  const std::string code =
      "import os\nprint('hello')\nos.system('ls')\nopen('~/.ssh/id_rsa')\n";

  Evidence everything;
  AnalyzeSource(Language::kPython, code, context, &everything);
  Evidence filtered;
  filtered.filter = &matcher;
  AnalyzeSource(Language::kPython, code, context, &filtered);

  std::vector<std::string> kept;
  for (const Fact& fact : filtered.facts) kept.push_back(fact.text);
  EXPECT_THAT(kept, ElementsAre("os.system", "~/.ssh/id_rsa"));
  std::vector<std::string> matching;
  for (const Fact& fact : everything.facts) {
    if (matcher.MayMatch(fact.language, fact.kind, fact.text))
      matching.push_back(fact.text);
  }
  EXPECT_EQ(matching, kept);
  EXPECT_GT(everything.facts.size(), filtered.facts.size());
}

}  // namespace
}  // namespace forge::cars
