// BashWalker, part two: what commands run — output piped into shells and
// interpreters, inline scripts, text written into files that later run,
// files downloaded and then run.
#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cars/bash_walker.h"
#include "cars/folded_value.h"

namespace forge::cars {
namespace {

// The language of an interpreter CARS can analyse, if any.
std::optional<Language> InterpreterLanguage(const std::string& name) {
  if (IsShell(name) || name == "eval") return Language::kBash;
  if (absl::StartsWith(name, "python") || name == "pypy" || name == "pypy3") {
    return Language::kPython;
  }
  if (name == "node" || name == "nodejs" || name == "deno" || name == "bun" ||
      name == "ts-node" || name == "tsx") {
    return Language::kJavaScript;
  }
  return std::nullopt;
}

std::string Describe(uint32_t flags) {
  if (flags & kFoldDownloaded) return "code downloaded from the network";
  if (flags & kFoldOpaqueDecoder) return "a decompressed or decrypted value";
  if (flags & kFoldDecoded) return "a decoded value (base64, hex, rot13, ...)";
  return "text assembled from escapes or pieces";
}

// "*/5 * * * * cmd" or "@reboot cmd" → "cmd"; otherwise nullopt.
std::optional<std::string> CronCommand(absl::string_view line) {
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  size_t skip = 0;
  if (!fields.empty() && absl::StartsWith(fields[0], "@")) {
    skip = 1;
  } else {
    while (skip < fields.size() && skip < 5 &&
           fields[skip].find_first_not_of("0123456789*/,-") ==
               absl::string_view::npos) {
      ++skip;
    }
    if (skip < 5) return std::nullopt;
  }
  if (skip >= fields.size()) return std::nullopt;
  const size_t at = static_cast<size_t>(fields[skip].data() - line.data());
  return std::string(line.substr(at));
}

// The language of a file that will run, from its name.
Language LanguageOfFile(absl::string_view path) {
  if (absl::EndsWith(path, ".py")) return Language::kPython;
  if (absl::EndsWith(path, ".js") || absl::EndsWith(path, ".mjs") ||
      absl::EndsWith(path, ".ts")) {
    return Language::kJavaScript;
  }
  return Language::kBash;
}

}  // namespace

void BashWalker::PipedIntoInterpreter(size_t begin, size_t end) {
  const std::vector<BashCommand>& cmds = script_.commands;
  for (size_t k = begin + 1; k < end; ++k) {
    const BashCommand& reader = cmds[k];
    if (reader.words.empty()) continue;
    const size_t at = CommandIndex(reader, false);
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
      if (cmds[j].words.empty()) continue;
      const std::string source =
          CommandBaseName(cmds[j].words[CommandIndex(cmds[j], false)].text);
      if (context_.knowledge->IsDownload(Language::kBash, source))
        flags |= kFoldDownloaded;
    }
    std::optional<StaticOutput> value = EvaluateStatically(cmds, begin, k - 1);
    if (value.has_value()) flags |= value->flags;
    const std::string what = absl::StrCat("piped into ", name, ": ");
    if (flags & kFoldDownloaded) {
      Detect("downloaded_code_executed", reader.words[at].token,
             what + Describe(flags));
    } else if (flags & (kFoldDecoded | kFoldOpaqueDecoder)) {
      Detect("decoded_payload_executed", reader.words[at].token,
             what + Describe(flags));
    } else if (flags & kFoldObfuscated) {
      Detect("obfuscated_payload_executed", reader.words[at].token,
             what + Describe(flags));
    }
    if (value.has_value() && value->known && !value->text.empty()) {
      Payload(name, value->text, reader.words[at].token);
    }
  }
}

