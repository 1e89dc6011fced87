// Python statements (imports, assignments) and loops on top of ScriptWalker.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cars/analysis.h"
#include "cars/literal_table.h"
#include "cars/script_walker.h"

namespace forge::cars {
namespace {

// Names whose call makes a loop wait (so it is not a busy loop) or end.
bool Pauses(absl::string_view name) {
  static const LiteralTable<30> kNames(
      {"sleep",   "wait",  "input",   "recv",        "recvfrom",
       "accept",  "get",   "join",    "read",        "readline",
       "select",  "poll",  "waitpid", "communicate", "serve_forever",
       "exit",    "_exit", "quit",    "kill",        "urlopen",
       "request", "post",  "put",     "readlines",   "wait_for",
       "sendall", "send",  "acquire", "getch",       "next"});
  return kNames.Contains(name);
}

constexpr int kMaxLoopScan = 20000;

class PythonWalker : public ScriptWalker {
 public:
  PythonWalker(absl::string_view code, const AnalysisContext& context,
               Evidence* out)
      : ScriptWalker(Language::kPython, code, context, out) {}

 protected:
  int Statement(int i) override {
    const Token& t = view_[i];
    if (t.Is(TokenKind::kKeyword, "import")) return ImportStatement(i);
    if (t.Is(TokenKind::kKeyword, "from")) return FromStatement(i);
    if (t.Is(TokenKind::kKeyword, "with")) WithStatement(i + 1);
    if (t.Is(TokenKind::kKeyword, "async") &&
        view_.IsKind(i + 1, TokenKind::kKeyword) &&
        view_[i + 1].value == "with") {
      WithStatement(i + 2);
    }
    if (t.kind == TokenKind::kIdentifier) Assignment(i);
    return i;
  }

  void FindResourceAbuse() override {
    for (int i = 0; i < view_.size(); ++i) {
      const Token& t = view_[i];
      if (t.Is(TokenKind::kKeyword, "while") ||
          t.Is(TokenKind::kKeyword, "for")) {
        Loop(i);
      } else if (t.IsOp("*")) {
        Repetition(i);
      }
    }
    for (const CallSite& call : calls_) {
      static const LiteralTable<14> kAllocators(
          {"bytearray", "bytes", "numpy.zeros", "numpy.ones", "numpy.empty",
           "numpy.full", "numpy.random.rand", "os.urandom", "mmap.mmap",
           "torch.zeros", "torch.ones", "torch.empty", "torch.randn",
           "numpy.random.random"});
      if (kAllocators.Contains(call.chain)) {
        const std::string& name = call.chain;
        const std::vector<Argument> args = eval_.Arguments(call.open);
        if (args.empty()) continue;
        const FoldedValue v = eval_.Fold(args[0].begin, args[0].end);
        double count = v.IsNumber() ? v.number : -1;
        if (v.IsList()) {
          count = 1;
          for (const FoldedValue& d : v.items)
            count *= d.IsNumber() ? d.number : 0;
        } else if (args.size() > 1 && name != std::string("bytearray") &&
                   name != std::string("bytes") &&
                   name != std::string("os.urandom")) {
          for (size_t n = 1; n < args.size() && args[n].name.empty(); ++n) {
            count *= std::max(0.0, NumberIn(args[n].begin, args[n].end));
          }
        }
        CheckAllocation(count, call.name_token, absl::StrCat(call.chain, "()"));
      }
    }
  }

 private:
  // import a.b [as c], d
  int ImportStatement(int i) {
    const int end = StatementEnd(i);
    int k = i + 1;
    while (k < end) {
      std::string module;
      const int first = k;
      while (k < end &&
             (view_.IsKind(k, TokenKind::kIdentifier) || view_.IsOp(k, "."))) {
        absl::StrAppend(&module, view_[k].value);
        ++k;
      }
      if (view_[k < end ? k : end - 1].Is(TokenKind::kKeyword, "as") &&
          view_.IsKind(k + 1, TokenKind::kIdentifier)) {
        Bind(view_[k + 1].value, FoldedValue::Alias(module), k + 1);
        k += 2;
      } else if (!module.empty()) {
        const std::string top = module.substr(0, module.find('.'));
        bindings_.erase(top);
      }
      Import(module, first, 0);
      while (k < end && !view_.IsOp(k, ",")) ++k;
      ++k;
    }
    return end;
  }

