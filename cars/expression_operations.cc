// ExpressionEvaluator, part two: name normalisation, subscripts, binary
// operations on folded values, groups and comprehensions, arguments and
// provenance scans.
#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "cars/expression_evaluator.h"
#include "cars/fold_builtins.h"

namespace forge::cars {

std::string ExpressionEvaluator::Placeholder(const FoldedValue& v) {
  if (v.IsString()) return v.str;
  if (v.IsNumber()) return absl::StrFormat("%g", v.number);
  if (v.IsAlias()) return absl::StrCat("{", v.str, "}");
  return "{?}";
}

namespace {

// Prefixes that name the global namespace: "builtins.eval" is "eval".
constexpr absl::string_view kRoots[] = {
    "builtins.", "__builtins__.", "globals().",      "locals().",
    "vars().",   "globalThis.",   "window.",         "global.",
    "self.",     "sys.modules.",  "__builtins__().", "Reflect.get()."};

// Whether NormalizeChain can change `chain`: true when one of its rewrites
// applies (a root prefix, "?.", ".__dict__", a constructor chain, .call or
// .apply). Runs for every chain; most have none of these.
bool MayNormalize(absl::string_view chain) {
  if (chain.size() < 3) return false;
  switch (chain[0]) {  // the first bytes of the roots
    case 'b':
    case '_':
    case 'g':
    case 'l':
    case 'v':
    case 'w':
    case 's':
    case 'R':
      for (absl::string_view root : kRoots) {
        if (absl::StartsWith(chain, root)) return true;
      }
      break;
    default:
      break;
  }
  bool dot = false;
  for (size_t k = 0; k + 1 < chain.size(); ++k) {
    if (chain[k] == '?' && chain[k + 1] == '.') return true;
    if (chain[k] != '.') continue;
    dot = true;
    if (chain[k + 1] == '_' && absl::StartsWith(chain.substr(k), ".__dict__"))
      return true;
  }
  return dot &&
         (absl::EndsWith(chain, "constructor.constructor") ||
          absl::EndsWith(chain, ".call") || absl::EndsWith(chain, ".apply"));
}

}  // namespace

std::string ExpressionEvaluator::NormalizeChain(std::string chain) {
  // Fast path: nothing to rewrite (the common case).
  if (!MayNormalize(chain)) return chain;
  if (absl::StrContains(chain, ".__dict__") || absl::StrContains(chain, "?.")) {
    absl::StrReplaceAll({{".__dict__", ""}, {"?.", "."}}, &chain);
  }
  for (bool again = true; again;) {
    again = false;
    for (absl::string_view root : kRoots) {
      if (absl::StartsWith(chain, root) && chain.size() > root.size()) {
        chain.erase(0, root.size());
        again = true;
      }
    }
  }
  if (absl::EndsWith(chain, "constructor.constructor")) return "Function";
  for (absl::string_view suffix : {".call", ".apply"}) {
    if (absl::EndsWith(chain, suffix) && chain.size() > suffix.size()) {
      const std::string base = chain.substr(0, chain.size() - suffix.size());
      if (base == "eval" || base == "Function" || base == "exec") return base;
    }
  }
  return chain;
}

FoldedValue ExpressionEvaluator::Subscript(const FoldedValue& base, int open,
                                           int depth) {
  const int close = std::min(view_.Partner(open), view_.size());
  int colons = 0;
  std::vector<int> parts = {open + 1};
  for (int k = open + 1; k < close; ++k) {
    if (view_[k].IsOp(":")) {
      ++colons;
      parts.push_back(k + 1);
    }
    if (view_.Partner(k) > k) k = view_.Partner(k);
  }
  const uint32_t provenance = base.flags & kProvenanceMask;
  if (colons > 0) {
    // Slices: [::-1] reverses, [a:b] cuts.
    auto part_value = [&](size_t n) -> FoldedValue {
      const int from = parts[n];
      const int to = n + 1 < parts.size() ? parts[n + 1] - 1 : close;
      if (from >= to) return FoldedValue::Unknown();
      int k = from;
      return Expr(k, to, depth + 1, nullptr);
    };
    if (!base.IsString() && !base.IsList())
      return FoldedValue::Unknown(provenance);
    const FoldedValue step =
        colons == 2 ? part_value(2) : FoldedValue::Unknown();
    if (step.IsNumber() && step.number == -1 && parts[1] - 1 == parts[0] &&
        parts[2] - 1 == parts[1]) {
      FoldedValue out = base;
      if (out.IsString()) std::reverse(out.str.begin(), out.str.end());
      if (out.IsList()) std::reverse(out.items.begin(), out.items.end());
      out.flags |= kFoldObfuscated;
      return out;
    }
    if (colons == 1 && base.IsString()) {
      const FoldedValue a = part_value(0);
      const FoldedValue b = part_value(1);
      const int64_t n = static_cast<int64_t>(base.str.size());
      int64_t from = a.IsNumber() ? ClampToInt64(a.number) : 0;
      int64_t to = b.IsNumber() ? ClampToInt64(b.number) : n;
      if (from < 0) from += n;
      if (to < 0) to += n;
      from = std::clamp<int64_t>(from, 0, n);
      to = std::clamp<int64_t>(to, from, n);
      return FoldedValue::String(base.str.substr(from, to - from), base.flags);
    }
    return FoldedValue::Unknown(provenance);
  }
  int k = open + 1;
  const FoldedValue index = Expr(k, close, depth + 1, nullptr);
  if (base.IsAlias()) {
    if (index.IsString()) {
      return FoldedValue::Alias(
          absl::StrCat(base.str, ".", index.str),
          base.flags | kFoldComputedName | (index.flags & kFoldHiddenMask));
    }
    return FoldedValue::Alias(absl::StrCat(base.str, "[?]"),
                              base.flags | kFoldUnknownName);
  }
  if (index.IsNumber() && (base.IsString() || base.IsList())) {
    const int64_t n = static_cast<int64_t>(base.IsString() ? base.str.size()
                                                           : base.items.size());
    int64_t at = ClampToInt64(index.number);
    if (at < 0) at += n;
    if (at < 0 || at >= n) return FoldedValue::Unknown(provenance);
    if (base.IsString())
      return FoldedValue::String(std::string(1, base.str[at]), base.flags);
    FoldedValue item = base.items[at];
    item.flags |= provenance;
    return item;
  }
  return FoldedValue::Unknown(provenance | (index.flags & kProvenanceMask));
}

FoldedValue ExpressionEvaluator::Combine(absl::string_view op, FoldedValue a,
                                         FoldedValue b) {
  const uint32_t flags = (a.flags | b.flags) & (kProvenanceMask | kFoldPartial);
  const bool js = language_ == Language::kJavaScript;
  if (a.IsNumber() && b.IsNumber()) {
    const double x = a.number;
    const double y = b.number;
    const int64_t ix = ClampToInt64(x);
    const int64_t iy = ClampToInt64(y);
    double r;
    if (op == "+")
      r = x + y;
    else if (op == "-")
      r = x - y;
    else if (op == "*")
      r = x * y;
    else if (op == "/")
      r = y == 0 ? 0 : x / y;
    else if (op == "//")
      r = y == 0 ? 0 : std::floor(x / y);
    else if (op == "%")
      r = y == 0 ? 0 : std::fmod(x, y);
    else if (op == "**")
      r = std::pow(x, y);
    else if (op == "<<")
      r = (iy >= 0 && iy < 63) ? std::ldexp(x, static_cast<int>(iy)) : 0;
    else if (op == ">>" || op == ">>>")
      r = (iy >= 0 && iy < 63) ? static_cast<double>(ix >> iy) : 0;
    else if (op == "&")
      r = static_cast<double>(ix & iy);
    else if (op == "|")
      r = static_cast<double>(ix | iy);
    else if (op == "^")
      r = static_cast<double>(ix ^ iy);
    else
      return FoldedValue::Unknown(flags);
    return FoldedValue::Number(r, flags);
  }
  if (op == "+") {
    if (a.IsList() && b.IsList()) {
      for (FoldedValue& item : b.items) {
        if (a.items.size() >= kMaxItems) break;
        a.items.push_back(std::move(item));
      }
      a.flags = flags;
      return a;
    }
    const bool a_text = a.IsString() || (js && a.IsNumber());
    const bool b_text = b.IsString() || (js && b.IsNumber());
    if (a.IsString() || b.IsString()) {
      std::string s = Placeholder(a);
      s += Placeholder(b);
      if (s.size() > kMaxString) s.resize(kMaxString);
      budget_->Spend(static_cast<int64_t>(s.size() / 64));
      const uint32_t partial = (a_text && b_text) ? 0 : kFoldPartial;
      return FoldedValue::String(std::move(s),
                                 flags | partial | kFoldObfuscated);
    }
    return FoldedValue::Unknown(flags);
  }
  if (op == "*") {
    if (b.IsString() || b.IsList()) std::swap(a, b);
    if ((a.IsString() || a.IsList()) && b.IsNumber() && b.number >= 0) {
      const size_t unit = a.IsString() ? a.str.size() : a.items.size();
      const size_t cap = a.IsString() ? kMaxString : kMaxItems;
      const double times = std::min(b.number, static_cast<double>(cap));
      FoldedValue out = a;
      out.flags = flags;
      if (a.IsString()) {
        out.str.clear();
        for (double n = 0;
             n < times && out.str.size() + unit <= cap && unit > 0; ++n) {
          out.str += a.str;
        }
        budget_->Spend(static_cast<int64_t>(out.str.size() / 64));
      } else {
        out.items.clear();
        for (double n = 0;
             n < times && out.items.size() + unit <= cap && unit > 0; ++n) {
          out.items.insert(out.items.end(), a.items.begin(), a.items.end());
        }
        budget_->Spend(static_cast<int64_t>(out.items.size()));
      }
      return out;
    }
    return FoldedValue::Unknown(flags);
  }
  if (op == "%" && a.IsString()) {
    return FoldBuiltins::PercentFormat(a, b, flags);
  }
  // pathlib: Path.home() / ".ssh" / "id_rsa"
  if (op == "/" && (a.IsString() || b.IsString()) &&
      language_ == Language::kPython) {
    std::string path = Placeholder(a);
    if (!path.empty() && path.back() != '/') path.push_back('/');
    path += Placeholder(b);
    const uint32_t partial = (a.IsString() && b.IsString()) ? 0 : kFoldPartial;
    return FoldedValue::String(std::move(path), flags | partial);
  }
  return FoldedValue::Unknown(flags);
}

FoldedValue ExpressionEvaluator::ArgumentValue(const Argument& arg, int depth) {
  if (language_ == Language::kPython) {
    for (int k = arg.begin; k < arg.end; ++k) {
      if (view_[k].Is(TokenKind::kKeyword, "for")) {
        return Comprehension(arg.begin, arg.end, k, depth + 1);
      }
      const int partner = view_.Partner(k);
      if (partner > k) k = partner;
    }
  }
  int k = arg.begin;
  return Expr(k, arg.end, depth + 1, nullptr);
}

std::vector<Argument> ExpressionEvaluator::Arguments(int open) const {
  std::vector<Argument> args;
  Arguments(open, &args);
  return args;
}

void ExpressionEvaluator::Arguments(int open,
                                    std::vector<Argument>* out) const {
  std::vector<Argument>& args = *out;
  args.clear();
  const int close = std::min(view_.Partner(open), view_.size());
  int start = open + 1;
  for (int k = open + 1; k <= close; ++k) {
    if (k == close || view_[k].IsOp(",")) {
      int b = Next(start, k);
      if (b < k) {
        Argument arg;
        if (view_.IsKind(b, TokenKind::kIdentifier) && view_.IsOp(b + 1, "=") &&
            b + 2 <= k) {
          arg.name = view_[b].value;
          b += 2;
        }
        arg.begin = b;
        arg.end = k;
        args.push_back(std::move(arg));
        if (args.size() >= kMaxItems) break;
      }
      start = k + 1;
      continue;
    }
    const int partner = view_.Partner(k);
    if (partner > k) k = std::min(partner, close) - 1;
  }
}

uint32_t ExpressionEvaluator::RangeFlags(int begin, int end) {
  uint32_t flags = 0;
  end = std::min(end, view_.size());
  budget_->Spend(end - begin);
  int names = 0;
  for (int k = std::max(begin, 0); k < end && names < 256; ++k) {
    const Token& t = view_[k];
    if (t.kind != TokenKind::kIdentifier) continue;
    if (k > 0 && (view_[k - 1].IsOp(".") || view_[k - 1].IsOp("?."))) continue;
    ++names;
    auto bound = bindings_.find(t.value);
    if (bound != bindings_.end()) {
      flags |= bound->second.flags & (kProvenanceMask | kFoldHiddenMask);
    }
    // Only calls can decode or download.
    int last = k;
    while (last + 2 < end && view_[last + 1].IsOp(".") &&
           view_[last + 2].kind == TokenKind::kIdentifier) {
      last += 2;
    }
    if (!view_.IsOp(last + 1, "(")) continue;
    std::string chain = bound != bindings_.end() && bound->second.IsAlias()
                            ? bound->second.str
                            : std::string(t.value);
    for (int m = k + 1; m < last; m += 2)
      absl::StrAppend(&chain, ".", view_[m + 1].value);
    chain = NormalizeChain(std::move(chain));
    flags |= FoldBuiltins::DecoderFlags(chain);
    if (classifier_.IsDownload(chain)) flags |= kFoldDownloaded;
  }
  return flags;
}

int ExpressionEvaluator::WalkChain(int start, ChainWalk* out) {
  int i = start;
  Postfix(i, view_.size(), 0, out);
  return std::max(i, start + 1);
}

// ( ... ) or [ ... ]: one value, a tuple/list, or a comprehension.
FoldedValue ExpressionEvaluator::Group(int open, int depth) {
  const int close = std::min(view_.Partner(open), view_.size());
  for (int k = open + 1; k < close; ++k) {
    if (view_[k].Is(TokenKind::kKeyword, "for") &&
        language_ == Language::kPython) {
      return Comprehension(open + 1, close, k, depth);
    }
    if (view_.Partner(k) > k) k = view_.Partner(k);
  }
  const std::vector<Argument> parts = Arguments(open);
  if (parts.size() == 1 && view_[open].IsOp("(")) {
    int k = parts[0].begin;
    return Expr(k, parts[0].end, depth, nullptr);
  }
  if (view_[open].IsOp("(") && language_ == Language::kJavaScript &&
      !parts.empty()) {
    int k = parts.back().begin;
    return Expr(k, parts.back().end, depth, nullptr);  // comma operator
  }
  FoldedValue list;
  list.kind = FoldedValue::Kind::kList;
  for (const Argument& part : parts) {
    if (list.items.size() >= kMaxItems) break;
    int k = part.begin;
    FoldedValue item = Expr(k, part.end, depth, nullptr);
    list.flags |= item.flags & kProvenanceMask;
    list.items.push_back(std::move(item));
  }
  return list;
}

// [EXPR for NAME in ITER] and (EXPR for NAME in ITER); an `if` filter makes
// the result Unknown.
FoldedValue ExpressionEvaluator::Comprehension(int begin, int end,
                                               int for_token, int depth) {
  const int name = for_token + 1;
  int in = -1;
  for (int k = name; k < end; ++k) {
    if (view_[k].Is(TokenKind::kKeyword, "in")) {
      in = k;
      break;
    }
    if (view_[k].Is(TokenKind::kKeyword, "if")) break;
  }
  for (int k = in + 1; in > 0 && k < end; ++k) {
    if (view_[k].Is(TokenKind::kKeyword, "if") ||
        view_[k].Is(TokenKind::kKeyword, "for")) {
      return FoldedValue::Unknown(RangeFlags(begin, end));
    }
    if (view_.Partner(k) > k) k = view_.Partner(k);
  }
  if (in < 0 || !view_.IsKind(name, TokenKind::kIdentifier)) {
    return FoldedValue::Unknown(RangeFlags(begin, end));
  }
  int k = in + 1;
  FoldedValue iterable = Expr(k, end, depth, nullptr);
  if (iterable.IsString()) {
    FoldedValue chars;
    chars.kind = FoldedValue::Kind::kList;
    for (char c : iterable.str)
      chars.items.push_back(FoldedValue::String(std::string(1, c)));
    chars.flags = iterable.flags;
    iterable = std::move(chars);
  }
  if (!iterable.IsList())
    return FoldedValue::Unknown(iterable.flags | RangeFlags(begin, for_token));
  FoldedValue fn;
  fn.kind = FoldedValue::Kind::kFunction;
  fn.fn_param = name;
  fn.fn_begin = begin;
  fn.fn_end = for_token;
  FoldedValue out;
  out.kind = FoldedValue::Kind::kList;
  out.flags = iterable.flags;
  for (const FoldedValue& item : iterable.items) {
    FoldedValue mapped = Apply(fn, item, depth + 1);
    out.flags |= mapped.flags & kProvenanceMask;
    out.items.push_back(std::move(mapped));
    if (budget_->steps < 0) break;
  }
  return out;
}

FoldedValue ExpressionEvaluator::Apply(const FoldedValue& fn,
                                       const FoldedValue& arg, int depth) {
  if (depth > kMaxDepth || !budget_->Spend(1)) return FoldedValue::Unknown();
  if (fn.IsAlias()) {
    FoldedValue out;
    if (FoldBuiltins::CallWithValue(NormalizeChain(fn.str), arg, &out))
      return out;
    return FoldedValue::Unknown(arg.flags & kProvenanceMask);
  }
  if (fn.kind != FoldedValue::Kind::kFunction || fn.fn_param < 0) {
    return FoldedValue::Unknown(arg.flags & kProvenanceMask);
  }
  locals_.emplace_back(view_[fn.fn_param].value, arg);
  int k = fn.fn_begin;
  FoldedValue out = Expr(k, fn.fn_end, depth, nullptr);
  locals_.pop_back();
  return out;
}

}  // namespace forge::cars
