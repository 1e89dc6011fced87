// Redactor: rules and config loading, categories per tenant, custom rules,
// one-shot redaction, span finding, encoded forms.
#include "server/privacy/redactor.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace forge::privacy {
namespace {

using forge::exec::v1::PrivacyConfig;
using forge::exec::v1::PrivacyRuleSet;
using ::testing::HasSubstr;

PrivacyRuleSet BuiltIn() {
  auto rules = Redactor::ParseRules(Redactor::BuiltInRulesText());
  EXPECT_TRUE(rules.ok()) << rules.status();
  return *rules;
}

std::unique_ptr<Redactor> Make(const PrivacyConfig& config = {}) {
  auto r = Redactor::Create(BuiltIn(), config);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(*r) : nullptr;
}

PrivacyConfig ConfigFromText(const std::string& text) {
  PrivacyConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  return config;
}

TEST(Redactor, BuiltInRulesCompileAndHaveAVersion) {
  auto r = Make();
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->rules_version().empty());
  EXPECT_GE(r->rules().rules().size(), 50u);
  EXPECT_EQ(r->idle_release(), absl::Milliseconds(1));
}

TEST(Redactor, RedactsWithTypedMarkersAndCountsByType) {
  auto r = Make();
  RedactionCounts counts;
  const std::string out = r->Redact(
      "user=ana email=ana.silva@example.com card=4111 1111 1111 1111 "
      "ip=10.20.30.40\n",
      r->DefaultOptions(), &counts);
  EXPECT_EQ(out,
            "user=ana email=[REDACTED:EMAIL] card=[REDACTED:CREDIT_CARD] "
            "ip=[REDACTED:IPV4]\n");
  EXPECT_EQ(counts,
            (RedactionCounts{{"CREDIT_CARD", 1}, {"EMAIL", 1}, {"IPV4", 1}}));
}

TEST(Redactor, LeavesOrdinaryOutputAlone) {
  auto r = Make();
  const std::string text =
      "commit 3f786850e387550fdab836ed7e6dc881de23001b\n"
      "request_id=123e4567-e89b-12d3-a456-426614174000 took 0.234s\n"
      "Successfully installed requests-2.31.0 urllib3-2.0.7\n"
      "2024-05-01T12:00:01.123Z INFO listening on 127.0.0.1:8080\n"
      "order #4111111111111112 (not a card: Luhn fails)\n";
  EXPECT_EQ(r->Redact(text, r->DefaultOptions()), text);
}

TEST(Redactor, FindSpansReportsWhatRedactReplaces) {
  auto r = Make();
  const std::string text =
      "a ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 b\n"
      "-----BEGIN EC PRIVATE KEY-----\n"
      "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oTsQ8HyTGYZroAoGCCqGSM49\n"
      "-----END EC PRIVATE KEY-----\n";
  const auto spans = r->FindSpans(text, r->DefaultOptions());
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].type, "GITHUB_TOKEN");
  EXPECT_EQ(spans[0].rule, "github_token");
  EXPECT_EQ(text.substr(spans[0].begin, spans[0].end - spans[0].begin),
            "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
  EXPECT_EQ(spans[1].type, "PRIVATE_KEY");
  const std::string block =
      text.substr(spans[1].begin, spans[1].end - spans[1].begin);
  EXPECT_EQ(block.find("-----BEGIN EC PRIVATE KEY-----"), 0u);
  EXPECT_EQ(block.size() - block.rfind("-----END EC PRIVATE KEY-----"),
            std::string("-----END EC PRIVATE KEY-----").size());
}

TEST(Redactor, DecodesJsonEscapesAndPercentEncodingBeforeMatching) {
  auto r = Make();
  EXPECT_EQ(r->Redact("{\"to\":\"jane\\u0040corp.example.com\"}\n",
                      r->DefaultOptions()),
            "{\"to\":\"[REDACTED:EMAIL]\"}\n");
  EXPECT_EQ(r->Redact("GET /find?email=jane%40corp.example.com&x=1\n",
                      r->DefaultOptions()),
            "GET /find?email=[REDACTED:EMAIL]&x=1\n");
  // A PEM key inside a JSON string with \n escapes.
  const std::string json =
      "{\"key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvgIBADANBgkqhkiG9w0B"
      "\\n-----END PRIVATE KEY-----\\n\"}\n";
  const std::string out = r->Redact(json, r->DefaultOptions());
  EXPECT_THAT(out, HasSubstr("[REDACTED:PRIVATE_KEY]"));
  EXPECT_EQ(out.find("MIIEvg"), std::string::npos);
}

