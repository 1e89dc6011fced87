// JavaScript/TypeScript statements (imports, declarations, assignments) and
// loops on top of ScriptWalker.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cars/analysis.h"
#include "cars/literal_table.h"
#include "cars/script_walker.h"

namespace forge::cars {
namespace {

constexpr int kMaxLoopScan = 20000;

std::string ModuleName(std::string name) {
  if (absl::StartsWith(name, "node:")) name.erase(0, 5);
  return name;
}

bool Pauses(absl::string_view name) {
  static const LiteralTable<20> kNames(
      {"setTimeout", "sleep", "wait",     "question", "prompt",
       "readline",   "exit",  "kill",     "fetch",    "get",
       "request",    "read",  "readSync", "accept",   "sleepSync",
       "waitFor",    "next",  "send",     "write",    "recv"});
  return kNames.Contains(name);
}

bool Continues(const Token& t) {
  if (t.kind != TokenKind::kOperator) return false;
  return !(t.value == ")" || t.value == "]" || t.value == "}" ||
           t.value == "++" || t.value == "--" || t.value == ";");
}

class JavaScriptWalker : public ScriptWalker {
 public:
  JavaScriptWalker(absl::string_view code, const AnalysisContext& context,
                   Evidence* out)
      : ScriptWalker(Language::kJavaScript, code, context, out) {}

 protected:
  int Statement(int i) override {
    const Token& t = view_[i];
    if (t.Is(TokenKind::kKeyword, "export")) {
      int k = i + 1;
      if (view_.IsKind(k, TokenKind::kKeyword) && view_[k].value == "default")
        ++k;
      return k < view_.size() ? std::max(Statement(k), k) : k;
    }
    if (t.Is(TokenKind::kKeyword, "import") && !view_.IsOp(i + 1, "(") &&
        !view_.IsOp(i + 1, ".")) {
      return ImportStatement(i);
    }
    if (t.kind == TokenKind::kKeyword &&
        (t.value == "const" || t.value == "let" || t.value == "var")) {
      Declarations(i + 1);
    } else if (t.kind == TokenKind::kIdentifier &&
               (view_.IsOp(i + 1, "=") || view_.IsOp(i + 1, "+="))) {
      Assign(i);
    }
    return i;
  }

  int StatementEnd(int i) const override {
    while (i < view_.size()) {
      const Token& t = view_[i];
      if (t.IsOp(";")) return i;
      if (t.kind == TokenKind::kNewline && i > 0 && !Continues(view_[i - 1])) {
        const int next = view_.SkipNewlines(i);
        if (next >= view_.size()) return i;
        const Token& n = view_[next];
        const bool continued = n.kind == TokenKind::kOperator &&
                               n.value != "(" && n.value != "[" &&
                               n.value != "{" && n.value != "!" &&
                               n.value != "++" && n.value != "--";
        if (!continued) return i;
      }
      const int partner = view_.Partner(i);
      i = partner > i ? partner + 1 : i + 1;
    }
    return view_.size();
  }

  void FindResourceAbuse() override {
    for (int i = 0; i < view_.size(); ++i) {
      const Token& t = view_[i];
      if (t.kind == TokenKind::kKeyword &&
          (t.value == "while" || t.value == "for" || t.value == "do")) {
        Loop(i);
      }
    }
    for (const CallSite& call : calls_) {
      static const LiteralTable<14> kAllocators(
          {"Buffer.alloc", "Buffer.allocUnsafe", "Buffer.allocUnsafeSlow",
           "Array", "ArrayBuffer", "SharedArrayBuffer", "Uint8Array",
           "Int8Array", "Uint16Array", "Int32Array", "Uint32Array",
           "Float32Array", "Float64Array", "BigInt64Array"});
      if (kAllocators.Contains(call.chain)) {
        const std::vector<Argument> args = eval_.Arguments(call.open);
        if (args.size() == 1) {
          CheckAllocation(NumberIn(args[0].begin, args[0].end), call.name_token,
                          absl::StrCat(call.chain, "()"));
        }
      }
    }
    // "x".repeat(N)
    for (int i = 2; i + 2 < view_.size(); ++i) {
      if (view_[i].kind == TokenKind::kIdentifier &&
          view_[i].value == "repeat" && view_.IsOp(i - 1, ".") &&
          view_.IsOp(i + 1, "(")) {
        const int close = view_.Partner(i + 1);
        CheckAllocation(NumberIn(i + 2, close), i, "String.repeat()");
      }
    }
  }

