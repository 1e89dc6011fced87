#include "cars/expression_evaluator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "cars/fold_builtins.h"
#include "cars/literal_table.h"

namespace forge::cars {
namespace {

bool IsOperatorOrWord(const Token& t) {
  return t.kind == TokenKind::kOperator || t.kind == TokenKind::kKeyword;
}

// Binary operators and their levels, loosest (0) first; level 0 yields
// Unknown.
constexpr std::array<absl::string_view, 30> kBinaryOperators = {
    "or", "and", "||",  "&&", "??", "==", "!=",  "===",        "!==",
    "<",  ">",   "<=",  ">=", "in", "is", "not", "instanceof",  // level 0
    "|",                                                        // 1
    "^",                                                        // 2
    "&",                                                        // 3
    "<<", ">>",  ">>>",                                         // 4
    "+",  "-",                                                  // 5
    "*",  "/",   "//",  "%",  "@"};                             // 6
constexpr std::array<int8_t, 30> kBinaryLevels = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 0, 0, 0, 0, 1, 2, 3,
                                                  4, 4, 4, 5, 5, 6, 6, 6, 6, 6};

// The level of a binary operator token, or -1.
int BinaryLevel(const Token& t) {
  if (!IsOperatorOrWord(t)) return -1;
  static const LiteralTable<kBinaryOperators.size()> table(kBinaryOperators);
  const int index = table.IndexOf(t.value);
  return index < 0 ? -1 : kBinaryLevels[index];
}

bool ParseNumber(absl::string_view text, double* out) {
  std::string clean;
  for (char c : text) {
    if (c != '_' && c != 'n' && c != 'j' && c != 'J' && c != 'l' && c != 'L') {
      clean.push_back(c);
    }
  }
  if (clean.empty()) return false;
  char* end = nullptr;
  int base = 10;
  const char* digits = clean.c_str();
  if (clean.size() > 2 && clean[0] == '0') {
    const char p = clean[1] | 0x20;
    if (p == 'x') base = 16;
    if (p == 'o') base = 8;
    if (p == 'b') base = 2;
    if (base != 10) digits += 2;
  }
  if (base != 10) {
    *out = static_cast<double>(std::strtoull(digits, &end, base));
  } else {
    *out = std::strtod(digits, &end);
  }
  return end != nullptr && *end == '\0';
}

}  // namespace

ExpressionEvaluator::ExpressionEvaluator(const TokenView& view,
                                         Language language,
                                         const Bindings& bindings,
                                         const ChainClassifier& classifier,
                                         FoldBudget* budget)
    : view_(view),
      language_(language),
      bindings_(bindings),
      classifier_(classifier),
      budget_(budget) {}

int ExpressionEvaluator::Next(int i, int end) const {
  while (i < end && view_[i].kind == TokenKind::kNewline) ++i;
  return i;
}

FoldedValue ExpressionEvaluator::Fold(int begin, int end) {
  int i = begin;
  return Expr(i, std::min(end, view_.size()), 0, nullptr);
}

FoldedValue ExpressionEvaluator::Expr(int& i, int end, int depth,
                                      ChainWalk* rec) {
  if (depth > kMaxDepth || !budget_->Spend(1)) {
    i = end;
    return FoldedValue::Unknown();
  }
  return Binary(i, end, 0, depth + 1, rec);
}

FoldedValue ExpressionEvaluator::Binary(int& i, int end, int min_level,
                                        int depth, ChainWalk* rec) {
  // Precedence climbing: every operator is left-associative.
  FoldedValue left = Unary(i, end, depth, rec);
  while (true) {
    const int j = Next(i, end);
    if (j >= end) break;
    const int level = BinaryLevel(view_[j]);
    if (level < min_level) break;  // also not an operator (-1)
    const absl::string_view op = view_[j].value;
    i = j + 1;
    if (op == "not" && view_.IsKind(i, TokenKind::kKeyword)) ++i;  // not in
    FoldedValue right = Binary(i, end, level + 1, depth, rec);
    left = level == 0 ? FoldedValue::Unknown(left.flags | right.flags)
                      : Combine(op, std::move(left), std::move(right));
  }
  return left;
}

FoldedValue ExpressionEvaluator::Unary(int& i, int end, int depth,
                                       ChainWalk* rec) {
  i = Next(i, end);
  if (i >= end) return FoldedValue::Unknown();
  const Token& t = view_[i];
  if (IsOperatorOrWord(t)) {
    const absl::string_view op = t.value;
    if (op == "await" || op == "new" || op == "..." || op == "*" ||
        op == "yield" || op == "void" || op == "typeof" || op == "delete" ||
        op == "-" || op == "+" || op == "~" || op == "!" || op == "not") {
      ++i;
      FoldedValue v = Unary(i, end, depth + 1, rec);
      if (op == "-" && v.IsNumber())
        return FoldedValue::Number(-v.number, v.flags);
      if (op == "~" && v.IsNumber()) {
        return FoldedValue::Number(static_cast<double>(~ClampToInt64(v.number)),
                                   v.flags);
      }
      if (op == "await" || op == "new" || op == "..." || op == "+" ||
          op == "*") {
        return v;
      }
      return FoldedValue::Unknown(v.flags);
    }
  }
  FoldedValue base = Postfix(i, end, depth, rec);
  const int j = Next(i, end);
  if (j < end && view_[j].IsOp("**")) {
    i = j + 1;
    FoldedValue exponent = Unary(i, end, depth + 1, rec);
    return Combine("**", std::move(base), std::move(exponent));
  }
  return base;
}

