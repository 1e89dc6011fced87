#include "cars/lexer.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "cars/lexer_internal.h"
#include "cars/scan_cursor.h"

namespace forge::cars {

LexedSource Lex(Language language, absl::string_view source,
                const LexLimits& limits) {
  constexpr size_t kMaxSource = std::numeric_limits<uint32_t>::max() - 1;
  source = source.substr(0, std::min(source.size(), kMaxSource));
  // Values are views of the source: never without a data pointer, even
  // when empty (they reach memcpy and hashing).
  if (source.data() == nullptr) source = absl::string_view("", 0);
  LexedSource out;
  // Ordinary code has about one token per two or three bytes; reserving
  // for one per two avoids regrowing the vector on the way.
  out.tokens.reserve(
      std::min<size_t>(source.size() / 2 + 16, limits.max_tokens));
  TokenEmitter emit(&out, limits);
  ScanCursor cursor(source, SourceMark{}, static_cast<uint32_t>(source.size()));
  switch (language) {
    case Language::kPython:
      LexPython(cursor, &emit);
      break;
    case Language::kJavaScript:
      LexJavaScript(cursor, &emit);
      break;
    case Language::kBash:
      LexBash(cursor, &emit);
      break;
  }
  return out;
}

}  // namespace forge::cars
