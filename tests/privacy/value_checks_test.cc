#include "server/privacy/value_checks.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "server/privacy/text_decoder.h"

namespace forge::privacy {
namespace {

TEST(KeyWordMatcher, MatchesWholePartsAndLongWordsInsideNames) {
  KeyWordMatcher m({"password", "key", "api_key"}, {"file", "id"});
  EXPECT_TRUE(m.Matches("password"));
  EXPECT_TRUE(m.Matches("DB_PASSWORD"));
  EXPECT_TRUE(m.Matches("dbPassword"));
  EXPECT_TRUE(m.Matches("mysqlpassword"));  // long word inside the name
  EXPECT_TRUE(m.Matches("x-api-key"));
  EXPECT_TRUE(m.Matches("signing.key"));
  EXPECT_FALSE(m.Matches("keyboard"));  // short word must be a part
  EXPECT_FALSE(m.Matches("monkey"));
  EXPECT_FALSE(m.Matches("password_file"));  // excluded part
  EXPECT_FALSE(m.Matches("key_id"));
  EXPECT_FALSE(m.Matches("status"));
}

TEST(KeyWordMatcher, ReportsEachListAsABit) {
  KeyWordMatcher m;
  m.Add({"password"}, {}, 0);
  m.Add({"token", "secret"}, {"type"}, 3);
  EXPECT_EQ(m.Match("db_password"), 1u << 0);
  EXPECT_EQ(m.Match("client_secret"), 1u << 3);
  EXPECT_EQ(m.Match("token_type"), 0u);
  EXPECT_EQ(m.Match("secret_password"), (1u << 0) | (1u << 3));
  EXPECT_EQ(m.MatchCached("secret_password"), m.Match("secret_password"));
  EXPECT_EQ(m.MatchCached("secret_password"), m.Match("secret_password"));
}

TEST(StripQuotes, RemovesOneMatchingPair) {
  const std::string t = "x='abc' y=\"d\" z=`e` w='f";
  size_t b = 2, e = 7;
  EXPECT_TRUE(StripQuotes(t, &b, &e));
  EXPECT_EQ(t.substr(b, e - b), "abc");
  b = t.find("'f");
  e = t.size();
  EXPECT_FALSE(StripQuotes(t, &b, &e));
}

TEST(Entropy, IsBitsPerByte) {
  EXPECT_DOUBLE_EQ(ShannonEntropy("aaaa"), 0.0);
  EXPECT_NEAR(ShannonEntropy("abcd"), 2.0, 1e-9);
  EXPECT_NEAR(ShannonEntropy("aabb"), 1.0, 1e-9);
}

bool Password(const std::string& line, const std::string& value,
              bool quoted = false) {
  const size_t b = line.rfind(value);  // the value, after the key
  return IsPasswordValue(line, b, b + value.size(), quoted);
}

// The sum over the distinct bytes, in the order they first occur, of
// c * log2(c) (as float terms, like ShannonEntropy's table), written out.
double EntropyByFirstOccurrence(const std::string& v) {
  const size_t n = std::min<size_t>(v.size(), 1024);
  double sum = 0;
  std::string seen;
  for (size_t i = 0; i < n; ++i) {
    if (seen.find(v[i]) != std::string::npos) continue;
    seen.push_back(v[i]);
    const int c = static_cast<int>(std::count(v.begin(), v.begin() + n, v[i]));
    sum += static_cast<float>(c * std::log2(1.0 * c));
  }
  return std::log2(static_cast<double>(n)) - sum / n;
}

TEST(Entropy, SumsTermsInFirstOccurrenceOrderExactly) {
  std::mt19937 rng(3);
  for (int round = 0; round < 300; ++round) {
    std::string v(1 + rng() % 1500, ' ');
    const int alphabet = 1 + static_cast<int>(rng() % 256);
    for (char& c : v) c = static_cast<char>(rng() % alphabet);
    // Bit-exact: thresholds compare against this value.
    EXPECT_EQ(ShannonEntropy(v), EntropyByFirstOccurrence(v)) << round;
  }
}

TEST(PasswordValue, AcceptsDataAndRejectsCodeAndPlaceholders) {
  EXPECT_TRUE(Password("password=hunter2", "hunter2"));
  EXPECT_TRUE(Password("password: 'S3cure!'", "S3cure!", true));
  EXPECT_TRUE(Password("pwd=abc123,", "abc123"));
  EXPECT_FALSE(Password("password = getpass.getpass(", "getpass.getpass("));
  EXPECT_FALSE(Password("password=os.environ[", "os.environ["));
  EXPECT_FALSE(Password("password=config.db.password", "config.db.password"));
  EXPECT_FALSE(Password("connect(password=password)", "password"));
  EXPECT_FALSE(Password("password=$DB_PASSWORD", "$DB_PASSWORD"));
  EXPECT_FALSE(Password("password=%PASS%", "%PASS%"));
  EXPECT_FALSE(Password("password=********", "********"));
  EXPECT_FALSE(Password("PWD=/home/runner/work", "/home/runner/work"));
  EXPECT_FALSE(Password("x: auth: request_id=abc", "request_id=abc"));
}

bool Secret(const std::string& value, bool quoted = false) {
  return IsSecretValue(value, 0, value.size(), quoted, 3.0);
}

TEST(SecretValue, WantsRandomLookingValues) {
  EXPECT_TRUE(Secret("9f8e7d6c5b4a39281706f5e4d3c2b1a0"));
  EXPECT_TRUE(Secret("xPSjnmDTdoLsPLm8m5JKMDVv.bWrO48ob74M7DZhT"));
  EXPECT_TRUE(Secret("/z/TKO6KD6zZ5+pmClHVPCa0fZ7rynTzwgGj8vQBp+KV", true));
  EXPECT_FALSE(Secret("bert-base-uncased"));  // words
  EXPECT_FALSE(Secret("1.2.3-beta"));         // a version
  EXPECT_FALSE(Secret("https://example.com/callback"));
  EXPECT_FALSE(Secret("/usr/local/lib/python3.11"));
  EXPECT_FALSE(Secret("12345678"));  // a number
  EXPECT_FALSE(Secret("aaaaaaaaaaaaaaaa"));
}

TEST(TextDecoder, DecodesJsonEscapesAndPercentAndMapsOffsetsBack) {
  const std::string text = "{\"e\":\"jane\\u0040corp.com\",\"u\":\"a%40b.io\"}";
  ASSERT_TRUE(HasEncodedForms(text));
  std::string decoded;
  std::vector<uint32_t> offsets;
  DecodeForMatching(text, &decoded, &offsets);
  EXPECT_EQ(decoded, "{\"e\":\"jane@corp.com\",\"u\":\"a@b.io\"}");
  ASSERT_EQ(offsets.size(), decoded.size() + 1);
  const size_t at = decoded.find("jane@corp.com");
  const size_t end = at + std::string("jane@corp.com").size();
  EXPECT_EQ(text.substr(offsets[at], offsets[end] - offsets[at]),
            "jane\\u0040corp.com");
  EXPECT_FALSE(HasEncodedForms("plain text 100%"));
}

}  // namespace
}  // namespace forge::privacy
