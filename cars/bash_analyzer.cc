// Bash analysis: commands, pipelines, redirections, what is piped into a
// shell or interpreter, inline scripts (bash -c, python3 -c, here-documents),
// command substitutions, loops and fork bombs.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cars/analysis.h"
#include "cars/bash_script.h"

namespace forge::cars {
namespace {

constexpr int kMaxSubstitutionNesting = 4;

bool IsShell(const std::string& name) {
  return name == "bash" || name == "sh" || name == "dash" || name == "zsh" ||
         name == "ksh" || name == "ash" || name == "mksh" ||
         name == "busybox" || name == "fish";
}

// The language of an interpreter CARS can analyse, if any.
std::optional<Language> InterpreterLanguage(const std::string& name) {
  if (IsShell(name)) return Language::kBash;
  if (absl::StartsWith(name, "python") || name == "pypy" || name == "pypy3") {
    return Language::kPython;
  }
  if (name == "node" || name == "nodejs" || name == "deno" || name == "bun" ||
      name == "ts-node" || name == "tsx") {
    return Language::kJavaScript;
  }
  return std::nullopt;
}

bool IsInterpreter(const std::string& name) {
  return InterpreterLanguage(name).has_value() ||
         absl::StartsWith(name, "perl") || absl::StartsWith(name, "ruby") ||
         absl::StartsWith(name, "php") || name == "lua";
}

bool IsWrapper(const std::string& name) {
  static const char* const kWrappers[] = {
      "sudo",    "doas",     "env",         "nohup",       "timeout",
      "nice",    "ionice",   "stdbuf",      "setsid",      "exec",
      "command", "builtin",  "xargs",       "time",        "unbuffer",
      "watch",   "strace",   "ltrace",      "chroot",      "runuser",
      "flock",   "torsocks", "proxychains", "proxychains4"};
  for (const char* w : kWrappers) {
    if (name == w) return true;
  }
  return false;
}

std::string CommandText(const BashCommand& cmd) {
  std::vector<std::string> parts;
  for (const BashWord& w : cmd.assignments) parts.push_back(w.text);
  for (const BashWord& w : cmd.words) parts.push_back(w.text);
  for (const BashRedirect& r : cmd.redirects) {
    parts.push_back(r.op);
    if (r.op != "<<" && r.op != "<<-") parts.push_back(r.target.text);
  }
  return absl::StrJoin(parts, " ");
}

std::string Describe(uint32_t flags) {
  if (flags & kFoldDownloaded) return "code downloaded from the network";
  if (flags & kFoldOpaqueDecoder) return "a decompressed or decrypted value";
  if (flags & kFoldDecoded) return "a decoded value (base64, hex, rot13, ...)";
  return "text assembled from escapes or pieces";
}

class BashWalker {
 public:
  BashWalker(absl::string_view code, const AnalysisContext& context,
             Evidence* out, int nesting)
      : code_(code), context_(context), out_(out), nesting_(nesting) {}

