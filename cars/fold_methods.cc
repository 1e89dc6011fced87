// The string, list and number methods the constant folder evaluates, and
// Python's %-formatting (FoldBuiltins, part two).
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cars/fold_builtins.h"
#include "cars/fold_values.h"

namespace forge::cars {

using fold::ApplyCodec;
using fold::CharCodes;
using fold::CodePointString;
using fold::Decoded;
using fold::Join;
using fold::kCarried;
using fold::kMaxItems;
using fold::kMaxString;
using fold::Text;

FoldedValue FoldBuiltins::PercentFormat(const FoldedValue& fmt,
                                        const FoldedValue& args,
                                        uint32_t flags) {
  std::vector<FoldedValue> values;
  if (args.IsList()) {
    values = args.items;
  } else {
    values.push_back(args);
  }
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.str.size(); ++i) {
    const char c = fmt.str[i];
    if (c != '%' || i + 1 >= fmt.str.size()) {
      out.push_back(c);
      continue;
    }
    const char spec = fmt.str[++i];
    if (spec == '%') {
      out.push_back('%');
      continue;
    }
    if (next >= values.size()) {
      flags |= kFoldPartial;
      continue;
    }
    const FoldedValue& v = values[next++];
    if (spec == 'c' && v.IsNumber()) {
      out += CodePointString(v.number);
    } else {
      out += Text(v, &flags);
    }
    if (out.size() > kMaxString) break;
  }
  return FoldedValue::String(std::move(out), flags | kFoldObfuscated);
}

