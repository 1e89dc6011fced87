#include "cars/bash_script.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cars/decoders.h"
#include "cars/escapes.h"
#include "cars/folded_value.h"
#include "cars/literal_table.h"
#include "cars/scan_cursor.h"

namespace forge::cars {
namespace {

constexpr int kMaxNesting = 4;
// Internal BashWord flag: an unquoted ${IFS} that splits the word.
constexpr uint32_t kSplitWord = 1u << 31;
constexpr size_t kMaxValue = 64 << 10;

bool IsReserved(absl::string_view w) {
  static const LiteralTable<20> kWords(
      {"if",     "then",  "else", "elif",     "fi",     "do",   "done",
       "while",  "until", "!",    "{",        "}",      "time", "for",
       "select", "case",  "esac", "function", "coproc", "in"});
  return kWords.Contains(w);
}

// NAME=value or NAME+=value.
bool IsAssignment(absl::string_view w, std::string* name, bool* append) {
  if (w.empty() || !IsAsciiIdentStart(static_cast<unsigned char>(w[0])))
    return false;
  size_t i = 1;
  while (i < w.size() && IsAsciiIdentChar(static_cast<unsigned char>(w[i])))
    ++i;
  *append = i + 1 < w.size() && w[i] == '+' && w[i + 1] == '=';
  if (!(*append) && (i >= w.size() || w[i] != '=')) return false;
  *name = std::string(w.substr(0, i));
  return true;
}

// Index of the first byte of `text` that is in `set`, or npos (an inline
// loop: words are short and this runs for every word).
size_t FirstOf(absl::string_view text, absl::string_view set) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::memchr(set.data(), text[i], set.size()) != nullptr) return i;
  }
  return absl::string_view::npos;
}

// Quotes or backslashes inside a word rather than around it: c"u"rl, c\url.
bool SplicedQuoting(absl::string_view raw, absl::string_view value) {
  const size_t first = FirstOf(raw, "\"'\\");
  if (first == absl::string_view::npos) return false;
  // One pair of quotes around the whole word is ordinary quoting.
  if (first == 0 && raw.size() >= 2 && raw[0] != '\\') {
    const char q = raw[0];
    size_t close = 1;
    while (close < raw.size() && raw[close] != q)
      close += (q == '"' && raw[close] == '\\') ? 2 : 1;
    if (close == raw.size() - 1) return false;
  }
  // Quoting that protects nothing (no spaces or metacharacters in the value)
  // only splits a name: c"u"rl, c\url, 'cu''rl'.
  return FirstOf(value, " \t\n;&|<>()$`*?[]{}") == absl::string_view::npos;
}

class ScriptBuilder {
 public:
  ScriptBuilder(absl::string_view code, BashVariables* variables, int nesting)
      : code_(code), vars_(variables), nesting_(nesting) {}