void BashWalker::InlineScripts(const BashCommand& cmd, size_t at,
                               const std::string& name) {
  const BashWord& name_word = cmd.words[at];
  for (const BashRedirect& r : cmd.redirects) {
    const Token* body = TokenAt(r.heredoc);
    if (body != nullptr) {
      AddFact(FactKind::kString, body->value, body, 0, name);
      std::optional<Language> language = InterpreterLanguage(name);
      if (language.has_value() && context_.depth < kMaxPayloadDepth) {
        // The body is verbatim source: keep its real positions.
        AnalysisContext inner = context_;
        inner.depth = context_.depth + 1;
        if (!inner.origin.has_value()) {
          inner.base = context_.Place(body->begin, body->line, body->column);
        }
        AnalyzeSource(*language, body->value, inner, out_);
      }
    }
    if (r.op == "<<<" && IsInterpreter(name))
      Sink(name, r.target, name_word.token);
  }
  if (name == "eval" && at + 1 < cmd.words.size()) {
    BashWord joined;
    std::vector<std::string> parts;
    for (size_t i = at + 1; i < cmd.words.size(); ++i) {
      parts.push_back(cmd.words[i].text);
      joined.flags |= cmd.words[i].flags;
    }
    joined.text = absl::StrJoin(parts, " ");
    joined.token = cmd.words[at + 1].token;
    Sink("eval", joined, name_word.token);
    return;
  }
  for (size_t i = at + 1; i < cmd.words.size(); ++i) {
    const std::string& arg = cmd.words[i].text;
    // bash -c X, python3 -c X, node -e X, perl -e X, bash -lc X
    const bool inline_flag =
        arg == "-c" || arg == "-e" || arg == "--eval" || arg == "-r" ||
        arg == "-p" || arg == "--print" || (arg == "eval" && name == "deno") ||
        (arg.size() > 2 && arg[0] == '-' && arg[1] != '-' &&
         arg.back() == 'c' && IsShell(name));
    if (inline_flag && i + 1 < cmd.words.size() && IsInterpreter(name)) {
      Sink(name, cmd.words[i + 1], name_word.token);
      return;
    }
    // bash <(curl ...), source <(wget -O- ...)
    if ((IsInterpreter(name) || name == "source" || name == ".") &&
        absl::StartsWith(arg, "<(")) {
      BashWord piped = cmd.words[i];
      if (ContainsDownload(arg)) piped.flags |= kFoldDownloaded;
      Sink(name == "source" || name == "." ? "bash" : name, piped,
           name_word.token);
      return;
    }
  }
}

// Text echoed into a file, or into crontab, runs later: analyse it as code.
void BashWalker::WrittenCode(size_t begin, size_t end) {
  const std::vector<BashCommand>& cmds = script_.commands;
  bool feeds_cron = false;
  for (size_t i = begin; i < end; ++i) {
    const BashCommand& c = cmds[i];
    if (c.words.empty() ||
        CommandBaseName(c.words[CommandIndex(c, false)].text) != "crontab") {
      continue;
    }
    const std::string last = c.words.back().text;
    feeds_cron = feeds_cron || (last != "-l" && last != "-r" && last != "-e");
  }
  for (size_t i = begin; i < end; ++i) {
    const BashCommand& c = cmds[i];
    if (c.words.empty()) continue;
    const std::string name =
        CommandBaseName(c.words[CommandIndex(c, false)].text);
    std::string target;
    for (const BashRedirect& r : c.redirects) {
      if ((r.op == ">" || r.op == ">>" || r.op == ">|" || r.op == "&>" ||
           r.op == "&>>") &&
          r.target.text != "/dev/null" &&
          !absl::StartsWith(r.target.text, "/dev/std")) {
        target = r.target.text;
      }
    }
    const bool to_cron = feeds_cron && (name == "echo" || name == "printf");
    if (target.empty() && !to_cron) continue;
    std::string text;
    if (name == "echo" || name == "printf") {
      std::optional<StaticOutput> out = EvaluateStatically(cmds, i, i);
      // Text with run-time parts is not known well enough to judge as code.
      if (!out.has_value() || !out->known || (out->flags & kFoldPartial))
        continue;
      text = out->text;
    } else if (name == "cat" || name == "tee") {
      for (const BashRedirect& r : c.redirects) {
        if (const Token* body = TokenAt(r.heredoc))
          text = std::string(body->value);
      }
    }
    if (text.empty()) continue;
    std::optional<std::string> cron = CronCommand(text);
    if (to_cron && !cron.has_value()) continue;
    const Language language =
        cron.has_value() ? Language::kBash : LanguageOfFile(target);
    if (context_.depth + 1 > kMaxPayloadDepth) continue;
    AnalysisContext inner = context_;
    inner.depth = context_.depth + 1;
    inner.origin = Where(TokenAt(c.first_token));
    AnalyzeSource(language, cron.value_or(text), inner, out_);
  }
}

