// Bearer tokens: the table of SHA-256 digests (inline and from a file), the
// `authorization` value parser and the authenticator a config with
// credentials gets. Calls with tokens through the real server are in
// tests/integration/auth_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/crypto.h"
#include "google/protobuf/text_format.h"
#include "server/auth/authenticator.h"
#include "server/auth/credential_authenticator.h"
#include "server/auth/token_table.h"

namespace forge::server::auth {
namespace {

using ::forge::exec::v1::AuthConfig;

AuthConfig Parse(const std::string& text) {
  AuthConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

std::string TokenEntry(const std::string& token, const std::string& tenant,
                       const std::string& principal, const std::string& role) {
  return "tokens { sha256: \"" + Sha256Hex(token) + "\" tenant: \"" + tenant +
         "\" principal: \"" + principal + "\" roles: \"" + role + "\" }\n";
}

TEST(TokenTableTest, FindsTheCallerOfEachTokenAndNothingElse) {
  auto table = TokenTable::FromConfig(
      Parse(TokenEntry("s3cret-one", "acme", "ci-bot", "executor") +
            TokenEntry("s3cret-two", "globex", "carol", "auditor")));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);
  auto one = table->Lookup("s3cret-one");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->tenant, "acme");
  EXPECT_EQ(one->principal, "ci-bot");
  EXPECT_TRUE(one->Has(Role::kExecutor));
  EXPECT_FALSE(one->Has(Role::kAuditor));
  auto two = table->Lookup("s3cret-two");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->tenant, "globex");
  EXPECT_TRUE(two->Has(Role::kAuditor));

  for (const char* wrong :
       {"s3cret-on", "s3cret-one ", "", "S3CRET-ONE", "s3cret-three"}) {
    auto missing = table->Lookup(wrong);
    ASSERT_FALSE(missing.ok()) << wrong;
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
    if (*wrong != '\0') {
      EXPECT_EQ(missing.status().message().find(wrong), std::string::npos);
    }
  }
}

TEST(TokenTableTest, UppercaseDigestsAreAccepted) {
  std::string digest = Sha256Hex("tok");
  for (char& c : digest) c = static_cast<char>(std::toupper(c));
  auto table = TokenTable::FromConfig(
      Parse("tokens { sha256: \"" + digest +
            "\" tenant: \"t\" principal: \"p\" roles: \"admin\" }"));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_TRUE(table->Lookup("tok").ok());
}

TEST(TokenTableTest, RefusesUnusableEntriesNamingThem) {
  struct Case {
    std::string config;
    std::string expected;
  };
  const std::string digest = Sha256Hex("x");
  for (const Case& c : std::vector<Case>{
           {"tokens { sha256: \"abc\" tenant: \"t\" principal: \"p\" roles: "
            "\"executor\" }",
            "auth.tokens[0].sha256"},
           {"tokens { sha256: \"" + digest +
                "\" principal: \"p\" roles: \"executor\" }",
            "auth.tokens[0].tenant"},
           {"tokens { sha256: \"" + digest +
                "\" tenant: \"t\" roles: \"executor\" }",
            "auth.tokens[0].principal"},
           {"tokens { sha256: \"" + digest +
                "\" tenant: \"t\" principal: \"p\" roles: \"root\" }",
            "unknown role \"root\""},
           {"tokens { sha256: \"" + digest +
                "\" tenant: \"t\" principal: \"p\" }",
            "at least one role"},
           {TokenEntry("x", "t", "p", "executor") +
                TokenEntry("x", "u", "q", "auditor"),
            "auth.tokens[1].sha256: the same token is listed twice"},
       }) {
    auto table = TokenTable::FromConfig(Parse(c.config));
    ASSERT_FALSE(table.ok()) << c.config;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(table.status().message().find(c.expected), std::string::npos)
        << table.status();
  }
}

class TokensFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/forge-tokens-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Write(const std::string& content) {
    const std::string path = dir_ + "/tokens.textproto";
    std::ofstream(path) << content;
    return path;
  }
  std::string dir_;
};

TEST_F(TokensFileTest, LoadsTokensFromTheFileBesideInlineOnes) {
  AuthConfig config = Parse(TokenEntry("inline", "acme", "a", "executor"));
  config.set_tokens_file(
      Write("# from a Secret\n" + TokenEntry("filed", "globex", "b", "admin")));
  auto table = TokenTable::FromConfig(config);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);
  EXPECT_EQ(table->Lookup("inline")->tenant, "acme");
  EXPECT_EQ(table->Lookup("filed")->tenant, "globex");
}

TEST_F(TokensFileTest, UnreadableOrMalformedFileIsRefusedNamingIt) {
  AuthConfig missing;
  missing.set_tokens_file(dir_ + "/absent.textproto");
  auto table = TokenTable::FromConfig(missing);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("absent.textproto: cannot be read"),
            std::string::npos)
      << table.status();

  AuthConfig malformed;
  malformed.set_tokens_file(Write("tokens { sha256: \"secret-looking\" "));
  table = TokenTable::FromConfig(malformed);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("not a valid AuthTokens"),
            std::string::npos)
      << table.status();
  EXPECT_EQ(table.status().message().find("secret-looking"), std::string::npos);
}

TEST(BearerTokenTest, ParsesTheBearerScheme) {
  EXPECT_EQ(*CredentialAuthenticator::BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(*CredentialAuthenticator::BearerToken("bearer abc"), "abc");
  EXPECT_EQ(*CredentialAuthenticator::BearerToken("BEARER  abc "), "abc");
  for (const char* bad :
       {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "abc", "Bearerabc"}) {
    EXPECT_FALSE(CredentialAuthenticator::BearerToken(bad).ok()) << bad;
  }
  // The refusal never quotes what was sent.
  for (const char* secret : {"dXNlcjpwYXNz", "abc"}) {
    auto token =
        CredentialAuthenticator::BearerToken(std::string("Basic ") + secret);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status().message().find(secret), std::string::npos);
  }
}

TEST(AuthenticatorFromConfigTest, TokensAllowANonLoopbackListener) {
  forge::exec::v1::ServerConfig config;
  config.set_listen("0.0.0.0:50051");
  *config.mutable_auth() = Parse(TokenEntry("t", "acme", "p", "executor"));
  auto authenticator = AuthenticatorFromConfig(config);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_NE(dynamic_cast<CredentialAuthenticator*>(authenticator->get()),
            nullptr);
}

TEST(AuthenticatorFromConfigTest, CertificatesNeedAClientCa) {
  forge::exec::v1::ServerConfig config;
  config.set_listen("0.0.0.0:50051");
  *config.mutable_auth() = Parse(
      "client_certificates { san: \"spiffe://example.org/ci\" tenant: \"t\" "
      "principal: \"p\" roles: \"executor\" }");
  auto authenticator = AuthenticatorFromConfig(config);
  ASSERT_FALSE(authenticator.ok());
  EXPECT_NE(authenticator.status().message().find("client_ca_path"),
            std::string::npos)
      << authenticator.status();
  config.mutable_auth()->mutable_tls()->set_client_ca_path("/ca.pem");
  EXPECT_TRUE(AuthenticatorFromConfig(config).ok());
}

TEST(AuthenticatorFromConfigTest, MetadataIdentityDoesNotMixWithTokens) {
  forge::exec::v1::ServerConfig config;
  config.set_listen("127.0.0.1:0");
  *config.mutable_auth() = Parse(TokenEntry("t", "acme", "p", "executor"));
  config.mutable_auth()->set_identity_from_metadata(true);
  EXPECT_FALSE(AuthenticatorFromConfig(config).ok());
}

}  // namespace
}  // namespace forge::server::auth