 private:
  // import x from 'm'; import * as x from 'm'; import {a as b} from 'm';
  // import 'm'
  int ImportStatement(int i) {
    const int end = StatementEnd(i);
    int module_token = -1;
    for (int k = i + 1; k < end; ++k) {
      if (view_[k].kind == TokenKind::kString) module_token = k;
    }
    if (module_token < 0) return end;
    const std::string module =
        ModuleName(std::string(view_[module_token].value));
    Import(module, module_token, 0);
    bool braces = false;
    for (int k = i + 1; k < module_token; ++k) {
      const Token& t = view_[k];
      if (t.IsOp("{")) braces = true;
      if (t.IsOp("}")) braces = false;
      if (t.kind != TokenKind::kIdentifier) continue;
      if (t.value == "from" || t.value == "type") continue;
      if (view_.IsKind(k + 1, TokenKind::kIdentifier) &&
          view_[k + 1].value == "as" &&
          view_.IsKind(k + 2, TokenKind::kIdentifier)) {
        Bind(view_[k + 2].value,
             FoldedValue::Alias(braces ? absl::StrCat(module, ".", t.value)
                                       : module),
             k + 2);
        k += 2;
        continue;
      }
      if (t.value == "as" && view_.IsKind(k + 1, TokenKind::kIdentifier)) {
        Bind(view_[k + 1].value, FoldedValue::Alias(module), k + 1);  // * as x
        ++k;
        continue;
      }
      Bind(t.value,
           FoldedValue::Alias(braces ? absl::StrCat(module, ".", t.value)
                                     : module),
           k);
    }
    return end;
  }

  // const a = x, {b, c: d} = y, [e] = z;
  void Declarations(int k) {
    const int end = StatementEnd(k);
    while (k < end) {
      int target = k;
      int target_end = k + 1;
      if (view_.IsOp(k, "{") || view_.IsOp(k, "["))
        target_end = view_.Partner(k) + 1;
      int eq = target_end;
      if (view_.IsOp(eq, ":")) {  // TypeScript annotation
        while (eq < end && !view_.IsOp(eq, "=") && !view_.IsOp(eq, ",")) {
          const int partner = view_.Partner(eq);
          eq = partner > eq ? partner + 1 : eq + 1;
        }
      }
      int value_end = eq + 1;
      while (value_end < end && !view_.IsOp(value_end, ",")) {
        const int partner = view_.Partner(value_end);
        value_end = partner > value_end ? partner + 1 : value_end + 1;
      }
      if (view_.IsOp(eq, "=")) {
        FoldedValue value = eval_.Fold(eq + 1, value_end);
        if (view_.IsKind(target, TokenKind::kIdentifier)) {
          Bind(view_[target].value, std::move(value), target);
        } else if (view_.IsOp(target, "{") && value.IsAlias()) {
          Destructure(target, value);
        }
      }
      k = value_end + 1;
    }
  }

  // {a, b: c} = alias binds a → alias.a and c → alias.b.
  void Destructure(int open, const FoldedValue& source) {
    const int close = view_.Partner(open);
    for (int k = open + 1; k < close; ++k) {
      if (!view_.IsKind(k, TokenKind::kIdentifier)) continue;
      const std::string member(view_[k].value);
      std::string local = member;
      if (view_.IsOp(k + 1, ":") &&
          view_.IsKind(k + 2, TokenKind::kIdentifier)) {
        local = std::string(view_[k + 2].value);
        k += 2;
      }
      Bind(local,
           FoldedValue::Alias(absl::StrCat(source.str, ".", member),
                              source.flags),
           k);
      while (k + 1 < close && !view_.IsOp(k + 1, ",")) ++k;
    }
  }

