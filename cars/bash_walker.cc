#include "cars/bash_walker.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cars/folded_value.h"
#include "cars/literal_table.h"

namespace forge::cars {
namespace {

constexpr int kMaxSubstitutionNesting = 4;

bool IsWrapper(const std::string& name) {
  static const LiteralTable<24> kWrappers(
      {"sudo",    "doas",     "env",         "nohup",       "timeout",
       "nice",    "ionice",   "stdbuf",      "setsid",      "exec",
       "command", "builtin",  "xargs",       "time",        "unbuffer",
       "watch",   "strace",   "ltrace",      "chroot",      "runuser",
       "flock",   "torsocks", "proxychains", "proxychains4"});
  return kWrappers.Contains(name);
}

// The command from word `first` on (after assignments and wrappers) with
// its redirections: what COMMAND rules match, so "^chmod" means chmod runs.
std::string CommandText(const BashCommand& cmd, size_t first) {
  std::string text;
  bool any = false;
  auto add = [&](absl::string_view part) {
    if (any) text.push_back(' ');
    text.append(part.data(), part.size());
    any = true;
  };
  for (size_t i = first; i < cmd.words.size(); ++i) add(cmd.words[i].text);
  for (const BashRedirect& r : cmd.redirects) {
    add(r.op);
    if (r.op != "<<" && r.op != "<<-") add(r.target.text);
  }
  return text;
}

}  // namespace

bool IsShell(const std::string& name) {
  static const LiteralTable<9> kShells(
      {"bash", "sh", "dash", "zsh", "ksh", "ash", "mksh", "busybox", "fish"});
  return kShells.Contains(name);
}

bool IsInterpreter(const std::string& name) {
  static const LiteralTable<9> kNames({"pypy", "pypy3", "node", "nodejs",
                                       "deno", "bun", "ts-node", "tsx", "lua"});
  static const LiteralTable<4> kPrefixes({"python", "perl", "ruby", "php"});
  return IsShell(name) || kNames.Contains(name) ||
         !kPrefixes.PrefixOf(name).empty();
}

BashWalker::BashWalker(absl::string_view code, const AnalysisContext& context,
                       Evidence* out, int nesting)
    : code_(code), context_(context), out_(out), nesting_(nesting) {}

void BashWalker::Run() {
  script_ = BuildBashScript(code_, context_.lex_limits, &vars_);
  for (const Token& t : script_.lexed.tokens) {
    if (t.kind == TokenKind::kComment)
      AddFact(FactKind::kComment, t.value, &t, 0);
  }
  if (script_.lexed.truncated) Detect("input_too_complex", -1, "");
  const std::vector<BashCommand>& cmds = script_.commands;
  for (size_t begin = 0; begin < cmds.size();) {
    size_t end = begin + 1;
    while (end < cmds.size() && cmds[end].pipeline == cmds[begin].pipeline)
      ++end;
    Pipeline(begin, end);
    begin = end;
  }
  WrittenCode(0, cmds.size());
  DownloadedFiles();
  Substitutions();
  Loops();
  Functions();
}

const Token* BashWalker::TokenAt(int index) const {
  if (index < 0 || index >= static_cast<int>(script_.lexed.tokens.size()))
    return nullptr;
  return &script_.lexed.tokens[index];
}

Location BashWalker::Where(const Token* t) const {
  if (t == nullptr) return context_.Place(0, 1, 1);
  return context_.Place(t->begin, t->line, t->column);
}

void BashWalker::AddFact(FactKind kind, absl::string_view text, const Token* t,
                         uint32_t flags) {
  AddFactWithContext(kind, text, t, flags, nullptr);
}

void BashWalker::AddFact(FactKind kind, absl::string_view text, const Token* t,
                         uint32_t flags, absl::string_view call) {
  AddFactWithContext(kind, text, t, flags, &call);
}

void BashWalker::AddFactWithContext(FactKind kind, absl::string_view text,
                                    const Token* t, uint32_t flags,
                                    const absl::string_view* call) {
  if (!out_->Wants(Language::kBash, kind, text)) return;
  Fact fact;
  fact.kind = kind;
  fact.language = Language::kBash;
  fact.text = std::string(text);
  fact.where = Where(t);
  fact.flags = flags;
  if (call != nullptr) fact.context.emplace_back(*call);
  fact.payload_depth = context_.depth;
  out_->facts.push_back(std::move(fact));
}

void BashWalker::Detect(absl::string_view analysis, int token,
                        std::string detail) {
  out_->detections.push_back({std::string(analysis), Language::kBash,
                              Where(TokenAt(token)), std::move(detail),
                              context_.depth});
}

size_t BashWalker::CommandIndex(const BashCommand& cmd, bool report) {
  size_t i = 0;
  while (i + 1 < cmd.words.size() &&
         IsWrapper(CommandBaseName(cmd.words[i].text))) {
    const std::string wrapper = CommandBaseName(cmd.words[i].text);
    // `command -v x` looks x up instead of running it.
    if (wrapper == "command" &&
        (cmd.words[i + 1].text == "-v" || cmd.words[i + 1].text == "-V")) {
      return i;
    }
    if (report) {
      AddFact(FactKind::kCall, wrapper, TokenAt(cmd.words[i].token),
              cmd.words[i].flags);
    }
    ++i;
    while (i + 1 < cmd.words.size()) {
      const std::string& w = cmd.words[i].text;
      const bool option = w.size() > 1 && w[0] == '-';
      const bool assignment = w.find('=') != std::string::npos && w[0] != '/';
      const bool number =
          !w.empty() && absl::ascii_isdigit(static_cast<unsigned char>(w[0]));
      if (!option && !assignment && !number) break;
      // sudo -u user, timeout -s KILL: options with a value.
      if (option && w.size() == 2 &&
          (w[1] == 'u' || w[1] == 's' || w[1] == 'n' || w[1] == 'g' ||
           w[1] == 'I')) {
        ++i;
      }
      ++i;
    }
  }
  // An option value may have been the last word: stay on a word.
  return std::min(i, cmd.words.empty() ? 0 : cmd.words.size() - 1);
}

uint32_t BashWalker::NameFlags(const BashWord& word) const {
  uint32_t flags =
      word.flags & (kFoldObfuscated | kFoldDecoded | kFoldOpaqueDecoder);
  const Token* t = TokenAt(word.token);
  if (t != nullptr && (word.flags & kFoldFromVariable) &&
      !(word.flags & kFoldPartial)) {
    // $a$b or cu$x: a name glued together from variables.
    const absl::string_view raw = code_.substr(t->begin, t->end - t->begin);
    const size_t dollars = std::count(raw.begin(), raw.end(), '$');
    if (dollars >= 2 || (dollars == 1 && raw[0] != '$'))
      flags |= kFoldObfuscated;
  }
  return flags;
}

void BashWalker::Pipeline(size_t begin, size_t end) {
  const std::vector<BashCommand>& cmds = script_.commands;
  std::vector<std::string> texts;
  for (size_t i = begin; i < end; ++i) texts.push_back(Command(cmds[i]));
  if (end - begin > 1) {
    AddFact(FactKind::kPipeline, absl::StrJoin(texts, " | "),
            TokenAt(cmds[begin].first_token), 0);
  }
  PipedIntoInterpreter(begin, end);
}

std::string BashWalker::Command(const BashCommand& cmd) {
  for (const BashRedirect& r : cmd.redirects) {
    if (r.op != "<<" && r.op != "<<-") {
      AddFact(FactKind::kString, r.target.text, TokenAt(r.target.token),
              r.target.flags, r.op);
    }
  }
  for (const BashWord& w : cmd.assignments) {
    AddFact(FactKind::kString, w.text, TokenAt(w.token), w.flags);
    AddFact(FactKind::kString, w.text.substr(w.text.find('=') + 1),
            TokenAt(w.token), w.flags);
  }
  if (cmd.words.empty()) {
    DeferredCode(cmd, 0, "");
    std::string text = CommandText(cmd, 0);
    if (!cmd.redirects.empty()) {
      AddFact(FactKind::kCommand, text, TokenAt(cmd.first_token), 0);
    }
    return text;
  }
  const size_t at = CommandIndex(cmd, /*report=*/true);
  const BashWord& name_word = cmd.words[at];
  const std::string name = CommandBaseName(name_word.text);
  const uint32_t name_flags = NameFlags(name_word);
  AddFact(FactKind::kCall, name, TokenAt(name_word.token), name_flags);
  if (name_word.flags & kFoldPartial) {
    const Token* t = TokenAt(name_word.token);
    const absl::string_view raw =
        t == nullptr ? absl::string_view()
                     : code_.substr(t->begin, t->end - t->begin);
    const bool substituted =
        absl::StrContains(raw, "$(") || absl::StrContains(raw, "`");
    Detect((name_word.flags & (kFoldDecoded | kFoldOpaqueDecoder))
               ? "decoded_payload_executed"
           : substituted ? "dynamic_command"
                         : "variable_command",
           name_word.token, "the command name is computed at run time");
  } else if (name_flags & (kFoldDecoded | kFoldOpaqueDecoder)) {
    Detect(
        "decoded_payload_executed", name_word.token,
        absl::StrCat("the command name \"", name, "\" is decoded at run time"));
  }
  std::string text = CommandText(cmd, at);
  AddFact(FactKind::kCommand, text, TokenAt(cmd.first_token), name_flags, name);
  for (size_t i = at + 1; i < cmd.words.size(); ++i) {
    AddFact(FactKind::kString, cmd.words[i].text, TokenAt(cmd.words[i].token),
            cmd.words[i].flags, name);
  }
  InlineScripts(cmd, at, name);
  DeferredCode(cmd, at, name);
  return text;
}

// Commands inside $( ... ), ` ... `, <( ... ) keep their real positions.
void BashWalker::Substitutions() {
  if (nesting_ >= kMaxSubstitutionNesting) return;
  for (const Substitution& s : script_.lexed.substitutions) {
    AnalysisContext inner = context_;
    if (!inner.origin.has_value())
      inner.base = context_.Place(s.begin, s.line, s.column);
    BashWalker nested(code_.substr(s.begin, s.end - s.begin), inner, out_,
                      nesting_ + 1);
    nested.Run();
  }
}

void AnalyzeBash(absl::string_view code, const AnalysisContext& context,
                 Evidence* out) {
  BashWalker walker(code, context, out, 0);
  walker.Run();
}

}  // namespace forge::cars