bool ExpressionEvaluator::ReportedReference(absl::string_view chain) {
  // Attribute chains, subscripts and dunder names carry meaning; a bare
  // local name does not, unless it is a namespace object of the runtime.
  if (chain.empty()) return false;
  if (chain[0] == '_') return true;
  for (char c : chain) {
    if (c == '.' || c == '[' || c == '(') return true;
  }
  static const LiteralTable<20> kNamespaces(
      {"builtins",   "globals",  "locals",      "vars",    "eval",
       "exec",       "Function", "process",     "window",  "global",
       "self",       "require",  "module",      "Deno",    "Bun",
       "globalThis", "Reflect",  "constructor", "getattr", "compile"});
  return kNamespaces.Contains(chain);
}

FoldedValue ExpressionEvaluator::Postfix(int& i, int end, int depth,
                                         ChainWalk* rec) {
  const int first = i;
  FoldedValue v = Primary(i, end, depth, rec);
  auto record_reference = [&]() {
    if (rec != nullptr && v.IsAlias() && ReportedReference(v.str)) {
      rec->references.push_back({NormalizeChain(v.str), v.flags, first});
    }
  };
  while (i < end && budget_->Spend(1)) {
    const int j = Next(i, end);
    if (j >= end) break;
    const Token& t = view_[j];
    if ((t.IsOp(".") || t.IsOp("?.")) && j + 1 < end &&
        (view_[j + 1].kind == TokenKind::kIdentifier ||
         view_[j + 1].kind == TokenKind::kKeyword)) {
      const Token& name = view_[j + 1];
      const uint32_t disguised =
          name.Has(kTokenDisguised) ? kFoldDisguisedName : 0;
      if (v.IsAlias()) {
        v.str = absl::StrCat(v.str, ".", name.value);
        v.flags |= disguised;
        i = j + 2;
        continue;
      }
      if ((v.IsString() || v.IsList() || v.IsNumber()) &&
          view_.IsOp(Next(j + 2, end), "(")) {
        const int open = Next(j + 2, end);
        FoldedValue out;
        if (!FoldBuiltins::Method(*this, v, name.value, open, depth, &out)) {
          if (rec != nullptr && v.IsString()) {
            rec->receivers.push_back(
                {v.str, v.flags, absl::StrCat(".", name.value), first});
          }
          out = FoldedValue::Unknown(v.flags & kProvenanceMask);
        }
        v = std::move(out);
        i = std::min(view_.Partner(open), end - 1) + 1;
        continue;
      }
      if (absl::StartsWith(name.value, "__") ||
          v.kind == FoldedValue::Kind::kUnknown) {
        v = FoldedValue::Alias(absl::StrCat(".", name.value),
                               (v.flags & kProvenanceMask) | disguised);
      } else if (name.value == "length" && (v.IsString() || v.IsList())) {
        v = FoldedValue::Number(
            static_cast<double>(v.IsString() ? v.str.size() : v.items.size()),
            v.flags);
      } else {
        v = FoldedValue::Unknown(v.flags & kProvenanceMask);
      }
      i = j + 2;
      continue;
    }
    if (t.IsOp("[")) {
      v = Subscript(v, j, depth);
      i = std::min(view_.Partner(j), end - 1) + 1;
      continue;
    }
    if (t.IsOp("(")) {
      const int close = std::min(view_.Partner(j), end - 1);
      if (v.IsAlias()) {
        record_reference();
        v = CallAlias(v, first, j, depth, rec);
      } else if (v.kind == FoldedValue::Kind::kFunction) {
        const std::vector<Argument> args = Arguments(j);
        FoldedValue arg = args.empty() ? FoldedValue::Unknown()
                                       : Fold(args[0].begin, args[0].end);
        v = Apply(v, arg, depth + 1);
      } else {
        v = FoldedValue::Unknown(
            (v.flags & kProvenanceMask) |
            (rec == nullptr ? RangeFlags(j + 1, close) : 0));
      }
      i = close + 1;
      continue;
    }
    break;
  }
  record_reference();
  return v;
}

