#include "cars/fold_values.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cars/decoders.h"
#include "cars/utf8.h"

namespace forge::cars::fold {

std::string Text(const FoldedValue& v, uint32_t* flags) {
  if (v.IsString()) return v.str;
  if (v.IsNumber()) {
    if (v.number == std::floor(v.number) && std::fabs(v.number) < 1e15) {
      return absl::StrCat(static_cast<int64_t>(v.number));
    }
    return absl::StrFormat("%g", v.number);
  }
  *flags |= kFoldPartial;
  if (v.IsAlias()) return absl::StrCat("{", v.str, "}");
  return "{?}";
}

std::string CodePointString(double n) {
  std::string out;
  if (!(n >= 0 && n <= 0x10FFFF)) return out;
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
  } else {
    AppendUtf8(static_cast<char32_t>(n), &out);
  }
  return out;
}

FoldedValue Decoded(std::optional<std::string> value, uint32_t arg_flags) {
  const uint32_t flags = (arg_flags & kCarried) | kFoldDecoded;
  if (!value.has_value()) return FoldedValue::Unknown(flags);
  if (value->size() > kMaxString) value->resize(kMaxString);
  return FoldedValue::String(std::move(*value), flags);
}

FoldedValue CharCodes(const std::vector<FoldedValue>& codes, uint32_t flags) {
  std::string out;
  for (const FoldedValue& code : codes) {
    if (code.IsNumber()) {
      out += CodePointString(code.number);
    } else {
      flags |= kFoldPartial;
      out += "{?}";
    }
    flags |= code.flags & kCarried;
    if (out.size() > kMaxString) break;
  }
  return FoldedValue::String(std::move(out), flags | kFoldObfuscated);
}

FoldedValue Join(const std::vector<FoldedValue>& items, const std::string& sep,
                 uint32_t flags) {
  std::string out;
  for (size_t n = 0; n < items.size(); ++n) {
    if (n > 0) out += sep;
    out += Text(items[n], &flags);
    flags |= items[n].flags & kCarried;
    if (out.size() > kMaxString) {
      out.resize(kMaxString);
      break;
    }
  }
  if (items.size() > 1) flags |= kFoldObfuscated;
  return FoldedValue::String(std::move(out), flags);
}

FoldedValue ApplyCodec(const FoldedValue& value, absl::string_view codec,
                       uint32_t flags) {
  const std::string name = absl::AsciiStrToLower(codec);
  if (!value.IsString()) return FoldedValue::Unknown(flags | kFoldDecoded);
  if (name == "rot13" || name == "rot_13" || name == "rot-13") {
    return FoldedValue::String(Rot13(value.str), flags | kFoldDecoded);
  }
  if (name == "hex" || name == "hex_codec")
    return Decoded(DecodeHex(value.str), flags);
  if (name == "base64" || name == "base64_codec" || name == "base_64") {
    return Decoded(DecodeBase64(value.str), flags);
  }
  if (absl::StartsWith(name, "utf") || name == "ascii" || name == "latin-1" ||
      name == "latin1" || name.empty()) {
    return FoldedValue::String(value.str, flags);
  }
  return FoldedValue::Unknown(flags | kFoldDecoded | kFoldOpaqueDecoder);
}

}  // namespace forge::cars::fold