  void Assign(int i) {
    const bool augmented = view_.IsOp(i + 1, "+=");
    const int end = StatementEnd(i);
    FoldedValue value = eval_.Fold(i + 2, end);
    const absl::string_view name = view_[i].value;
    if (augmented) {
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
    Bind(name, std::move(value), i);
  }

  void Loop(int i) {
    const absl::string_view kind = view_[i].value;
    bool infinite = false;
    int body_begin;
    int body_end;
    if (kind == "do") {
      body_begin = i + 1;
      body_end = view_.IsOp(body_begin, "{") ? view_.Partner(body_begin)
                                             : StatementEnd(body_begin);
      int k = view_.SkipNewlines(body_end + 1);
      if (view_.IsKind(k, TokenKind::kKeyword) && view_[k].value == "while" &&
          view_.IsOp(k + 1, "(")) {
        infinite = Truthy(k + 2, view_.Partner(k + 1));
      }
    } else {
      if (!view_.IsOp(i + 1, "(")) return;
      const int close = view_.Partner(i + 1);
      if (kind == "while") {
        infinite = Truthy(i + 2, close);
      } else {
        // for (init; ; step)
        int semis = 0;
        int first = -1;
        for (int k = i + 2; k < close; ++k) {
          if (view_.IsOp(k, ";")) {
            if (semis++ == 0)
              first = k;
            else
              infinite = infinite || k == first + 1;
          }
          const int partner = view_.Partner(k);
          if (partner > k) k = partner;
        }
      }
      body_begin = view_.SkipNewlines(close + 1);
      body_end = view_.IsOp(body_begin, "{") ? view_.Partner(body_begin)
                                             : StatementEnd(body_begin);
    }
    body_end = std::min(body_end, view_.size());
    bool exits = body_end - body_begin > kMaxLoopScan;
    for (int k = body_begin; k < body_end && !exits; ++k) {
      const Token& t = view_[k];
      if (t.kind == TokenKind::kKeyword &&
          (t.value == "break" || t.value == "return" || t.value == "throw" ||
           t.value == "await" || t.value == "yield")) {
        exits = true;
      }
      if (t.kind == TokenKind::kIdentifier && view_.IsOp(k + 1, "(") &&
          Pauses(t.value)) {
        exits = true;
      }
    }
    auto first = std::lower_bound(
        calls_.begin(), calls_.end(), body_begin,
        [](const CallSite& c, int token) { return c.name_token < token; });
    for (auto it = first; it != calls_.end() && it - first < kMaxLoopScan;
         ++it) {
      if (it->name_token >= body_end) break;
      if (!context_.knowledge->IsSpawn(language_, it->chain)) continue;
      if (infinite && !exits) {
        Detect("fork_bomb", i,
               absl::StrCat(it->chain, "() in a loop that never ends"));
      } else {
        Detect("spawn_in_loop", i, absl::StrCat(it->chain, "() inside a loop"));
      }
      return;
    }
    if (infinite && !exits)
      Detect("unbounded_loop", i, "a loop that never ends, breaks or waits");
  }

  // true, 1, "x", !0, !false
  bool Truthy(int begin, int end) const {
    const int n = end - begin;
    if (n <= 0 || begin >= view_.size()) return false;
    const Token& c = view_[begin];
    if (n == 1) {
      return c.value == "true" ||
             (c.kind == TokenKind::kNumber && c.value != "0") ||
             (c.kind == TokenKind::kString && !c.value.empty());
    }
    return n == 2 && c.IsOp("!") &&
           (view_[begin + 1].value == "0" || view_[begin + 1].value == "false");
  }
};

}  // namespace

void AnalyzeJavaScript(absl::string_view code, const AnalysisContext& context,
                       Evidence* out) {
  JavaScriptWalker walker(code, context, out);
  walker.Run();
}

}  // namespace forge::cars
