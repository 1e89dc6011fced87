// Small UTF-8 helpers for code that must never trust its input: decoding
// never reads past the end, never loops forever, and maps every malformed
// sequence to one replacement step of exactly one byte.
#ifndef FORGE_CARS_UTF8_H_
#define FORGE_CARS_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace forge::cars {

// U+FFFD, returned for malformed input.
inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes the code point starting at text[pos]. Sets *length to the number of
// bytes it occupies (1 for a malformed or truncated sequence, so a caller
// always makes progress). Returns kReplacementCharacter for malformed input,
// overlong forms, surrogates and values above U+10FFFF. pos must be < size.
char32_t DecodeUtf8At(absl::string_view text, size_t pos, size_t* length);

// Appends the UTF-8 form of `cp`; surrogates and values above U+10FFFF are
// appended as U+FFFD.
void AppendUtf8(char32_t cp, std::string* out);

// True for a byte that continues a multi-byte sequence (10xxxxxx).
inline bool IsUtf8Continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Returns `text` as valid, printable UTF-8 for a human reader: malformed
// bytes become "\xNN", control characters (other than tab) become "\xNN" or
// "\n", and invisible or direction-changing code points (zero-width, bidi
// controls, Unicode tag characters, BOM) become "\u{XXXX}" so that the
// reader sees them instead of being misled by them.
std::string EscapeForDisplay(absl::string_view text);

// True for code points that render as nothing or reorder text around them:
// zero-width characters, bidi embeddings/overrides/isolates, tag characters,
// BOM, soft hyphen, word joiner and friends.
bool IsInvisibleCodePoint(char32_t cp);

// True for the bidi embedding, override and isolate controls used to make
// code render differently from how it runs.
bool IsBidiControl(char32_t cp);

// True for Unicode tag characters U+E0000..U+E007F, which can smuggle ASCII
// text that no editor shows.
inline bool IsTagCharacter(char32_t cp) {
  return cp >= 0xE0000 && cp <= 0xE007F;
}

// Maps compatibility forms of ASCII letters and digits that Python's NFKC
// identifier normalisation folds to ASCII (fullwidth forms, mathematical
// alphanumeric symbols) to that ASCII character; returns 0 otherwise.
char AsciiFoldedFromCompatibilityForm(char32_t cp);

}  // namespace forge::cars

#endif  // FORGE_CARS_UTF8_H_
