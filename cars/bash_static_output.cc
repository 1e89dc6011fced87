// What echo/printf pipelines through decoders produce, computed without
// running anything (bash_script.h EvaluateStatically).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "cars/bash_script.h"
#include "cars/decoders.h"
#include "cars/escapes.h"
#include "cars/folded_value.h"
#include "cars/scan_cursor.h"

namespace forge::cars {
namespace {

constexpr size_t kMaxValue = 64 << 10;

// tr SET1 SET2 with a-z ranges; tr -d SET.
std::string ExpandSet(absl::string_view set) {
  std::string out;
  for (size_t i = 0; i < set.size(); ++i) {
    if (i + 2 < set.size() && set[i + 1] == '-') {
      for (int c = static_cast<unsigned char>(set[i]);
           c <= static_cast<unsigned char>(set[i + 2]) && out.size() < 512;
           ++c) {
        out.push_back(static_cast<char>(c));
      }
      i += 2;
    } else {
      out.push_back(set[i]);
    }
  }
  return out;
}

std::optional<StaticOutput> Source(const BashCommand& cmd) {
  for (const BashRedirect& r : cmd.redirects) {
    if (r.op == "<<<") return StaticOutput{r.target.text, r.target.flags, true};
  }
  if (cmd.words.empty()) return std::nullopt;
  const std::string name = CommandBaseName(cmd.words[0].text);
  if (name == "echo") {
    size_t i = 1;
    bool escapes = false;
    while (i < cmd.words.size() && cmd.words[i].text.size() > 1 &&
           cmd.words[i].text[0] == '-' &&
           cmd.words[i].text.find_first_not_of("neE", 1) == std::string::npos) {
      escapes = escapes || cmd.words[i].text.find('e') != std::string::npos;
      ++i;
    }
    StaticOutput out;
    std::vector<std::string> parts;
    for (; i < cmd.words.size(); ++i) {
      parts.push_back(cmd.words[i].text);
      out.flags |= cmd.words[i].flags;
    }
    const std::string joined = absl::StrJoin(parts, " ");
    if (escapes || joined.find("\\x") != std::string::npos) {
      ValueBuilder value(kMaxValue);
      DecodeAnsiCEscapes(joined, &value);
      out.text = value.Take();
      if (out.text != joined) out.flags |= kFoldObfuscated;
    } else {
      out.text = joined;
    }
    return out;
  }
  if (name == "printf" && cmd.words.size() >= 2) {
    size_t f = 1;
    if (cmd.words[f].text == "--") ++f;
    if (f >= cmd.words.size()) return std::nullopt;
    ValueBuilder format(kMaxValue);
    DecodeAnsiCEscapes(cmd.words[f].text, &format);
    const std::string fmt = format.Take();
    StaticOutput out;
    out.flags = cmd.words[f].flags;
    if (fmt != cmd.words[f].text) out.flags |= kFoldObfuscated;
    size_t arg = f + 1;
    for (size_t i = 0; i < fmt.size(); ++i) {
      if (fmt[i] == '%' && i + 1 < fmt.size()) {
        const char spec = fmt[++i];
        if (spec == '%') {
          out.text.push_back('%');
        } else if (arg < cmd.words.size()) {
          if (spec == 'b') {
            ValueBuilder v(kMaxValue);
            DecodeAnsiCEscapes(cmd.words[arg].text, &v);
            out.text += v.Take();
            out.flags |= kFoldObfuscated;
          } else {
            out.text += cmd.words[arg].text;
          }
          out.flags |= cmd.words[arg].flags;
          ++arg;
        }
      } else {
        out.text.push_back(fmt[i]);
      }
    }
    return out;
  }
  return std::nullopt;
}

bool HasFlag(const BashCommand& cmd, absl::string_view a,
             absl::string_view b = "") {
  for (size_t i = 1; i < cmd.words.size(); ++i) {
    const std::string& w = cmd.words[i].text;
    if (w == a || (!b.empty() && w == b)) return true;
    // Combined short options: -di, -rp
    if (a.size() == 2 && a[0] == '-' && w.size() > 2 && w[0] == '-' &&
        w[1] != '-' && w.find(a[1]) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool Transform(const BashCommand& cmd, StaticOutput* v) {
  if (cmd.words.empty()) return false;
  const std::string name = CommandBaseName(cmd.words[0].text);
  if (name == "base64" && HasFlag(cmd, "-d", "--decode")) {
    auto decoded = DecodeBase64(v->text);
    v->flags |= kFoldDecoded;
    v->known = v->known && decoded.has_value();
    v->text = decoded.value_or("");
    return true;
  }
  if (name == "base64" || name == "base32") {  // encoding, or base32 -d
    v->flags |= HasFlag(cmd, "-d", "--decode") ? kFoldDecoded : 0;
    v->known = false;
    return true;
  }
  if (name == "xxd" && HasFlag(cmd, "-r")) {
    auto decoded = DecodeHex(v->text);
    v->flags |= kFoldDecoded;
    v->known = v->known && decoded.has_value();
    v->text = decoded.value_or("");
    return true;
  }
  if (name == "rev") {
    std::reverse(v->text.begin(), v->text.end());
    while (!v->text.empty() && v->text.front() == '\n') v->text.erase(0, 1);
    v->flags |= kFoldObfuscated;
    return true;
  }
  if (name == "tr" && cmd.words.size() >= 3) {
    if (cmd.words[1].text == "-d") {
      const std::string set = ExpandSet(cmd.words[2].text);
      std::string out;
      for (char c : v->text) {
        if (set.find(c) == std::string::npos) out.push_back(c);
      }
      v->text = std::move(out);
    } else {
      const std::string from = ExpandSet(cmd.words[1].text);
      const std::string to = ExpandSet(cmd.words[2].text);
      if (to.empty()) return false;
      for (char& c : v->text) {
        const size_t at = from.find(c);
        if (at != std::string::npos) c = to[std::min(at, to.size() - 1)];
      }
    }
    v->flags |= kFoldObfuscated;
    return true;
  }
  if (name == "cat" && cmd.words.size() == 1) return true;
  if (name == "gunzip" || name == "zcat" || name == "xz" || name == "unxz" ||
      name == "bzip2" || name == "bunzip2" || name == "openssl" ||
      name == "gzip" || name == "uudecode" || name == "zstd" ||
      name == "lzma") {
    v->flags |= kFoldDecoded | kFoldOpaqueDecoder;
    v->known = false;
    if (name == "openssl" && HasFlag(cmd, "-d") &&
        (HasFlag(cmd, "base64") || HasFlag(cmd, "-base64") ||
         HasFlag(cmd, "-a"))) {
      auto decoded = DecodeBase64(v->text);
      v->known = decoded.has_value() && cmd.words.size() <= 4;
      v->text = decoded.value_or("");
      if (v->known) v->flags &= ~kFoldOpaqueDecoder;
    }
    return true;
  }
  return false;
}

}  // namespace

std::string CommandBaseName(absl::string_view word) {
  const size_t slash = word.rfind('/');
  if (slash != absl::string_view::npos && slash + 1 < word.size())
    word = word.substr(slash + 1);
  return std::string(word);
}

std::optional<StaticOutput> EvaluateStatically(
    const std::vector<BashCommand>& commands, size_t first, size_t last) {
  if (first > last || last >= commands.size()) return std::nullopt;
  std::optional<StaticOutput> value = Source(commands[first]);
  if (!value.has_value()) return std::nullopt;
  for (size_t i = first + 1; i <= last; ++i) {
    if (!Transform(commands[i], &*value)) return std::nullopt;
  }
  return value;
}

}  // namespace forge::cars