bool FoldBuiltins::Method(ExpressionEvaluator& ev, const FoldedValue& receiver,
                          absl::string_view name, int open, int depth,
                          FoldedValue* out) {
  const std::vector<Argument> args = ev.Arguments(open);
  auto arg = [&](size_t n) -> FoldedValue {
    if (n >= args.size()) return FoldedValue::Unknown();
    return ev.ArgumentValue(args[n], depth);
  };
  uint32_t flags = receiver.flags & kCarried;
  const bool js = ev.language_ == Language::kJavaScript;
  if (receiver.IsNumber()) {
    if (name != "toString") return false;
    const FoldedValue radix = arg(0);
    int base = radix.IsNumber() && radix.number >= 2 && radix.number <= 36
                   ? static_cast<int>(radix.number)
                   : 10;
    if (!(receiver.number >= 0 && receiver.number <= 1e15)) return false;
    auto n = static_cast<uint64_t>(receiver.number);
    std::string digits;
    do {
      const int d = static_cast<int>(n % base);
      digits.push_back(static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10));
      n /= base;
    } while (n > 0);
    std::reverse(digits.begin(), digits.end());
    *out =
        FoldedValue::String(digits, flags | (base != 10 ? kFoldObfuscated : 0));
    return true;
  }
  if (receiver.IsList()) {
    if (name == "join") {
      const FoldedValue sep = arg(0);
      *out = Join(receiver.items, sep.IsString() ? sep.str : ",", flags);
    } else if (name == "reverse") {
      *out = receiver;
      std::reverse(out->items.begin(), out->items.end());
      out->flags |= kFoldObfuscated;
    } else if (name == "map") {
      const FoldedValue fn = arg(0);
      FoldedValue list;
      list.kind = FoldedValue::Kind::kList;
      list.flags = flags;
      for (const FoldedValue& item : receiver.items) {
        list.items.push_back(ev.Apply(fn, item, depth + 1));
      }
      *out = std::move(list);
    } else if (name == "concat") {
      *out = receiver;
      for (size_t n = 0; n < args.size(); ++n) {
        FoldedValue more = arg(n);
        if (more.IsList()) {
          for (FoldedValue& item : more.items)
            out->items.push_back(std::move(item));
        } else {
          out->items.push_back(std::move(more));
        }
        if (out->items.size() > kMaxItems) out->items.resize(kMaxItems);
      }
    } else {
      return false;
    }
    return true;
  }
  if (!receiver.IsString()) return false;
  const std::string& s = receiver.str;
  if (name == "join") {
    const FoldedValue items = arg(0);
    if (items.IsList()) {
      *out = Join(items.items, s, flags | (items.flags & kCarried));
    } else if (items.IsString()) {
      std::vector<FoldedValue> chars;
      for (char c : items.str)
        chars.push_back(FoldedValue::String(std::string(1, c)));
      *out = Join(chars, s, flags | (items.flags & kCarried));
    } else {
      *out = FoldedValue::Unknown(flags | (items.flags & kCarried));
    }
  } else if (name == "decode" || name == "encode") {
    const FoldedValue codec = arg(0);
    *out = codec.IsString() ? ApplyCodec(receiver, codec.str, flags) : receiver;
  } else if (name == "replace" || name == "replaceAll") {
    std::string from;
    bool all = !js || name == "replaceAll";
    if (!args.empty() && args[0].end == args[0].begin + 1 &&
        ev.view_[args[0].begin].kind == TokenKind::kRegex) {
      // Only literal patterns; /x/g (any flags after the slash) replaces all.
      const Token& re = ev.view_[args[0].begin];
      from = std::string(re.value);
      all = re.end - re.begin > from.size() + 2;
      if (from.find_first_of("\\^$.|?*+()[]{}") != std::string::npos)
        return false;
    } else {
      const FoldedValue f = arg(0);
      if (!f.IsString()) return false;
      from = f.str;
    }
    const FoldedValue to = arg(1);
    if (!to.IsString() || from.empty()) return false;
    std::string result;
    size_t pos = 0;
    while (true) {
      const size_t hit = s.find(from, pos);
      if (hit == std::string::npos) break;
      result.append(s, pos, hit - pos);
      result += to.str;
      pos = hit + from.size();
      if (!all || result.size() > kMaxString) break;
    }
    result.append(s, std::min(pos, s.size()), std::string::npos);
    *out = FoldedValue::String(std::move(result), flags | kFoldObfuscated);
  } else if (name == "lower" || name == "toLowerCase" || name == "casefold") {
    *out = FoldedValue::String(absl::AsciiStrToLower(s), flags);
  } else if (name == "upper" || name == "toUpperCase") {
    *out = FoldedValue::String(absl::AsciiStrToUpper(s), flags);
  } else if (name == "strip" || name == "trim" || name == "lstrip" ||
             name == "rstrip" || name == "trimStart" || name == "trimEnd") {
    *out =
        FoldedValue::String(std::string(absl::StripAsciiWhitespace(s)), flags);
  } else if (name == "split") {
    const FoldedValue sep = arg(0);
    FoldedValue list;
    list.kind = FoldedValue::Kind::kList;
    list.flags = flags;
    std::vector<std::string> parts;
    if (sep.IsString() && sep.str.empty()) {
      for (char c : s) parts.emplace_back(1, c);
    } else if (sep.IsString()) {
      parts = absl::StrSplit(s, sep.str);
    } else if (args.empty() && !js) {
      parts = absl::StrSplit(s, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    } else {
      return false;
    }
    for (std::string& part : parts) {
      if (list.items.size() >= kMaxItems) break;
      list.items.push_back(FoldedValue::String(std::move(part)));
    }
    *out = std::move(list);
  } else if (name == "format") {
    std::string result;
    size_t next = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
        result.push_back('{');
        ++i;
      } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
        result.push_back('}');
        ++i;
      } else if (s[i] == '{') {
        const size_t close = s.find('}', i);
        if (close == std::string::npos) break;
        const std::string field = s.substr(i + 1, close - i - 1);
        size_t index = next++;
        if (!field.empty() && absl::ascii_isdigit(field[0]))
          index = std::strtoul(field.c_str(), nullptr, 10);
        result += (field.empty() || absl::ascii_isdigit(field[0]))
                      ? Text(arg(index), &flags)
                      : (flags |= kFoldPartial, "{?}");
        i = close;
      } else {
        result.push_back(s[i]);
      }
      if (result.size() > kMaxString) break;
    }
    *out = FoldedValue::String(std::move(result), flags | kFoldObfuscated);
  } else if (name == "toString" || name == "valueOf" ||
             name == "toLocaleString") {
    const FoldedValue encoding = arg(0);
    if (encoding.IsString() &&
        (encoding.str == "base64" || encoding.str == "hex"))
      return false;
    *out = receiver;
  } else if (name == "concat") {
    std::string result = s;
    for (size_t n = 0; n < args.size() && result.size() < kMaxString; ++n) {
      result += Text(arg(n), &flags);
    }
    *out = FoldedValue::String(std::move(result), flags | kFoldObfuscated);
  } else if (name == "repeat") {
    const FoldedValue times = arg(0);
    if (!times.IsNumber() || times.number < 0) return false;
    std::string result;
    for (double n = 0; n < times.number &&
                       result.size() + s.size() <= kMaxString && !s.empty();
         ++n) {
      result += s;
    }
    *out = FoldedValue::String(std::move(result), flags);
  } else if (name == "charAt" || name == "at") {
    const FoldedValue at = arg(0);
    if (!at.IsNumber() ||
        !(at.number >= 0 && at.number < static_cast<double>(s.size())))
      return false;
    *out =
        FoldedValue::String(std::string(1, s[static_cast<size_t>(at.number)]),
                            flags | kFoldObfuscated);
  } else if (name == "charCodeAt" || name == "codePointAt") {
    const FoldedValue at = arg(0);
    const size_t n =
        at.IsNumber()
            ? static_cast<size_t>(std::max<int64_t>(0, ClampToInt64(at.number)))
            : 0;
    if (n >= s.size()) return false;
    *out = FoldedValue::Number(static_cast<unsigned char>(s[n]), flags);
  } else if (name == "slice" || name == "substring" || name == "substr") {
    const FoldedValue a = arg(0);
    const FoldedValue b = arg(1);
    const auto size = static_cast<int64_t>(s.size());
    // Bounds beyond ±size slice the same as ±size; clamping first keeps
    // the arithmetic below from overflowing.
    int64_t from =
        a.IsNumber() ? std::clamp<int64_t>(ClampToInt64(a.number), -size, size)
                     : 0;
    int64_t to = b.IsNumber()
                     ? std::clamp<int64_t>(ClampToInt64(b.number), -size, size)
                     : size;
    if (name == "substr" && b.IsNumber())
      to = (from < 0 ? from + size : from) + std::max<int64_t>(to, 0);
    if (from < 0) from = name == "substring" ? 0 : from + size;
    if (to < 0) to = name == "substring" ? 0 : to + size;
    from = std::clamp<int64_t>(from, 0, size);
    to = std::clamp<int64_t>(to, from, size);
    *out =
        FoldedValue::String(s.substr(from, to - from), flags | kFoldObfuscated);
  } else {
    return false;
  }
  return true;
}

}  // namespace forge::cars
