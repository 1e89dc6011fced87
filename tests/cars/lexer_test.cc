#include "cars/lexer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Values(const LexedSource& lexed, TokenKind kind) {
  std::vector<std::string> out;
  for (const Token& t : lexed.tokens) {
    if (t.kind == kind) out.emplace_back(t.value);
  }
  return out;
}

const Token* Find(const LexedSource& lexed, TokenKind kind,
                  const std::string& value) {
  for (const Token& t : lexed.tokens) {
    if (t.kind == kind && t.value == value) return &t;
  }
  return nullptr;
}

TEST(PythonLexerTest, SeparatesCommentsStringsAndNames) {
  const LexedSource lexed = Lex(Language::kPython,
                                "# fetch the rows\n"
                                "rows = fetch_rows(conn)  # eval later\n"
                                "model.eval()\n"
                                "print(\"os.system is dangerous\")\n");
  EXPECT_THAT(Values(lexed, TokenKind::kComment),
              ElementsAre(" fetch the rows", " eval later"));
  EXPECT_THAT(Values(lexed, TokenKind::kString),
              ElementsAre("os.system is dangerous"));
  EXPECT_THAT(
      Values(lexed, TokenKind::kIdentifier),
      ElementsAre("rows", "fetch_rows", "conn", "model", "eval", "print"));
}

TEST(PythonLexerTest, PositionsAreOneBasedLineAndCodePointColumn) {
  const LexedSource lexed = Lex(Language::kPython, "x = 1\né = 'ü'; eval(y)\n");
  const Token* eval = Find(lexed, TokenKind::kIdentifier, "eval");
  ASSERT_NE(eval, nullptr);
  EXPECT_EQ(eval->line, 2u);
  EXPECT_EQ(eval->column, 10u);
}

TEST(PythonLexerTest, DecodesEscapesAndPrefixes) {
  const LexedSource lexed =
      Lex(Language::kPython,
          "a = '\\x65\\x76\\x61\\x6c'\nb = r'\\x41'\nc = b'\\x41\\101'\n"
          "d = '''multi\nline'''\ne = '\\u0065x'\n");
  EXPECT_THAT(Values(lexed, TokenKind::kString),
              ElementsAre("eval", "\\x41", "AA", "multi\nline", "ex"));
}

TEST(PythonLexerTest, LexesFStringFieldsAsCode) {
  const LexedSource lexed = Lex(
      Language::kPython, "s = f\"{__import__('os').system('id')} {{x}}\"\n");
  ASSERT_NE(Find(lexed, TokenKind::kIdentifier, "__import__"), nullptr);
  ASSERT_NE(Find(lexed, TokenKind::kString, "os"), nullptr);
  const Token* fstring = &lexed.tokens[2];
  EXPECT_EQ(fstring->kind, TokenKind::kString);
  EXPECT_TRUE(fstring->Has(kTokenInterpolated));
}

TEST(PythonLexerTest, FoldsCompatibilityIdentifiersLikePython) {
  // Fullwidth "ｅｖａｌ" is eval to Python (NFKC).
  const LexedSource lexed =
      Lex(Language::kPython, "\uFF45\uFF56\uFF41\uFF4C('1')");
  ASSERT_FALSE(lexed.tokens.empty());
  EXPECT_EQ(lexed.tokens[0].value, "eval");
  EXPECT_TRUE(lexed.tokens[0].Has(kTokenDisguised));
}

TEST(PythonLexerTest, NewlinesOnlyOutsideBrackets) {
  const LexedSource lexed = Lex(Language::kPython, "f(a,\n  b)\nx\n");
  int newlines = 0;
  for (const Token& t : lexed.tokens) newlines += t.kind == TokenKind::kNewline;
  EXPECT_EQ(newlines, 2);
}

TEST(PythonLexerTest, UnterminatedStringStopsAtEndOfLine) {
  const LexedSource lexed = Lex(Language::kPython, "x = 'abc\ny = eval(z)\n");
  const Token* s = Find(lexed, TokenKind::kString, "abc");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->Has(kTokenUnterminated));
  EXPECT_NE(Find(lexed, TokenKind::kIdentifier, "eval"), nullptr);
}

TEST(JavaScriptLexerTest, TemplatesRegexesAndComments) {
  const LexedSource lexed = Lex(Language::kJavaScript,
                                "// fetch data\n"
                                "const re = /https?:\\/\\//g;\n"
                                "const n = a / b / c;\n"
                                "const t = `GET ${host}/x`;\n");
  EXPECT_THAT(Values(lexed, TokenKind::kComment), ElementsAre(" fetch data"));
  EXPECT_THAT(Values(lexed, TokenKind::kRegex), ElementsAre("https?:\\/\\/"));
  EXPECT_THAT(Values(lexed, TokenKind::kString), ElementsAre("GET ${host}/x"));
  EXPECT_NE(Find(lexed, TokenKind::kIdentifier, "host"), nullptr);
}

TEST(JavaScriptLexerTest, DecodesEscapedIdentifiersAndStrings) {
  const LexedSource lexed =
      Lex(Language::kJavaScript, "\\u0065val('\\x63hild_\\u{70}rocess')");
  ASSERT_GE(lexed.tokens.size(), 3u);
  EXPECT_EQ(lexed.tokens[0].value, "eval");
  EXPECT_TRUE(lexed.tokens[0].Has(kTokenDisguised));
  EXPECT_EQ(lexed.tokens[2].value, "child_process");
}

