// Tokens produced by the CARS lexers (lexer.h). A token knows where it is in
// the source (byte range, 1-based line and column) and, for strings and
// identifiers, what it means after decoding (escapes processed, quotes
// removed, compatibility forms folded). The value is a view: into the
// source when decoding left the text as written (almost every token), else
// into the LexedSource's store of decoded values.
#ifndef FORGE_CARS_TOKEN_H_
#define FORGE_CARS_TOKEN_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace forge::cars {

enum class TokenKind : uint8_t {
  kIdentifier,
  kKeyword,
  // A string literal; `value` holds the decoded content.
  kString,
  kComment,
  kNumber,
  kOperator,
  // JavaScript regular-expression literal; `value` is the pattern.
  kRegex,
  // Bash word (argument, command name, assignment); `value` is the word with
  // quotes removed and escapes decoded, expansions kept as written.
  kWord,
  // End of a logical line (Python outside brackets, Bash, JavaScript).
  kNewline,
};

// Bit flags on a token.
enum TokenFlag : uint8_t {
  // `value` was cut at LexLimits::max_value_bytes.
  kTokenTruncated = 1 << 0,
  // The string or comment ran to the end of input without its terminator.
  kTokenUnterminated = 1 << 1,
  // f-string or template literal: holds interpolated expressions, which are
  // lexed as tokens right after this one.
  kTokenInterpolated = 1 << 2,
  // Identifier spelled with escapes or compatibility characters that the
  // language folds to the plain ASCII name in `value` (e.g. "\u0065val",
  // fullwidth letters in Python), or a string whose numeric escapes spell
  // plain ASCII text ("\x65\x76\x61\x6c").
  kTokenDisguised = 1 << 3,
  // Bytes literal (Python b"...").
  kTokenBytes = 1 << 4,
  // Bash word containing quotes or backslash escapes.
  kTokenQuoted = 1 << 5,
  // Bash word containing a $-expansion, backquote or process substitution.
  kTokenExpands = 1 << 6,
  // Bash here-document body; the token's `link` on the `<<` operator points
  // to it.
  kTokenHeredoc = 1 << 7,
};

struct Token {
  TokenKind kind;
  uint8_t flags = 0;
  // Byte range [begin, end) in the source.
  uint32_t begin = 0;
  uint32_t end = 0;
  // 1-based; the column counts code points.
  uint32_t line = 0;
  uint32_t column = 0;
  // For a Bash `<<` operator: index of its here-document token, or -1.
  int32_t link = -1;
  // Decoded value (see TokenKind); operators and numbers hold their text.
  // Views the source or LexedSource::decoded: valid while both live.
  absl::string_view value;

  // Literal comparisons; the length check comes first and the compare is
  // inlined (this is the analyses' hottest operation).
  template <size_t N>
  bool Is(TokenKind k, const char (&text)[N]) const {
    return kind == k && value.size() == N - 1 &&
           std::memcmp(value.data(), text, N - 1) == 0;
  }
  template <size_t N>
  bool IsOp(const char (&text)[N]) const {
    return Is(TokenKind::kOperator, text);
  }
  template <size_t N>
  bool ValueIs(const char (&text)[N]) const {
    return value.size() == N - 1 && std::memcmp(value.data(), text, N - 1) == 0;
  }
  bool Has(TokenFlag flag) const { return (flags & flag) != 0; }
};

}  // namespace forge::cars

#endif  // FORGE_CARS_TOKEN_H_