TEST(Redactor, CategoriesCanBeDisabledGloballyAndPerTenant) {
  auto r = Make(ConfigFromText(R"pb(
    disabled: "network"
    tenants {
      key: "acme"
      value { disabled: "contact" enabled: "network" }
    }
    tenants {
      key: "beta"
      value { disabled: "AWS_ACCESS_KEY_ID" }
    }
  )pb"));
  ASSERT_NE(r, nullptr);
  const std::string text =
      "ip 10.1.2.3 mail a.b@example.com key AKIAIOSFODNN7EXAMPLE\n";
  EXPECT_EQ(r->Redact(text, r->DefaultOptions()),
            "ip 10.1.2.3 mail [REDACTED:EMAIL] key "
            "[REDACTED:AWS_ACCESS_KEY_ID]\n");
  EXPECT_EQ(r->Redact(text, r->OptionsForTenant("acme")),
            "ip [REDACTED:IPV4] mail a.b@example.com key "
            "[REDACTED:AWS_ACCESS_KEY_ID]\n");
  EXPECT_EQ(r->Redact(text, r->OptionsForTenant("beta")),
            "ip 10.1.2.3 mail [REDACTED:EMAIL] key AKIAIOSFODNN7EXAMPLE\n");
  EXPECT_EQ(r->Redact(text, r->OptionsForTenant("unknown")),
            r->Redact(text, r->DefaultOptions()));
}

TEST(Redactor, TheFilterCanBeTurnedOff) {
  auto r = Make(ConfigFromText("disabled_filter: true"));
  const std::string text = "mail a.b@example.com\n";
  EXPECT_EQ(r->Redact(text, r->DefaultOptions()), text);
  EXPECT_FALSE(r->ClassifiedEnabledFor("any"));
}

TEST(Redactor, UnknownCategoryNamesAreRejected) {
  auto r = Redactor::Create(BuiltIn(), ConfigFromText("disabled: \"nope\""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nope"));
}

TEST(Redactor, CustomRulesAreAddedByConfig) {
  auto r = Make(ConfigFromText(R"pb(
    custom_rules {
      id: "acme_employee_id"
      type: "EMPLOYEE_ID"
      category: "acme"
      literals: "ACME-"
      pattern: "\\bACME-[0-9]{8}\\b"
    }
    idle_release { nanos: 5000000 }
  )pb"));
  ASSERT_NE(r, nullptr);
  RedactionCounts counts;
  EXPECT_EQ(r->Redact("badge ACME-12345678 ok\n", r->DefaultOptions(), &counts),
            "badge [REDACTED:EMPLOYEE_ID] ok\n");
  EXPECT_EQ(counts, (RedactionCounts{{"EMPLOYEE_ID", 1}}));
  EXPECT_EQ(r->idle_release(), absl::Milliseconds(5));
}

TEST(Redactor, BadRulesAreInvalidArgumentNamingTheRule) {
  struct Case {
    const char* rule;
    const char* message;
  };
  const Case cases[] = {
      {R"pb(id: "x" type: "T" category: "c" literals: "ab" pattern: "(")pb",
       "does not compile"},
      {R"pb(id: "x" type: "T" category: "c" pattern: "abc")pb",
       "needs a trigger"},
      {R"pb(id: "x" type: "t" category: "c" literals: "ab" pattern: "a")pb",
       "type must be"},
      {R"pb(id: "x"
            type: "T"
            category: "c"
            literals: "ab"
            pattern: "a"
            allow: "nope")pb",
       "unknown allow list"},
      {R"pb(id: "email" type: "T" category: "c" literals: "ab" pattern: "a")pb",
       "duplicate id"},
  };
  for (const Case& c : cases) {
    auto r = Redactor::Create(
        BuiltIn(), ConfigFromText(absl::StrCat("custom_rules {", c.rule, "}")));
    ASSERT_FALSE(r.ok()) << c.rule;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.message))
        << c.rule;
  }
}

TEST(Redactor, RulesLoadFromAFile) {
  char path[] = "/tmp/privacy_rules_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = R"pb(
    version: "test-1"
    rules {
      id: "ticket"
      type: "TICKET"
      category: "misc"
      literals: "TCK"
      pattern: "\\bTCK[0-9]{4}\\b"
    }
  )pb";
  ASSERT_EQ(write(fd, text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
  close(fd);
  PrivacyConfig config;
  config.set_rules_path(path);
  auto r = Redactor::CreateFromConfig(config);
  unlink(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->rules_version(), "test-1");
  EXPECT_EQ((*r)->Redact("see TCK1234\n", (*r)->DefaultOptions()),
            "see [REDACTED:TICKET]\n");

  config.set_rules_path("/nonexistent/rules.textproto");
  EXPECT_EQ(Redactor::CreateFromConfig(config).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Redactor::ParseRules("rules { id: ").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace forge::privacy