// curl -o F / wget -O F / curl > F, and later F run (./F, bash F, source F):
// the program runs what it downloaded.
void BashWalker::DownloadedFiles() {
  const std::vector<BashCommand>& cmds = script_.commands;
  constexpr size_t kMaxFiles = 64;
  std::vector<std::string> files;
  auto normal = [](std::string path) {
    while (absl::StartsWith(path, "./")) path.erase(0, 2);
    return path;
  };
  auto base = [](const std::string& path) { return CommandBaseName(path); };
  for (const BashCommand& c : cmds) {
    if (c.words.empty()) continue;
    const size_t at = CommandIndex(c, false);
    const std::string name = CommandBaseName(c.words[at].text);
    if (context_.knowledge->IsDownload(Language::kBash, name)) {
      std::string url;
      for (size_t i = at + 1; i < c.words.size(); ++i) {
        const std::string& w = c.words[i].text;
        if ((w == "-o" || w == "-O" || w == "--output" ||
             w == "--output-document") &&
            i + 1 < c.words.size() && !(name == "curl" && w == "-O")) {
          files.push_back(normal(c.words[++i].text));
        } else if (absl::StartsWith(w, "--output-document=") ||
                   absl::StartsWith(w, "--output=")) {
          files.push_back(normal(w.substr(w.find('=') + 1)));
        } else if (absl::StrContains(w, "://")) {
          url = w;
        }
      }
      for (const BashRedirect& r : c.redirects) {
        if (r.op == ">" || r.op == ">>") files.push_back(normal(r.target.text));
      }
      // wget URL and curl -O keep the remote file name.
      if (!url.empty()) files.push_back(base(url));
      std::sort(files.begin(), files.end());
      files.erase(std::unique(files.begin(), files.end()), files.end());
      if (files.size() > kMaxFiles) files.resize(kMaxFiles);
      continue;
    }
    if (files.empty()) continue;
    std::string target;
    if (name == "source" || name == "." || IsInterpreter(name)) {
      for (size_t i = at + 1; i < c.words.size(); ++i) {
        if (!absl::StartsWith(c.words[i].text, "-")) {
          target = c.words[i].text;
          break;
        }
      }
    } else {
      target = c.words[at].text;
    }
    if (target.empty()) continue;
    target = normal(target);
    for (const std::string& f : files) {
      if (f.empty() || f == "-" || f == "/dev/null") continue;
      if (target == f ||
          (target.find('/') != std::string::npos && base(target) == base(f)) ||
          (f.find('/') != std::string::npos && target == base(f) &&
           name != target)) {
        Detect("downloaded_file_executed", c.words[at].token,
               absl::StrCat("runs ", target, ", which the program downloaded"));
        break;
      }
    }
  }
}

// PROMPT_COMMAND=... and trap '...' SIG hold code the shell runs later.
void BashWalker::DeferredCode(const BashCommand& cmd, size_t at,
                              const std::string& name) {
  auto assignment = [&](const BashWord& w) {
    if (absl::StartsWith(w.text, "PROMPT_COMMAND=") ||
        absl::StartsWith(w.text, "BASH_ENV=")) {
      Sink("bash",
           BashWord{w.text.substr(w.text.find('=') + 1), w.flags, w.token},
           w.token);
    }
  };
  for (const BashWord& w : cmd.assignments) assignment(w);
  if (name == "export" || name == "declare" || name == "readonly") {
    for (size_t i = at + 1; i < cmd.words.size(); ++i) assignment(cmd.words[i]);
  }
  if (name == "trap" && at + 2 < cmd.words.size()) {
    Sink("bash", cmd.words[at + 1], cmd.words[at].token);
  }
}

bool BashWalker::ContainsDownload(absl::string_view text) {
  text = text.substr(0, 4096);
  std::vector<absl::string_view> pieces = {text};
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if ((text[i] == '$' || text[i] == '<' || text[i] == '>') &&
        text[i + 1] == '(') {
      size_t close = i + 2;
      for (int depth = 0; close < text.size(); ++close) {
        if (text[close] == '(') ++depth;
        if (text[close] == ')' && depth-- == 0) break;
      }
      pieces.push_back(text.substr(i + 2, close - i - 2));
    } else if (text[i] == '`') {
      const size_t close = text.find('`', i + 1);
      if (close == absl::string_view::npos) break;
      pieces.push_back(text.substr(i + 1, close - i - 1));
      i = close;
    }
  }
  for (absl::string_view piece : pieces) {
    BashVariables scratch;
    LexLimits limits;
    limits.max_tokens = 4096;
    const BashScript inner = BuildBashScript(piece, limits, &scratch, 1);
    for (const BashCommand& c : inner.commands) {
      for (const BashWord& w : c.words) {
        if (context_.knowledge->IsDownload(Language::kBash,
                                           CommandBaseName(w.text))) {
          return true;
        }
      }
    }
  }
  return false;
}

void BashWalker::Sink(const std::string& interpreter, const BashWord& payload,
                      int token) {
  uint32_t flags = payload.flags;
  if (absl::StrContains(payload.text, "$(") ||
      absl::StrContains(payload.text, "`") ||
      absl::StrContains(payload.text, "<(")) {
    if (ContainsDownload(payload.text)) flags |= kFoldDownloaded;
  }
  const std::string what = absl::StrCat(interpreter, " runs ");
  if (flags & kFoldDownloaded) {
    Detect("downloaded_code_executed", token, what + Describe(kFoldDownloaded));
  } else if (flags & (kFoldDecoded | kFoldOpaqueDecoder)) {
    Detect("decoded_payload_executed", token, what + Describe(flags));
  } else if (flags & kFoldObfuscated) {
    Detect("obfuscated_payload_executed", token, what + Describe(flags));
  } else if (flags & kFoldPartial) {
    Detect("dynamic_code_executed", token,
           what + "a value known only at run time");
  }
  Payload(interpreter, payload.text, token);
}

void BashWalker::Payload(const std::string& interpreter,
                         const std::string& text, int token) {
  const std::optional<Language> language = InterpreterLanguage(interpreter);
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

}  // namespace forge::cars
