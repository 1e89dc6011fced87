// Lexers for Python, JavaScript/TypeScript and Bash.
//
// They split source into tokens (token.h) so that later stages can tell a
// call from a word in a comment. They are built for hostile input: code that
// does not parse, invalid UTF-8, NUL bytes, megabyte literals and deep
// nesting all lex in time linear in the input and memory bounded by
// LexLimits; lexing never fails and never crashes. Recovery is local: an
// unterminated string ends at the end of its line (or of input for
// multi-line forms) and is flagged.
//
// Thread-safe: the functions are pure.
#ifndef FORGE_CARS_LEXER_H_
#define FORGE_CARS_LEXER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cars/language.h"
#include "cars/token.h"

namespace forge::cars {

struct LexLimits {
  // Tokens kept; lexing stops (LexedSource::truncated) beyond.
  size_t max_tokens = 1 << 20;
  // Bytes of decoded value kept per token; longer values are cut and
  // flagged kTokenTruncated.
  size_t max_value_bytes = 64 << 10;
  // Nesting of interpolations (f-strings, template literals) lexed as code;
  // deeper ones are kept as opaque string content.
  int max_nesting = 16;
};

// A Bash command or process substitution inside a word: $( ... ), ` ... `,
// <( ... ) or >( ... ). [begin, end) is the inner text.
struct Substitution {
  uint32_t token = 0;  // index of the word holding it
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct LexedSource {
  std::vector<Token> tokens;
  // Values that decoding changed (escapes, folded names), which the tokens
  // view. A deque: growing it never moves a stored string, and moving the
  // LexedSource keeps every view valid.
  std::deque<std::string> decoded;
  // Bash only, in source order.
  std::vector<Substitution> substitutions;
  // True when max_tokens was reached and the rest of the input was skipped.
  bool truncated = false;
};

// Lexes `source`, which must outlive the result: token values view it.
// Sources above 4 GiB are cut at 4 GiB (offsets are 32-bit).
LexedSource Lex(Language language, absl::string_view source,
                const LexLimits& limits = LexLimits());

}  // namespace forge::cars

#endif  // FORGE_CARS_LEXER_H_