  // from a.b import c [as d], (e, f) | *
  int FromStatement(int i) {
    const int end = StatementEnd(i);
    int k = i + 1;
    std::string module;
    while (k < end && !view_[k].Is(TokenKind::kKeyword, "import")) {
      absl::StrAppend(&module, view_[k].value);
      ++k;
    }
    Import(module, i + 1, 0);
    for (++k; k < end; ++k) {
      const Token& t = view_[k];
      if (t.IsOp("*")) {
        star_modules_.push_back(module);
      } else if (t.kind == TokenKind::kIdentifier) {
        absl::string_view local = t.value;
        if (view_.IsKind(k + 1, TokenKind::kKeyword) &&
            view_[k + 1].value == "as" &&
            view_.IsKind(k + 2, TokenKind::kIdentifier)) {
          local = view_[k + 2].value;
          k += 2;
        }
        Bind(local, FoldedValue::Alias(absl::StrCat(module, ".", t.value)), k);
      }
    }
    return end;
  }

  // with open(p) as fh, smtplib.SMTP(h) as s:  binds fh and s.
  void WithStatement(int k) {
    int item = k;
    for (; k < view_.size(); ++k) {
      const Token& t = view_[k];
      const bool end = t.IsOp(":") || t.kind == TokenKind::kNewline;
      if (end || t.IsOp(",")) {
        for (int a = item; a + 1 < k; ++a) {
          if (view_[a].Is(TokenKind::kKeyword, "as") &&
              view_.IsKind(a + 1, TokenKind::kIdentifier)) {
            Bind(view_[a + 1].value, eval_.Fold(item, a), a + 1);
          }
        }
        item = k + 1;
        if (end) return;
        continue;
      }
      const int partner = view_.Partner(k);
      if (partner > k) k = partner;
    }
  }

  // name = expr | name: T = expr | name += expr | a, b = x, y
  void Assignment(int i) {
    std::vector<int> targets = {i};
    int k = i + 1;
    while (view_.IsOp(k, ",") && view_.IsKind(k + 1, TokenKind::kIdentifier)) {
      targets.push_back(k + 1);
      k += 2;
    }
    if (view_.IsOp(k, ":") && targets.size() == 1) {
      while (k < view_.size() && !view_.IsOp(k, "=") &&
             view_[k].kind != TokenKind::kNewline) {
        ++k;
      }
    }
    const bool augmented = view_.IsOp(k, "+=");
    if (!view_.IsOp(k, "=") && !augmented) return;
    const int end = StatementEnd(k);
    FoldedValue value = eval_.Fold(k + 1, end);
    if (augmented) {
      const absl::string_view name = view_[i].value;
      auto it = bindings_.find(name);
      if (it == bindings_.end() || !it->second.IsString() ||
          !value.IsString()) {
        bindings_.erase(name);
        return;
      }
      value =
          FoldedValue::String(it->second.str + value.str,
                              it->second.flags | value.flags | kFoldObfuscated);
    }
    if (targets.size() == 1) {
      Bind(view_[i].value, std::move(value), i);
      return;
    }
    for (size_t n = 0; n < targets.size(); ++n) {
      if (value.IsList() && value.items.size() == targets.size()) {
        Bind(view_[targets[n]].value, value.items[n], targets[n]);
      } else {
        bindings_.erase(view_[targets[n]].value);
      }
    }
  }

  // Column of the first token on the line of token i.
  uint32_t LineIndent(int i) const {
    for (int steps = 0;
         i > 0 && view_[i - 1].line == view_[i].line && steps < 1000; ++steps) {
      --i;
    }
    return view_[i].column;
  }

