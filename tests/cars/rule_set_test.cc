#include "cars/rule_set.h"

#include <string>

#include "cars/rules_file.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

using forge::exec::v1::CarsRuleSet;

CarsRuleSet Parse(const std::string& text) {
  auto rules = ParseRuleSet(text);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : CarsRuleSet();
}

constexpr char kRules[] = R"pb(
  rules {
    id: "py.shell"
    languages: CARS_LANGUAGE_PYTHON
    target: CARS_TARGET_CALL
    pattern: "^os\\.system$"
    sink: CARS_SINK_SHELL
    type: RISK_TYPE_CODE_EXECUTION
    score: 0.4
    tags: [ "exec", "spawn" ]
  }
  rules {
    id: "any.get"
    target: CARS_TARGET_CALL
    pattern: "^(requests\\.get|curl)$"
    type: RISK_TYPE_NETWORK_ACCESS
    score: 0.35
    tags: [ "net", "download" ]
  }
  rules {
    id: "any.keyfile"
    target: CARS_TARGET_STRING
    pattern: "id_rsa"
    within_call: "^(open|cat)$"
    type: RISK_TYPE_DATA_EXFILTRATION
    score: 0.55
    tags: [ "secret_read" ]
  }
  rules {
    id: "loop"
    target: CARS_TARGET_ANALYSIS
    analysis: "unbounded_loop"
    type: RISK_TYPE_RESOURCE_ABUSE
    score: 0.55
  }
  combinations {
    id: "combo"
    all_of: [ "secret_read" ]
    any_of: [ "net" ]
    type: RISK_TYPE_DATA_EXFILTRATION
    score: 0.9
  }
)pb";

TEST(RuleSetTest, CompilesAndMatchesByLanguageAndContext) {
  auto rules = RuleSet::Compile(Parse(kRules));
  ASSERT_TRUE(rules.ok()) << rules.status();
  Fact call{FactKind::kCall, Language::kPython, "os.system"};
  std::vector<int> hits;
  (*rules)->Match(Language::kPython, call, &hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ((*rules)->rule(hits[0]).id(), "py.shell");
  hits.clear();
  (*rules)->Match(Language::kBash, call, &hits);
  EXPECT_TRUE(hits.empty());  // python-only rule

  Fact in_open{FactKind::kString, Language::kPython, "~/.ssh/id_rsa"};
  in_open.context = {"open"};
  Fact in_print = in_open;
  in_print.context = {"print"};
  hits.clear();
  (*rules)->Match(Language::kPython, in_open, &hits);
  EXPECT_EQ(hits.size(), 1u);
  hits.clear();
  (*rules)->Match(Language::kPython, in_print, &hits);
  EXPECT_TRUE(hits.empty());
}

TEST(RuleSetTest, CallKnowledge) {
  auto rules = RuleSet::Compile(Parse(kRules));
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ((*rules)->SinkFor(Language::kPython, "os.system").kind,
            SinkKind::kShell);
  EXPECT_EQ((*rules)->SinkFor(Language::kPython, "print").kind,
            SinkKind::kNone);
  EXPECT_TRUE((*rules)->IsDownload(Language::kBash, "curl"));
  EXPECT_FALSE((*rules)->IsDownload(Language::kBash, "ls"));
  EXPECT_TRUE((*rules)->IsSpawn(Language::kPython, "os.system"));
  EXPECT_EQ(
      (*rules)->RulesForAnalysis(Language::kBash, "unbounded_loop").size(), 1u);
}

TEST(RuleSetTest, RejectsInvalidRules) {
  const char* bad[] = {
      R"pb(rules {
             id: ""
             target: CARS_TARGET_CALL
             pattern: "x"
             type: RISK_TYPE_CODE_EXECUTION
           })pb",
      R"pb(rules {
             id: "a"
             target: CARS_TARGET_CALL
             pattern: "x"
             type: RISK_TYPE_CODE_EXECUTION
           }
           rules {
             id: "a"
             target: CARS_TARGET_CALL
             pattern: "y"
             type: RISK_TYPE_CODE_EXECUTION
           })pb",
      R"pb(rules {
             id: "a"
             target: CARS_TARGET_CALL
             pattern: "("
             type: RISK_TYPE_CODE_EXECUTION
           })pb",
      R"pb(rules { id: "a" target: CARS_TARGET_CALL pattern: "x" })pb",
      R"pb(rules {
             id: "a"
             target: CARS_TARGET_CALL
             pattern: "x"
             type: RISK_TYPE_CODE_EXECUTION
             score: 2
           })pb",
      R"pb(rules {
             id: "a"
             target: CARS_TARGET_ANALYSIS
             analysis: "nope"
             type: RISK_TYPE_CODE_EXECUTION
           })pb",
      R"pb(rules {
             id: "a"
             target: CARS_TARGET_STRING
             pattern: "x"
             within_call: "("
             type: RISK_TYPE_CODE_EXECUTION
           })pb",
      R"pb(rules { id: "a" pattern: "x" type: RISK_TYPE_CODE_EXECUTION })pb",
      R"pb(rules {
             id: "a"
             target: CARS_TARGET_CALL
             pattern: "x"
             type: RISK_TYPE_CODE_EXECUTION
           }
           combinations {
             id: "c"
             all_of: [ "missing" ]
             type: RISK_TYPE_CODE_EXECUTION
             score: 0.5
           })pb",
  };
  for (const char* text : bad) {
    auto rules = RuleSet::Compile(Parse(text));
    EXPECT_FALSE(rules.ok()) << text;
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
  }
}

TEST(RuleSetTest, ShippedRulesCompile) {
  const char* dir = std::getenv("FORGE_SOURCE_DIR");
  auto rules = LoadRuleSetFile(std::string(dir ? dir : ".") +
                               "/deploy/cars/rules.textproto");
  ASSERT_TRUE(rules.ok()) << rules.status();
  auto compiled = RuleSet::Compile(*rules);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  EXPECT_GT((*compiled)->rule_count(), 50);
}

TEST(RulesFileTest, ReportsParsePositionAndMissingFile) {
  auto parsed = ParseRuleSet("rules { id: \"a\"\n  bogus_field: 1 }");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("2:"), std::string::npos)
      << parsed.status();
  auto missing = LoadRuleSetFile("/nonexistent/rules.textproto");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace forge::cars