  void Run() {
    script_ = BuildBashScript(code_, context_.lex_limits, &vars_);
    for (const Token& t : script_.lexed.tokens) {
      if (t.kind == TokenKind::kComment)
        AddFact(FactKind::kComment, t.value, &t, 0, {});
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
    Substitutions();
    Loops();
    Functions();
  }

 private:
  const Token* TokenAt(int index) const {
    if (index < 0 || index >= static_cast<int>(script_.lexed.tokens.size()))
      return nullptr;
    return &script_.lexed.tokens[index];
  }

  Location Where(const Token* t) const {
    if (t == nullptr) return context_.Place(0, 1, 1);
    return context_.Place(t->begin, t->line, t->column);
  }

  void AddFact(FactKind kind, std::string text, const Token* t, uint32_t flags,
               std::vector<std::string> context) {
    Fact fact;
    fact.kind = kind;
    fact.language = Language::kBash;
    fact.text = std::move(text);
    fact.where = Where(t);
    fact.flags = flags;
    fact.context = std::move(context);
    fact.payload_depth = context_.depth;
    out_->facts.push_back(std::move(fact));
  }

  void Detect(absl::string_view analysis, int token, std::string detail) {
    out_->detections.push_back({std::string(analysis), Language::kBash,
                                Where(TokenAt(token)), std::move(detail),
                                context_.depth});
  }

  // Index of the first word after wrappers (sudo, env, timeout, ...).
  size_t CommandIndex(const BashCommand& cmd) {
    size_t i = 0;
    while (i + 1 < cmd.words.size() &&
           IsWrapper(CommandBaseName(cmd.words[i].text))) {
      const std::string wrapper = CommandBaseName(cmd.words[i].text);
      AddFact(FactKind::kCall, wrapper, TokenAt(cmd.words[i].token),
              cmd.words[i].flags, {});
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
    return i;
  }

  // Name flags that say the command name itself was hidden.
  uint32_t NameFlags(const BashWord& word) const {
    uint32_t flags =
        word.flags & (kFoldObfuscated | kFoldDecoded | kFoldOpaqueDecoder);
    const Token* t = TokenAt(word.token);
    if (t != nullptr && (word.flags & kFoldFromVariable) &&
        !(word.flags & kFoldPartial)) {
      const absl::string_view raw = code_.substr(t->begin, t->end - t->begin);
      const size_t dollars = std::count(raw.begin(), raw.end(), '$');
      if (dollars >= 2 || (dollars == 1 && raw[0] != '$'))
        flags |= kFoldObfuscated;
    }
    return flags;
  }

  void Pipeline(size_t begin, size_t end) {
    const std::vector<BashCommand>& cmds = script_.commands;
    std::vector<std::string> texts;
    for (size_t i = begin; i < end; ++i) {
      Command(cmds[i]);
      texts.push_back(CommandText(cmds[i]));
    }
    if (end - begin > 1) {
      AddFact(FactKind::kPipeline, absl::StrJoin(texts, " | "),
              TokenAt(cmds[begin].first_token), 0, {});
    }
    // What flows into a shell or interpreter reading its standard input.
    for (size_t k = begin + 1; k < end; ++k) {
      const BashCommand& reader = cmds[k];
      if (reader.words.empty()) continue;
      const size_t at = CommandIndex(reader);
      const std::string name = CommandBaseName(reader.words[at].text);
      if (!IsInterpreter(name)) continue;
      bool reads_stdin = true;
      for (size_t w = at + 1; w < reader.words.size(); ++w) {
        const std::string& arg = reader.words[w].text;
        if (arg == "-s" || arg == "-")
          break;  // the rest are the script's arguments
        if (arg.size() > 1 && arg[0] == '-') continue;
        reads_stdin = false;
      }
      if (!reads_stdin) continue;
      uint32_t flags = 0;
      for (size_t j = begin; j < k; ++j) {
        if (!cmds[j].words.empty() &&
            context_.knowledge->IsDownload(
                Language::kBash,
                CommandBaseName(cmds[j].words[CommandIndex(cmds[j])].text))) {
          flags |= kFoldDownloaded;
        }
      }
      std::optional<StaticOutput> value =
          EvaluateStatically(cmds, begin, k - 1);
      if (value.has_value()) flags |= value->flags;
      const std::string what = absl::StrCat("piped into ", name, ": ");
      if (flags & (kFoldDownloaded | kFoldDecoded | kFoldOpaqueDecoder |
                   kFoldObfuscated)) {
        Detect(flags & kFoldDownloaded ? "downloaded_code_executed"
               : (flags & (kFoldDecoded | kFoldOpaqueDecoder))
                   ? "decoded_payload_executed"
                   : "obfuscated_payload_executed",
               reader.words[at].token, what + Describe(flags));
      }
      if (value.has_value() && value->known && !value->text.empty()) {
        Payload(name, value->text, reader.words[at].token);
      }
    }
  }

  void Command(const BashCommand& cmd) {
    for (const BashRedirect& r : cmd.redirects) {
      if (r.op != "<<" && r.op != "<<-") {
        AddFact(FactKind::kString, r.target.text, TokenAt(r.target.token),
                r.target.flags, {r.op});
      }
    }
    if (cmd.words.empty()) {
      for (const BashWord& w : cmd.assignments) {
        AddFact(FactKind::kString, w.text.substr(w.text.find('=') + 1),
                TokenAt(w.token), w.flags, {});
      }
      if (!cmd.redirects.empty() || !cmd.assignments.empty()) {
        AddFact(FactKind::kCommand, CommandText(cmd), TokenAt(cmd.first_token),
                0, {});
      }
      return;
    }
    const size_t at = CommandIndex(cmd);
    const BashWord& name_word = cmd.words[at];
    const std::string name = CommandBaseName(name_word.text);
    const uint32_t name_flags = NameFlags(name_word);
    AddFact(FactKind::kCall, name, TokenAt(name_word.token), name_flags, {});
    if (name_word.flags & kFoldPartial) {
      Detect((name_word.flags & (kFoldDecoded | kFoldOpaqueDecoder))
                 ? "decoded_payload_executed"
                 : "dynamic_command",
             name_word.token, "the command name is computed at run time");
    } else if (name_flags & (kFoldDecoded | kFoldOpaqueDecoder)) {
      Detect("decoded_payload_executed", name_word.token,
             absl::StrCat("the command name \"", name,
                          "\" is decoded at run time"));
    }
    AddFact(FactKind::kCommand, CommandText(cmd), TokenAt(cmd.first_token),
            name_flags, {name});
    for (const BashWord& w : cmd.assignments) {
      AddFact(FactKind::kString, w.text.substr(w.text.find('=') + 1),
              TokenAt(w.token), w.flags, {name});
    }
    for (size_t i = at + 1; i < cmd.words.size(); ++i) {
      AddFact(FactKind::kString, cmd.words[i].text, TokenAt(cmd.words[i].token),
              cmd.words[i].flags, {name});
    }
    for (const BashRedirect& r : cmd.redirects) {
      const Token* body = TokenAt(r.heredoc);
      if (body == nullptr) continue;
      AddFact(FactKind::kString, body->value, body, 0, {name});
      if (auto language = InterpreterLanguage(name);
          language.has_value() && context_.depth < kMaxPayloadDepth) {
        AnalysisContext inner = context_;
        inner.depth = context_.depth + 1;
        if (!inner.origin.has_value()) {
          inner.base = context_.Place(body->begin, body->line, body->column);
        }
        AnalyzeSource(*language, body->value, inner, out_);
      }
    }
    if (HereString(cmd) != nullptr && IsInterpreter(name)) {
      const BashRedirect* r = HereString(cmd);
      Sink(name, r->target, name_word.token);
    }
    // bash -c X, python3 -c X, node -e X, eval X, source <(...)
    if (name == "eval" && at + 1 < cmd.words.size()) {
      BashWord joined;
      std::vector<std::string> parts;
      for (size_t i = at + 1; i < cmd.words.size(); ++i) {
        parts.push_back(cmd.words[i].text);
        joined.flags |= cmd.words[i].flags;
      }
      joined.text = absl::StrJoin(parts, " ");
      joined.token = cmd.words[at + 1].token;
      Sink("bash", joined, name_word.token);
      return;
    }
    for (size_t i = at + 1; i < cmd.words.size(); ++i) {
      const std::string& arg = cmd.words[i].text;
      const bool inline_flag = arg == "-c" || arg == "-e" || arg == "--eval" ||
                               arg == "-r" || arg == "-p" || arg == "--print" ||
                               arg == "eval" ||
                               (arg.size() > 2 && arg[0] == '-' &&
                                arg.back() == 'c' && IsShell(name));
      if (inline_flag && i + 1 < cmd.words.size() && IsInterpreter(name)) {
        Sink(name, cmd.words[i + 1], name_word.token);
        return;
      }
      if ((IsInterpreter(name) || name == "source" || name == ".") &&
          absl::StartsWith(arg, "<(")) {
        BashWord piped = cmd.words[i];
        if (ContainsDownload(arg)) piped.flags |= kFoldDownloaded;
        Sink(name, piped, name_word.token);
        return;
      }
    }
  }

  static const BashRedirect* HereString(const BashCommand& cmd) {
    for (const BashRedirect& r : cmd.redirects) {
      if (r.op == "<<<") return &r;
    }
    return nullptr;
  }

  bool ContainsDownload(absl::string_view text) {
    BashVariables scratch;
    LexLimits limits;
    limits.max_tokens = 4096;
    const BashScript inner =
        BuildBashScript(text.substr(0, 4096), limits, &scratch, 1);
    for (const BashCommand& c : inner.commands) {
      for (const BashWord& w : c.words) {
        if (context_.knowledge->IsDownload(Language::kBash,
                                           CommandBaseName(w.text)))
          return true;
      }
    }
    return false;
  }

  // `payload` is executed by interpreter `name`.
  void Sink(const std::string& name, const BashWord& payload, int token) {
    uint32_t flags = payload.flags;
    if (absl::StrContains(payload.text, "$(") ||
        absl::StrContains(payload.text, "`")) {
      if (ContainsDownload(payload.text)) flags |= kFoldDownloaded;
    }
    const std::string what = absl::StrCat(name, " runs ");
    if (flags & kFoldDownloaded) {
      Detect("downloaded_code_executed", token,
             what + Describe(kFoldDownloaded));
    } else if (flags & (kFoldDecoded | kFoldOpaqueDecoder)) {
      Detect("decoded_payload_executed", token, what + Describe(flags));
    } else if (flags & kFoldObfuscated) {
      Detect("obfuscated_payload_executed", token, what + Describe(flags));
    } else if ((flags & kFoldPartial) && name == "eval") {
      Detect("dynamic_shell_command", token,
             what + "a value known only at run time");
    }
    Payload(name, payload.text, token);
  }

  void Payload(const std::string& interpreter, const std::string& text,
               int token) {
    const std::optional<Language> language =
        InterpreterLanguage(interpreter == "eval" ? "bash" : interpreter);
    if (!language.has_value() || text.empty()) return;
    if (context_.depth + 1 > kMaxPayloadDepth) {
      Detect("payload_too_deep", token, "nested payloads");
      return;
    }
    AnalysisContext inner = context_;
    inner.depth = context_.depth + 1;
    inner.origin = Where(TokenAt(token));
    AnalyzeSource(*language, text, inner, out_);
  }

  // Commands inside $( ... ), ` ... `, <( ... ) keep their real positions.
  void Substitutions() {
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

  void Loops() {
    const std::vector<BashCommand>& cmds = script_.commands;
    for (const BashLoop& loop : script_.loops) {
      bool exits = false;
      bool spawns = false;
      std::string spawned;
      for (size_t i = loop.body_begin; i < loop.body_end && i < cmds.size();
           ++i) {
        const BashCommand& cmd = cmds[i];
        if (cmd.words.empty()) continue;
        const std::string name = CommandBaseName(cmd.words[0].text);
        if (name == "break" || name == "exit" || name == "return" ||
            name == "sleep" || name == "read" || name == "wait" ||
            name == "select" || name == "inotifywait" || name == "nc" ||
            name == "curl" || name == "wget") {
          exits = true;
        }
        if (cmd.background ||
            context_.knowledge->IsSpawn(Language::kBash, name)) {
          spawns = true;
          spawned = name;
        }
      }
      if (spawns && loop.infinite && !exits) {
        Detect("fork_bomb", loop.token,
               absl::StrCat("starts ", spawned,
                            " in the background in a loop that never ends"));
      } else if (spawns) {
        Detect("spawn_in_loop", loop.token,
               absl::StrCat("starts ", spawned, " in a loop"));
      } else if (loop.infinite && !exits) {
        Detect("unbounded_loop", loop.token,
               "a loop that never ends, breaks or waits");
      }
    }
  }

  // f() { f | f & }: a function that starts copies of itself.
  void Functions() {
    const std::vector<BashCommand>& cmds = script_.commands;
    for (const BashFunction& fn : script_.functions) {
      for (size_t i = fn.body_begin; i < fn.body_end && i < cmds.size(); ++i) {
        const BashCommand& cmd = cmds[i];
        if (cmd.words.empty() || cmd.words[0].text != fn.name) continue;
        const bool piped =
            (i + 1 < cmds.size() && cmds[i + 1].pipeline == cmd.pipeline) ||
            (i > 0 && cmds[i - 1].pipeline == cmd.pipeline);
        if (piped || cmd.background) {
          Detect(
              "fork_bomb", fn.token,
              absl::StrCat("function ", fn.name, " starts copies of itself"));
          break;
        }
      }
    }
  }

  absl::string_view code_;
  const AnalysisContext& context_;
  Evidence* out_;
  int nesting_;
  BashVariables vars_;
  BashScript script_;
};

}  // namespace

void AnalyzeBash(absl::string_view code, const AnalysisContext& context,
                 Evidence* out) {
  BashWalker walker(code, context, out, 0);
  walker.Run();
}

}  // namespace forge::cars
