#include "server/privacy/lazy_gap.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/privacy/re2_views.h"
#include "server/privacy/rule_set.h"

namespace forge::privacy {
namespace {

constexpr char kPem[] =
    "-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?"
    "-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----";

// The whole pattern's anchored match at `pos`: -1 for none, else its end.
long FullMatchEnd(const RE2& full, const std::string& text, size_t pos) {
  re2::StringPiece m;
  if (!full.Match(ToPiece(text), pos, text.size(), RE2::ANCHOR_START, &m, 1)) {
    return -1;
  }
  return static_cast<long>(pos + m.size());
}

long GapMatchEnd(const LazyGapMatcher& gap, const RE2& full,
                 const std::string& text, size_t pos) {
  size_t end = 0;
  if (!gap.MatchAt(text, pos, full, &end)) return -1;
  return static_cast<long>(end);
}

TEST(LazyGapMatcher, AcceptsOnlyTopLevelGapWithLiteralTail) {
  const RE2::Options options = PrivacyRe2Options();
  EXPECT_NE(LazyGapMatcher::Create(kPem, options), nullptr);
  EXPECT_EQ(LazyGapMatcher::Create("abc[a-z]+-----END", options), nullptr);
  EXPECT_EQ(LazyGapMatcher::Create("a|b[\\s\\S]*?-----END", options), nullptr);
  EXPECT_EQ(LazyGapMatcher::Create("(?:a[\\s\\S]*?)-----END", options),
            nullptr);
  EXPECT_EQ(LazyGapMatcher::Create("ab[\\s\\S]*?x+yz", options), nullptr);
  EXPECT_EQ(LazyGapMatcher::Create("(?i)ab[\\s\\S]*?-----END", options),
            nullptr);
  RE2::Options longest = options;
  longest.set_longest_match(true);
  EXPECT_EQ(LazyGapMatcher::Create(kPem, longest), nullptr);
}

TEST(LazyGapMatcher, EndsAtTheFirstEndMarker) {
  const RE2 full(kPem, PrivacyRe2Options());
  auto gap = LazyGapMatcher::Create(kPem, PrivacyRe2Options());
  ASSERT_NE(gap, nullptr);
  const std::string text =
      "{\"k\": \"-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA "
      "PRIVATE KEY-----\\n\", \"x\": \"-----END PRIVATE KEY-----\"}";
  const size_t pos = text.find("-----BEGIN");
  const long end = GapMatchEnd(*gap, full, text, pos);
  EXPECT_EQ(end, static_cast<long>(text.find("-----\\n\"") + 5));
  EXPECT_EQ(end, FullMatchEnd(full, text, pos));
  // An end marker that does not complete ("-----END X-----" without
  // PRIVATE KEY) is skipped; none at all: no match.
  const std::string partial =
      "-----BEGIN PRIVATE KEY-----abc-----END junk-----END PRIVATE KEY-----";
  EXPECT_EQ(GapMatchEnd(*gap, full, partial, 0),
            static_cast<long>(partial.size()));
  EXPECT_EQ(GapMatchEnd(*gap, full, "-----BEGIN PRIVATE KEY-----abc", 0), -1);
  EXPECT_EQ(GapMatchEnd(*gap, full, "-----BEGIN PUBLIC KEY-----", 0), -1);
}

TEST(LazyGapMatcher, FallsBackWhenTheHeadsPreferredMatchHasNoTail) {
  // The head prefers "ab" (greedy b?), after which no "c-----" follows the
  // gap; the whole pattern then takes the head "a" and the tail "bc-----".
  const char* pattern = "ab?[\\s\\S]*?bc----";
  const RE2 full(pattern, PrivacyRe2Options());
  // Tail literal "bc----" is at least four bytes.
  auto gap = LazyGapMatcher::Create(pattern, PrivacyRe2Options());
  ASSERT_NE(gap, nullptr);
  const std::string text = "abc----";
  EXPECT_EQ(GapMatchEnd(*gap, full, text, 0), FullMatchEnd(full, text, 0));
  EXPECT_EQ(GapMatchEnd(*gap, full, text, 0), 7);
}

TEST(LazyGapMatcher, SameAsTheWholePatternOnRandomText) {
  const RE2 full(kPem, PrivacyRe2Options());
  auto gap = LazyGapMatcher::Create(kPem, PrivacyRe2Options());
  ASSERT_NE(gap, nullptr);
  const std::vector<std::string> pieces = {
      "-----BEGIN", "-----END", " RSA", " PRIVATE KEY",
      " BLOCK",     "-----",    "\\n",  "\n",
      "MIIE",       "x",        " ",    "-"};
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 14);
    for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    for (size_t pos = 0; pos <= text.size(); ++pos) {
      ASSERT_EQ(GapMatchEnd(*gap, full, text, pos),
                FullMatchEnd(full, text, pos))
          << text << " at " << pos;
    }
  }
}

}  // namespace
}  // namespace forge::privacy
