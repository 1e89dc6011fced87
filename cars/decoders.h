// Decoders CARS applies to constants it finds on their way to execution:
// base64 (standard and URL-safe, padding optional), hex, rot13, %-escapes.
// Pure functions; malformed input gives nullopt rather than a guess.
#ifndef FORGE_CARS_DECODERS_H_
#define FORGE_CARS_DECODERS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace forge::cars {

// Whitespace is ignored; '-' and '_' are accepted for '+' and '/'.
std::optional<std::string> DecodeBase64(absl::string_view text);
// Pairs of hex digits; whitespace, ':' and a leading "0x"/"\x" per byte are
// ignored.
std::optional<std::string> DecodeHex(absl::string_view text);
std::string Rot13(absl::string_view text);
// %XX escapes (unescape, decodeURIComponent); malformed ones are kept.
std::string DecodePercent(absl::string_view text);

}  // namespace forge::cars

#endif  // FORGE_CARS_DECODERS_H_