FoldedValue ExpressionEvaluator::Primary(int& i, int end, int depth,
                                         ChainWalk* /*rec*/) {
  i = Next(i, end);
  if (i >= end || depth > kMaxDepth || !budget_->Spend(1)) {
    i = end;
    return FoldedValue::Unknown();
  }
  const Token& t = view_[i];
  switch (t.kind) {
    case TokenKind::kString: {
      uint32_t flags = 0;
      if (t.Has(kTokenDisguised)) flags |= kFoldObfuscated;
      if (t.Has(kTokenInterpolated)) flags |= kFoldPartial;
      std::string value(t.value);
      ++i;
      // Interpolated expressions follow the string token.
      while (i < end && view_[i].begin < t.end) ++i;
      // Python concatenates adjacent literals.
      while (language_ == Language::kPython && i < end &&
             view_[i].kind == TokenKind::kString && value.size() < kMaxString) {
        const Token& more = view_[i];
        value.append(more.value.data(), more.value.size());
        if (more.Has(kTokenInterpolated)) flags |= kFoldPartial;
        ++i;
        while (i < end && view_[i].begin < more.end) ++i;
      }
      budget_->Spend(static_cast<int64_t>(value.size() / 64));
      return FoldedValue::String(std::move(value), flags);
    }
    case TokenKind::kNumber: {
      ++i;
      double n;
      return ParseNumber(t.value, &n) ? FoldedValue::Number(n)
                                      : FoldedValue::Unknown();
    }
    case TokenKind::kIdentifier:
    case TokenKind::kKeyword: {
      if (t.value == "lambda" && language_ == Language::kPython) {
        FoldedValue fn;
        fn.kind = FoldedValue::Kind::kFunction;
        const int param = i + 1;
        if (view_.IsKind(param, TokenKind::kIdentifier) &&
            view_.IsOp(param + 1, ":")) {
          fn.fn_param = param;
          fn.fn_begin = param + 2;
          fn.fn_end = end;
        }
        i = end;
        return fn;
      }
      if (view_.IsOp(i + 1, "=>")) {
        FoldedValue fn;
        fn.kind = FoldedValue::Kind::kFunction;
        fn.fn_param = i;
        fn.fn_begin = i + 2;
        fn.fn_end = end;
        i = end;
        return fn;
      }
      ++i;
      if (t.value == "True" || t.value == "False" || t.value == "None" ||
          t.value == "null" || t.value == "undefined" || t.value == "true" ||
          t.value == "false") {
        return FoldedValue::Unknown();
      }
      return Lookup(t.value, i - 1);
    }
    case TokenKind::kOperator: {
      const int close = std::min(view_.Partner(i), end);
      if (t.IsOp("(")) {
        // (x) => body
        if (view_.IsKind(i + 1, TokenKind::kIdentifier) && close == i + 2 &&
            view_.IsOp(close + 1, "=>")) {
          FoldedValue fn;
          fn.kind = FoldedValue::Kind::kFunction;
          fn.fn_param = i + 1;
          fn.fn_begin = close + 2;
          fn.fn_end = end;
          i = end;
          return fn;
        }
        FoldedValue v = Group(i, depth + 1);
        i = close + 1;
        return v;
      }
      if (t.IsOp("[")) {
        FoldedValue v = Group(i, depth + 1);
        if (!v.IsList()) {
          FoldedValue list;
          list.kind = FoldedValue::Kind::kList;
          list.flags = v.flags;
          if (v.kind != FoldedValue::Kind::kUnknown || close > i + 1) {
            list.items.push_back(std::move(v));
          }
          v = std::move(list);
        }
        i = close + 1;
        return v;
      }
      if (t.IsOp("{")) {
        i = close + 1;
        return FoldedValue::Unknown();
      }
      ++i;
      return FoldedValue::Unknown();
    }
    default:
      ++i;
      return FoldedValue::Unknown();
  }
}

FoldedValue ExpressionEvaluator::Lookup(absl::string_view name,
                                        int token) const {
  for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  const uint32_t disguised =
      view_[token].Has(kTokenDisguised) ? kFoldDisguisedName : 0;
  if (auto it = bindings_.find(name); it != bindings_.end()) {
    FoldedValue v = it->second;
    budget_->Spend(static_cast<int64_t>(v.str.size() / 64 + v.items.size()));
    v.flags |= disguised;
    if (!v.IsAlias()) v.flags |= kFoldFromVariable;
    return v;
  }
  return FoldedValue::Alias(std::string(name), disguised);
}

FoldedValue ExpressionEvaluator::CallAlias(const FoldedValue& callee,
                                           int name_token, int open, int depth,
                                           ChainWalk* rec) {
  const std::string chain = NormalizeChain(callee.str);
  const int close = std::min(view_.Partner(open), view_.size() - 1);
  uint32_t name_flags = callee.flags;
  // x.constructor.constructor is the Function constructor reached sideways.
  if (absl::EndsWith(callee.str, "constructor.constructor")) {
    name_flags |= kFoldObfuscated;
  }
  if (rec != nullptr) {
    rec->calls.push_back({chain, name_flags, name_token, open, close});
  }
  FoldedValue out;
  if (FoldBuiltins::Call(*this, chain, callee.flags, name_token, open, depth,
                         rec, &out)) {
    return out;
  }
  uint32_t flags = callee.flags & (kFoldDecoded | kFoldOpaqueDecoder |
                                   kFoldDownloaded | kFoldReadFromFile);
  if (classifier_.IsDownload(chain)) flags |= kFoldDownloaded;
  if (rec == nullptr) flags |= RangeFlags(open + 1, close) & kProvenanceMask;
  return FoldedValue::Alias(absl::StrCat(chain, "()"), flags);
}

}  // namespace forge::cars