  void Build(BashScript* script) {
    script_ = script;
    const std::vector<Token>& tokens = script->lexed.tokens;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      if (t.kind == TokenKind::kComment || t.kind == TokenKind::kString)
        continue;
      if (t.kind == TokenKind::kNewline) {
        Separator("\n");
      } else if (t.kind == TokenKind::kOperator) {
        const std::string op(t.value);
        const bool redirect = op.find_first_of("<>") != std::string::npos;
        if (redirect) {
          BashRedirect r;
          r.op = op;
          r.heredoc = t.link;
          if (i + 1 < tokens.size() && tokens[i + 1].kind == TokenKind::kWord) {
            ++i;
            r.target = Expand(static_cast<int>(i));
          }
          if (case_pattern_) continue;
          cmd_.redirects.push_back(std::move(r));
          if (cmd_.first_token < 0) cmd_.first_token = static_cast<int>(i);
        } else if (op == "(" && !pending_function_.empty() &&
                   cmd_.words.empty() && i + 1 < tokens.size() &&
                   tokens[i + 1].IsOp(")")) {
          ++i;  // function NAME () {
        } else if (op == "(" && cmd_.words.size() == 1 &&
                   cmd_.assignments.empty() && i + 1 < tokens.size() &&
                   tokens[i + 1].IsOp(")")) {
          pending_function_ = cmd_.words[0].text;
          pending_function_token_ = cmd_.words[0].token;
          cmd_ = BashCommand();
          ++i;
        } else {
          if (case_pattern_ && op == ")") {
            case_pattern_ = false;
            continue;
          }
          if (case_pattern_) continue;
          Separator(op);
        }
      } else if (t.kind == TokenKind::kWord) {
        Word(static_cast<int>(i));
      }
    }
    Separator("\n");
  }

 private:
  void Word(int i) {
    const Token& t = script_->lexed.tokens[i];
    if (skip_function_name_) {  // function NAME [()] {
      skip_function_name_ = false;
      return;
    }
    if (skip_header_) {
      if (t.value == "do" && at_start_) {
        skip_header_ = false;
      } else {
        at_start_ = false;
        return;
      }
    }
    if (case_pattern_) {
      if (t.value == "esac") case_pattern_ = false;
      return;
    }
    if (case_header_) {
      if (t.value == "in") {
        case_header_ = false;
        case_pattern_ = true;
      }
      return;
    }
    if (cmd_.words.empty() && !(t.flags & kTokenQuoted) &&
        IsReserved(t.value)) {
      Reserved(t.value, i);
      return;
    }
    at_start_ = false;
    std::string name;
    bool append;
    if (cmd_.words.empty() && IsAssignment(t.value, &name, &append)) {
      cmd_.assignments.push_back(Expand(i));
      if (cmd_.first_token < 0) cmd_.first_token = i;
      return;
    }
    if (cmd_.first_token < 0) cmd_.first_token = i;
    // Most commands have a few words: one allocation instead of regrowing.
    if (cmd_.words.capacity() == 0) cmd_.words.reserve(8);
    BashWord word = Expand(i);
    // ${IFS} and unquoted expansions split into several words.
    if ((word.flags & kSplitWord) && word.text.find(' ') != std::string::npos) {
      for (absl::string_view piece :
           absl::StrSplit(word.text, ' ', absl::SkipEmpty())) {
        cmd_.words.push_back({std::string(piece),
                              (word.flags & ~kSplitWord) | kFoldObfuscated, i});
      }
      return;
    }
    word.flags &= ~kSplitWord;
    cmd_.words.push_back(std::move(word));
  }

  void Reserved(absl::string_view word, int i) {
    at_start_ = true;
    if (word == "while" || word == "until") {
      loops_.push_back({i, word == "until", commands().size(), true});
    } else if (word == "for" || word == "select") {
      loops_.push_back({i, false, commands().size(), false});
      skip_header_ = true;
      BindLoopVariable(i);
      // for ((;;)) or for ((i=0;;i++)): no condition.
      const auto& tokens = script_->lexed.tokens;
      for (size_t k = i + 1;
           k < tokens.size() && k < static_cast<size_t>(i) + 8; ++k) {
        if (tokens[k].IsOp(";;")) infinite_for_ = true;
        if (tokens[k].kind == TokenKind::kNewline) break;
      }
    } else if (word == "do" && !loops_.empty()) {
      OpenLoop& loop = loops_.back();
      loop.infinite = loop.conditional ? HeaderIsConstant(loop) : infinite_for_;
      infinite_for_ = false;
      loop.body_begin = commands().size();
    } else if (word == "done" && !loops_.empty()) {
      const OpenLoop loop = loops_.back();
      loops_.pop_back();
      BashLoop done;
      done.token = loop.token;
      done.infinite = loop.infinite;
      done.iterations = loop.iterations;
      done.body_begin = loop.body_begin;
      done.body_end = commands().size();
      script_->loops.push_back(done);
    } else if (word == "{") {
      braces_.push_back(
          {pending_function_, pending_function_token_, commands().size()});
      pending_function_.clear();
    } else if (word == "}" && !braces_.empty()) {
      const OpenBrace brace = braces_.back();
      braces_.pop_back();
      if (!brace.function.empty()) {
        script_->functions.push_back(
            {brace.function, brace.token, brace.begin, commands().size()});
      }
    } else if (word == "case") {
      case_header_ = true;
    } else if (word == "esac") {
      case_pattern_ = false;
    } else if (word == "function") {
      const auto& tokens = script_->lexed.tokens;
      if (static_cast<size_t>(i) + 1 < tokens.size() &&
          tokens[i + 1].kind == TokenKind::kWord) {
        pending_function_ = std::string(tokens[i + 1].value);
        pending_function_token_ = i + 1;
        skip_function_name_ = true;
      }
    }
  }

  // for NAME in WORDS: NAME takes the words (joined), so "$NAME" in the
  // body shows what the loop iterates over.
  void BindLoopVariable(int i) {
    const auto& tokens = script_->lexed.tokens;
    size_t k = static_cast<size_t>(i) + 1;
    if (k >= tokens.size() || tokens[k].kind != TokenKind::kWord) return;
    const std::string name(tokens[k].value);
    if (k + 1 >= tokens.size() || tokens[k + 1].value != "in") return;
    std::vector<std::string> values;
    uint32_t flags = kFoldFromVariable;
    double iterations = 0;
    for (k += 2; k < tokens.size() && tokens[k].kind == TokenKind::kWord &&
                 values.size() < 64;
         ++k) {
      BashWord w = Expand(static_cast<int>(k));
      iterations += Iterations(w.text);
      values.push_back(w.text);
      flags |= w.flags;
    }
    (*vars_)[name] = BashValue{absl::StrJoin(values, " "), flags};
    if (!loops_.empty()) loops_.back().iterations = iterations;
  }

  // How many values a for-list word stands for: {1..N} and $(seq [A] N)
  // count their range, anything else one.
  static double Iterations(const std::string& word) {
    long long a = 0;
    long long b = 0;
    if (std::sscanf(word.c_str(), "{%lld..%lld}", &a, &b) == 2) {
      return std::fabs(static_cast<double>(b) - static_cast<double>(a)) + 1;
    }
    if (absl::StartsWith(word, "$(seq ") || absl::StartsWith(word, "`seq ")) {
      std::vector<std::string> parts =
          absl::StrSplit(word.substr(6), ' ', absl::SkipEmpty());
      double n = 0;
      for (const std::string& p : parts) {
        double v;
        std::string clean = p;
        while (!clean.empty() && (clean.back() == ')' || clean.back() == '`'))
          clean.pop_back();
        if (absl::SimpleAtod(clean, &v)) n = v;
      }
      return std::max(n, 1.0);
    }
    return 1;
  }

  struct OpenLoop {
    int token;
    bool until;
    size_t header_begin;
    bool conditional;
    bool infinite = false;
    size_t body_begin = 0;
    double iterations = 0;
  };
  struct OpenBrace {
    std::string function;
    int token;
    size_t begin;
  };

  bool HeaderIsConstant(const OpenLoop& loop) const {
    const auto& cmds = script_->commands;
    if (cmds.size() != loop.header_begin + 1) return false;
    const std::vector<BashWord>& w = cmds.back().words;
    if (w.empty()) return false;
    const std::string joined = absl::StrJoin(
        w, " ",
        [](std::string* out, const BashWord& word) { out->append(word.text); });
    if (loop.until) return joined == "false" || joined == "/bin/false";
    return joined == "true" || joined == ":" || joined == "/bin/true" ||
           joined == "[ 1 ]" || joined == "[[ 1 ]]" || joined == "[ true ]";
  }

  std::vector<BashCommand>& commands() { return script_->commands; }

  void Separator(const std::string& op) {
    if (!cmd_.words.empty() || !cmd_.assignments.empty() ||
        !cmd_.redirects.empty()) {
      cmd_.background = op == "&";
      cmd_.pipeline = pipeline_;
      if (cmd_.words.empty()) ApplyAssignments(cmd_.assignments);
      if (!cmd_.words.empty() &&
          (cmd_.words[0].text == "export" || cmd_.words[0].text == "declare" ||
           cmd_.words[0].text == "local" || cmd_.words[0].text == "readonly")) {
        ApplyAssignments({cmd_.words.begin() + 1, cmd_.words.end()});
      }
      if (!cmd_.words.empty() || !cmd_.redirects.empty() ||
          !cmd_.assignments.empty()) {
        commands().push_back(std::move(cmd_));
      }
      cmd_ = BashCommand();
    }
    if (op != "|" && op != "|&") ++pipeline_;
    if (op == ";;" || op == ";&" || op == ";;&") case_pattern_ = true;
    at_start_ = true;
  }

  void ApplyAssignments(const std::vector<BashWord>& words) {
    for (const BashWord& w : words) {
      std::string name;
      bool append;
      if (!IsAssignment(w.text, &name, &append)) continue;
      const size_t eq = w.text.find('=');
      BashValue value{w.text.substr(eq + 1), w.flags};
      if (append) {
        auto it = vars_->find(name);
        if (it != vars_->end()) value.text = it->second.text + value.text;
      }
      if (value.text.size() > kMaxValue) value.text.resize(kMaxValue);
      (*vars_)[name] = std::move(value);
    }
  }

  // Expands $NAME, ${NAME}, $IFS and evaluable command substitutions.
  BashWord Expand(int index) {
    const Token& t = script_->lexed.tokens[index];
    BashWord word{std::string(t.value), 0, index};
    if (t.flags & kTokenQuoted) {
      const absl::string_view raw = code_.substr(t.begin, t.end - t.begin);
      if (SplicedQuoting(raw, t.value)) word.flags |= kFoldObfuscated;
    }
    if (!(t.flags & kTokenExpands)) return word;
    std::string out;
    const std::string s(t.value);
    size_t sub = FirstSubstitution(index);
    for (size_t i = 0; i < s.size();) {
      if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '(' &&
          !(i + 2 < s.size() && s[i + 2] == '(')) {
        size_t close = i + 2;
        for (int depth = 0; close < s.size(); ++close) {
          if (s[close] == '(') ++depth;
          if (s[close] == ')' && depth-- == 0) break;
        }
        Substitute(s.substr(i + 2, close - i - 2), &sub, index, &out,
                   &word.flags);
        i = close + 1;
      } else if (s[i] == '`') {
        const size_t close = s.find('`', i + 1);
        const size_t end = close == std::string::npos ? s.size() : close;
        Substitute(s.substr(i + 1, end - i - 1), &sub, index, &out,
                   &word.flags);
        i = end + 1;
      } else if (s[i] == '$' && i + 1 < s.size() &&
                 (IsAsciiIdentStart(static_cast<unsigned char>(s[i + 1])) ||
                  s[i + 1] == '{')) {
        size_t j = i + 1;
        std::string name;
        if (s[j] == '{') {
          const size_t close = s.find('}', j);
          name = s.substr(
              j + 1, (close == std::string::npos ? s.size() : close) - j - 1);
          j = close == std::string::npos ? s.size() : close + 1;
        } else {
          while (j < s.size() &&
                 IsAsciiIdentChar(static_cast<unsigned char>(s[j])))
            ++j;
          name = s.substr(i + 1, j - i - 1);
        }
        if (name == "IFS") {
          out.push_back(' ');
          if (!(t.flags & kTokenQuoted)) word.flags |= kSplitWord;
        } else if (auto it = vars_->find(name); it != vars_->end()) {
          out += it->second.text;
          word.flags |= it->second.flags | kFoldFromVariable;
        } else {
          out += s.substr(i, j - i);
          word.flags |= kFoldPartial;
        }
        i = j;
      } else if (s[i] == '$' && i + 1 < s.size() &&
                 (absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1])) ||
                  absl::string_view("@*#?$!-").find(s[i + 1]) !=
                      absl::string_view::npos)) {
        // Positional and special parameters: known only at run time.
        out += s.substr(i, 2);
        word.flags |= kFoldPartial;
        i += 2;
      } else {
        out.push_back(s[i++]);
      }
      if (out.size() > kMaxValue) break;
    }
    word.text = std::move(out);
    return word;
  }

  size_t FirstSubstitution(int token) const {
    const auto& subs = script_->lexed.substitutions;
    size_t k = 0;
    while (k < subs.size() && subs[k].token < static_cast<uint32_t>(token)) ++k;
    return k;
  }

  void Substitute(const std::string& raw, size_t* sub, int token,
                  std::string* out, uint32_t* flags) {
    const auto& subs = script_->lexed.substitutions;
    if (*sub < subs.size() && subs[*sub].token == static_cast<uint32_t>(token))
      ++*sub;
    if (nesting_ >= kMaxNesting) {
      *out += "$(" + raw + ")";
      *flags |= kFoldPartial;
      return;
    }
    BashVariables scratch = *vars_;
    LexLimits limits;
    limits.max_tokens = 4096;
    const BashScript inner =
        BuildBashScript(raw, limits, &scratch, nesting_ + 1);
    const auto& cmds = inner.commands;
    if (!cmds.empty() && cmds.front().pipeline == cmds.back().pipeline) {
      if (auto value = EvaluateStatically(cmds, 0, cmds.size() - 1)) {
        *flags |= value->flags;
        if (value->known) {
          std::string text = value->text;
          while (!text.empty() && text.back() == '\n') text.pop_back();
          *out += text;
          return;
        }
      }
    }
    *out += "$(" + raw + ")";
    *flags |= kFoldPartial;
  }

  absl::string_view code_;
  BashVariables* vars_;
  int nesting_;
  BashScript* script_ = nullptr;
  BashCommand cmd_;
  int pipeline_ = 0;
  bool at_start_ = true;
  bool skip_header_ = false;
  bool infinite_for_ = false;
  bool case_header_ = false;
  bool case_pattern_ = false;
  bool skip_function_name_ = false;
  std::string pending_function_;
  int pending_function_token_ = -2;
  std::vector<OpenLoop> loops_;
  std::vector<OpenBrace> braces_;
};

}  // namespace

BashScript BuildBashScript(absl::string_view code, const LexLimits& limits,
                           BashVariables* variables, int nesting) {
  BashScript script;
  script.lexed = Lex(Language::kBash, code, limits);
  ScriptBuilder builder(code, variables, nesting);
  builder.Build(&script);
  return script;
}

}  // namespace forge::cars
