#include "cars/bash_script.h"

#include <string>

#include "absl/strings/str_join.h"
#include "cars/folded_value.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

// `code` views the literal, which outlives the script's tokens.
BashScript Build(absl::string_view code, BashVariables* vars) {
  return BuildBashScript(code, LexLimits(), vars);
}

std::string Words(const BashCommand& cmd) {
  return absl::StrJoin(cmd.words, " ", [](std::string* out, const BashWord& w) {
    out->append(w.text);
  });
}

TEST(BashScriptTest, CommandsPipelinesAndRedirections) {
  BashVariables vars;
  const BashScript s =
      Build("cat a | grep x > out.txt && echo done; ls -l 2>&1\n", &vars);
  ASSERT_EQ(s.commands.size(), 4u);
  EXPECT_EQ(Words(s.commands[0]), "cat a");
  EXPECT_EQ(s.commands[0].pipeline, s.commands[1].pipeline);
  EXPECT_NE(s.commands[1].pipeline, s.commands[2].pipeline);
  ASSERT_EQ(s.commands[1].redirects.size(), 1u);
  EXPECT_EQ(s.commands[1].redirects[0].op, ">");
  EXPECT_EQ(s.commands[1].redirects[0].target.text, "out.txt");
  EXPECT_EQ(Words(s.commands[3]), "ls -l");
}

TEST(BashScriptTest, VariablesExpandAndGlueNames) {
  BashVariables vars;
  const BashScript s =
      Build("a=cu; b=rl\n$a$b -s x\ncat${IFS}/etc/hosts\necho $1\n", &vars);
  ASSERT_EQ(s.commands.size(), 5u);
  EXPECT_EQ(s.commands[2].words[0].text, "curl");
  EXPECT_EQ(Words(s.commands[3]), "cat /etc/hosts");
  EXPECT_TRUE(s.commands[4].words[1].flags &
              kFoldPartial);  // positional parameter
}

TEST(BashScriptTest, EvaluatesStaticSubstitutions) {
  BashVariables vars;
  const BashScript s = Build("$(echo Y3VybA== | base64 -d) http://x\n", &vars);
  ASSERT_FALSE(s.commands.empty());
  const BashWord& name = s.commands.back().words[0];
  EXPECT_EQ(name.text, "curl");
  EXPECT_TRUE(name.flags & kFoldDecoded);
}

TEST(BashScriptTest, StaticPipelines) {
  BashVariables vars;
  struct Case {
    const char* code;
    const char* text;
  } cases[] = {
      {"printf '\\x69\\x64'", "id"},
      {"echo -e '\\x69\\x64'", "id"},
      {"echo aWQ= | base64 --decode", "id"},
      {"echo di | rev", "id"},
      {"echo vq | tr 'A-Za-z' 'N-ZA-Mn-za-m'", "id"},
      {"echo 6964 | xxd -r -p", "id"},
      {"printf '%s%s' i d", "id"},
  };
  for (const Case& c : cases) {
    const BashScript s = Build(c.code, &vars);
    auto out = EvaluateStatically(s.commands, 0, s.commands.size() - 1);
    ASSERT_TRUE(out.has_value()) << c.code;
    std::string text = out->text;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    EXPECT_EQ(text, c.text) << c.code;
  }
  const BashScript opaque = Build("echo x | gunzip", &vars);
  auto out = EvaluateStatically(opaque.commands, 0, 1);
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->known);
  const BashScript other = Build("curl x | sh", &vars);
  EXPECT_FALSE(EvaluateStatically(other.commands, 0, 0).has_value());
}

TEST(BashScriptTest, LoopsAndFunctions) {
  BashVariables vars;
  const BashScript s = Build(
      "while true; do :; done\n"
      "for i in {1..50000}; do sleep 1 & done\n"
      "until false; do echo; done\n"
      "f() { f | f & }; f\n"
      "while read l; do echo $l; done < x\n",
      &vars);
  ASSERT_EQ(s.loops.size(), 4u);
  EXPECT_TRUE(s.loops[0].infinite);
  EXPECT_FALSE(s.loops[1].infinite);
  EXPECT_EQ(s.loops[1].iterations, 50000);
  EXPECT_TRUE(s.loops[2].infinite);
  EXPECT_FALSE(s.loops[3].infinite);
  ASSERT_EQ(s.functions.size(), 1u);
  EXPECT_EQ(s.functions[0].name, "f");
}

TEST(BashScriptTest, CaseAndQuotedNames) {
  BashVariables vars;
  const BashScript s =
      Build("case $x in curl) echo a;; *) echo b;; esac\nc\"u\"rl x\n", &vars);
  for (const BashCommand& c : s.commands)
    EXPECT_NE(Words(c).rfind("curl)", 0), 0u);
  const BashCommand& last = s.commands.back();
  EXPECT_EQ(last.words[0].text, "curl");
  EXPECT_TRUE(last.words[0].flags & kFoldObfuscated);
  const BashScript quoted = Build("echo \"hello world\"\n", &vars);
  EXPECT_FALSE(quoted.commands[0].words[1].flags & kFoldObfuscated);
}

TEST(BashScriptTest, CommandBaseName) {
  EXPECT_EQ(CommandBaseName("/usr/bin/curl"), "curl");
  EXPECT_EQ(CommandBaseName("curl"), "curl");
  EXPECT_EQ(CommandBaseName("dir/"), "dir/");
}

}  // namespace
}  // namespace forge::cars