  void Loop(int i) {
    const bool is_while = view_[i].value == "while";
    int colon = i + 1;
    while (colon < view_.size() && !view_.IsOp(colon, ":") &&
           view_[colon].kind != TokenKind::kNewline) {
      const int partner = view_.Partner(colon);
      colon = partner > colon ? partner + 1 : colon + 1;
    }
    if (!view_.IsOp(colon, ":")) return;
    bool infinite = false;
    if (is_while) {
      const int n = colon - (i + 1);
      const Token& c = view_[i + 1];
      infinite =
          (n == 1 && (c.value == "True" ||
                      (c.kind == TokenKind::kNumber && c.value != "0") ||
                      (c.kind == TokenKind::kString && !c.value.empty()))) ||
          (n == 2 && c.value == "not" &&
           (view_[i + 2].value == "False" || view_[i + 2].value == "None" ||
            view_[i + 2].value == "0"));
    } else {
      for (int k = i + 1; k < colon; ++k) {
        if (view_[k].value == "count" || view_[k].value == "cycle")
          infinite = true;
      }
    }
    // Body: the rest of the line, or the following lines indented deeper.
    int body_end = colon + 1;
    if (body_end < view_.size() &&
        view_[body_end].kind != TokenKind::kNewline) {
      body_end = StatementEnd(body_end);
    } else {
      const uint32_t indent = LineIndent(i);
      body_end = view_.SkipNewlines(body_end);
      while (body_end < view_.size()) {
        const Token& t = view_[body_end];
        if (t.kind != TokenKind::kNewline && body_end > 0 &&
            view_[body_end - 1].kind == TokenKind::kNewline &&
            t.column <= indent) {
          break;
        }
        ++body_end;
      }
    }
    bool exits =
        body_end - colon > kMaxLoopScan;  // too big to judge: assume fine
    for (int k = colon + 1; k < body_end && !exits; ++k) {
      const Token& t = view_[k];
      if (t.kind == TokenKind::kKeyword &&
          (t.value == "break" || t.value == "return" || t.value == "raise" ||
           t.value == "yield" || t.value == "await")) {
        exits = true;
      }
      if (t.kind == TokenKind::kIdentifier && view_.IsOp(k + 1, "(") &&
          Pauses(t.value)) {
        exits = true;
      }
    }
    auto first = std::lower_bound(
        calls_.begin(), calls_.end(), colon + 1,
        [](const CallSite& c, int token) { return c.name_token < token; });
    for (auto it = first; it != calls_.end() && it - first < kMaxLoopScan;
         ++it) {
      const CallSite& call = *it;
      if (call.name_token >= body_end) break;
      if (!context_.knowledge->IsSpawn(language_, call.chain)) continue;
      if (infinite && !exits) {
        Detect("fork_bomb", i,
               absl::StrCat(call.chain, "() in a loop that never ends"));
      } else {
        Detect("spawn_in_loop", i,
               absl::StrCat(call.chain, "() inside a loop"));
      }
      return;
    }
    if (infinite && !exits) {
      Detect("unbounded_loop", i, "a loop that never ends, breaks or waits");
    }
  }

  // "x" * N, [0] * N, N * b"x"
  void Repetition(int i) {
    if (i == 0 || i + 1 >= view_.size()) return;
    const Token& left = view_[i - 1];
    const Token& right = view_[i + 1];
    const bool left_sequence =
        left.kind == TokenKind::kString || left.IsOp("]");
    const bool right_sequence =
        right.kind == TokenKind::kString || right.IsOp("[");
    if (left_sequence) {
      int k = i + 1;
      while (k < view_.size() && (view_[k].kind == TokenKind::kNumber ||
                                  view_[k].IsOp("**") || view_[k].IsOp("*") ||
                                  view_[k].IsOp("<<") || view_[k].IsOp("("))) {
        k = view_[k].IsOp("(") ? view_.Partner(k) + 1 : k + 1;
      }
      CheckAllocation(NumberIn(i + 1, k), i, "a repeated sequence");
    } else if (right_sequence) {
      int k = i - 1;
      while (k > 0 && (view_[k - 1].kind == TokenKind::kNumber ||
                       view_[k - 1].IsOp("**") || view_[k - 1].IsOp("*") ||
                       view_[k - 1].IsOp("<<"))) {
        --k;
      }
      CheckAllocation(NumberIn(k, i), i, "a repeated sequence");
    }
  }
};

}  // namespace

void AnalyzePython(absl::string_view code, const AnalysisContext& context,
                   Evidence* out) {
  PythonWalker walker(code, context, out);
  walker.Run();
}

}  // namespace forge::cars
