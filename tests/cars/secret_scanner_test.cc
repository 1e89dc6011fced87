#include "cars/secret_scanner.h"

#include <memory>
#include <string>

#include "cars/assessor.h"
#include "cars/rules_file.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

std::string TypesOf(const std::string& text) {
  FallbackSecretScanner scanner;
  std::string types;
  for (const SecretSpan& s : scanner.FindSecrets(text)) types += s.type + " ";
  return types;
}

TEST(FallbackSecretScannerTest, FindsKeyFormats) {
  EXPECT_EQ(TypesOf("key = 'AKIAIOSFODNN7EXAMPLE'"), "AWS_ACCESS_KEY ");
  EXPECT_EQ(TypesOf("ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ12"),
            "GITHUB_TOKEN ");
  EXPECT_EQ(
      TypesOf("x = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'").find("STRIPE_KEY"), 0u);
  EXPECT_NE(TypesOf("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA "
                    "PRIVATE KEY-----")
                .find("PRIVATE_KEY"),
            std::string::npos);
  EXPECT_EQ(TypesOf("password = \"hunter2hunter2\""), "PASSWORD ");
  EXPECT_EQ(TypesOf("postgres://admin:s3cretpw@db:5432/x"), "URL_PASSWORD ");
  EXPECT_EQ(TypesOf("nothing to see here, password_min_length = 12"), "");
}

TEST(FallbackSecretScannerTest, SpanCoversOnlyTheSecret) {
  FallbackSecretScanner scanner;
  const std::string text = "password = \"hunter2hunter2\"";
  auto spans = scanner.FindSecrets(text);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(text.substr(spans[0].begin, spans[0].end - spans[0].begin),
            "hunter2hunter2");
  EXPECT_EQ(MaskSecrets(text, spans), "password = \"[REDACTED:PASSWORD]\"");
}

TEST(MaskSecretsTest, MergesOverlapsAndIgnoresOutOfRange) {
  const std::string text = "abcdefgh";
  EXPECT_EQ(MaskSecrets(text, {{1, 4, "A"}, {3, 6, "B"}, {20, 30, "C"}}),
            "a[REDACTED:A]gh");
}

// A scanner that calls the word "banana" a secret: shows that the assessor
// uses whatever scanner it is given.
class BananaScanner : public SecretScanner {
 public:
  std::vector<SecretSpan> FindSecrets(absl::string_view text) const override {
    std::vector<SecretSpan> spans;
    for (size_t at = text.find("banana"); at != absl::string_view::npos;
         at = text.find("banana", at + 1)) {
      spans.push_back({at, at + 6, "FRUIT"});
    }
    return spans;
  }
};

std::unique_ptr<Assessor> MakeAssessor(
    std::shared_ptr<const SecretScanner> scanner) {
  const char* dir = std::getenv("FORGE_SOURCE_DIR");
  auto rules = LoadRuleSetFile(std::string(dir ? dir : ".") +
                               "/deploy/cars/rules.textproto");
  EXPECT_TRUE(rules.ok()) << rules.status();
  auto assessor = Assessor::Create(*rules, forge::exec::v1::CarsPolicy(),
                                   std::move(scanner));
  EXPECT_TRUE(assessor.ok()) << assessor.status();
  return std::move(*assessor);
}

bool Leaks(const forge::exec::v1::RiskAssessment& a,
           const std::string& secret) {
  for (const auto& f : a.findings()) {
    if (f.excerpt().find(secret) != std::string::npos) return true;
    if (f.description().find(secret) != std::string::npos) return true;
  }
  return false;
}

TEST(AssessorSecretsTest, FallbackFindsAndMasksSecrets) {
  auto assessor = MakeAssessor(nullptr);
  const std::string code =
      "import requests\n"
      "token = \"ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ12\"\n"
      "requests.get('https://api.github.com/user', headers={'Authorization': "
      "token})\n";
  AssessmentInput input;
  input.runtime = "python";
  input.code = code;
  auto result = assessor->Assess(input);
  ASSERT_TRUE(result.ok());
  bool found = false;
  for (const auto& f : result->assessment.findings()) {
    if (f.rule_id() == "any.secret.in_code") {
      found = true;
      EXPECT_EQ(f.line(), 2u);
      EXPECT_NE(f.excerpt().find("[REDACTED:GITHUB_TOKEN]"), std::string::npos)
          << f.excerpt();
    }
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(
      Leaks(result->assessment, "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ12"));
  EXPECT_GE(result->assessment.level(), forge::exec::v1::RISK_LEVEL_MEDIUM);
}

TEST(AssessorSecretsTest, SecretsInsideOtherFindingsAreMaskedToo) {
  auto assessor = MakeAssessor(nullptr);
  // The secret sits on the same line as an os.system finding and inside
  // its payload.
  const std::string code =
      "import os\nos.system('curl -H \"Authorization: Bearer "
      "sk-proj-abcdefghijklmnopqrstuvwxyz012345\" http://203.0.113.1/')\n";
  AssessmentInput input;
  input.runtime = "python";
  input.code = code;
  auto result = assessor->Assess(input);
  ASSERT_TRUE(result.ok());
  EXPECT_GT(result->assessment.findings_size(), 1);
  EXPECT_FALSE(
      Leaks(result->assessment, "sk-proj-abcdefghijklmnopqrstuvwxyz012345"));
  EXPECT_FALSE(Leaks(result->assessment, "abcdefghijklmnopqrstuvwxyz012345"));
}

TEST(AssessorSecretsTest, UsesTheGivenScanner) {
  auto assessor = MakeAssessor(std::make_shared<BananaScanner>());
  const std::string code = "import os\nos.system('echo banana')\n";
  AssessmentInput input;
  input.runtime = "python";
  input.code = code;
  auto result = assessor->Assess(input);
  ASSERT_TRUE(result.ok());
  bool fruit = false;
  for (const auto& f : result->assessment.findings()) {
    fruit = fruit || f.description().find("FRUIT") != std::string::npos;
  }
  EXPECT_TRUE(fruit);
  EXPECT_FALSE(Leaks(result->assessment, "banana"));
}

}  // namespace
}  // namespace forge::cars