TEST(JavaScriptLexerTest, NestedTemplates) {
  const LexedSource lexed =
      Lex(Language::kJavaScript, "x = `a${`b${c}`}d`; y = 1");
  EXPECT_NE(Find(lexed, TokenKind::kIdentifier, "c"), nullptr);
  EXPECT_NE(Find(lexed, TokenKind::kIdentifier, "y"), nullptr);
}

TEST(BashLexerTest, WordsQuotesAndOperators) {
  const LexedSource lexed =
      Lex(Language::kBash,
          "# curl is used below\n"
          "c\"u\"r'l' -s http://x | sh 2>&1 && echo $'\\x63url' done\n");
  EXPECT_THAT(Values(lexed, TokenKind::kComment),
              ElementsAre(" curl is used below"));
  EXPECT_THAT(
      Values(lexed, TokenKind::kWord),
      ElementsAre("curl", "-s", "http://x", "sh", "1", "echo", "curl", "done"));
  EXPECT_THAT(Values(lexed, TokenKind::kOperator),
              ElementsAre("|", "2>&", "&&"));
}

TEST(BashLexerTest, RecordsSubstitutionsAndHeredocs) {
  const LexedSource lexed =
      Lex(Language::kBash,
          "x=$(echo Y3VybA== | base64 -d) `id`\n"
          "python3 - <<'EOF'\nimport os\nEOF\necho done\n");
  ASSERT_EQ(lexed.substitutions.size(), 2u);
  const std::string source = "x=$(echo Y3VybA== | base64 -d) `id`\n";
  EXPECT_EQ(
      source.substr(lexed.substitutions[0].begin,
                    lexed.substitutions[0].end - lexed.substitutions[0].begin),
      "echo Y3VybA== | base64 -d");
  const Token* heredoc = Find(lexed, TokenKind::kString, "import os\n");
  ASSERT_NE(heredoc, nullptr);
  EXPECT_TRUE(heredoc->Has(kTokenHeredoc));
  EXPECT_NE(Find(lexed, TokenKind::kWord, "done"), nullptr);
}

TEST(LexerTest, HostileInputIsBounded) {
  std::string deep(200000, '(');
  std::string nested;
  for (int i = 0; i < 5000; ++i) nested += "f\"{";
  std::string templates;
  for (int i = 0; i < 5000; ++i) templates += "`${";
  std::string subs;
  for (int i = 0; i < 5000; ++i) subs += "$(";
  const std::string binary("\0\xff\xfe'\"`\x80\xc3", 9);
  for (Language language :
       {Language::kPython, Language::kJavaScript, Language::kBash}) {
    for (const std::string& input : {deep, nested, templates, subs, binary}) {
      LexLimits limits;
      limits.max_tokens = 100000;
      const LexedSource lexed = Lex(language, input, limits);
      EXPECT_LE(lexed.tokens.size(), limits.max_tokens);
    }
  }
}

TEST(LexerTest, TokenBudgetTruncates) {
  LexLimits limits;
  limits.max_tokens = 10;
  const LexedSource lexed =
      Lex(Language::kPython, "a b c d e f g h i j k l m n", limits);
  EXPECT_TRUE(lexed.truncated);
  EXPECT_EQ(lexed.tokens.size(), 10u);
}

TEST(LexerTest, ValuesAreCapped) {
  LexLimits limits;
  limits.max_value_bytes = 8;
  const std::string source = "'" + std::string(100, 'a') + "'";
  const LexedSource lexed = Lex(Language::kJavaScript, source, limits);
  ASSERT_EQ(lexed.tokens.size(), 1u);
  EXPECT_EQ(lexed.tokens[0].value.size(), 8u);
  EXPECT_TRUE(lexed.tokens[0].Has(kTokenTruncated));
}

TEST(LexerTest, ValuesWrittenAsIsViewTheSource) {
  const std::string source = "name = 'plain text' + \"esc\\x61pe\"  # note\n";
  const LexedSource lexed = Lex(Language::kPython, source);
  const absl::string_view whole(source);
  for (const Token& t : lexed.tokens) {
    if (t.kind == TokenKind::kNewline) continue;
    const bool in_source =
        t.value.data() >= whole.data() &&
        t.value.data() + t.value.size() <= whole.data() + whole.size();
    // Only the string whose escape changed it lives in the decoded store.
    EXPECT_EQ(in_source, t.value != "escape") << t.value;
  }
  EXPECT_EQ(lexed.decoded.size(), 1u);
}

TEST(LexerTest, DecodedValuesSurviveMovingTheResult) {
  const std::string source = "x = '\\x65\\x76\\x61\\x6c' + `\\u0061${b}`\n";
  LexedSource lexed = Lex(Language::kJavaScript, source);
  const LexedSource moved = std::move(lexed);
  EXPECT_THAT(Values(moved, TokenKind::kString), ElementsAre("eval", "a${b}"));
  EXPECT_TRUE(moved.tokens[2].Has(kTokenDisguised));
}

}  // namespace
}  // namespace forge::cars
