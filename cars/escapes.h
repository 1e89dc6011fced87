// Decoders for the backslash escapes of string literals, used by the lexers
// and by the constant folder. Each takes the raw text between the quotes and
// appends the decoded value to a capped ValueBuilder; malformed escapes are
// kept as written, as the languages do.
#ifndef FORGE_CARS_ESCAPES_H_
#define FORGE_CARS_ESCAPES_H_

#include "absl/strings/string_view.h"
#include "cars/scan_cursor.h"

namespace forge::cars {

// Python: \\ \' \" \a \b \f \n \r \t \v \ooo \xhh, and for str (not bytes)
// \uXXXX \UXXXXXXXX. Backslash-newline is a continuation. `bytes` makes \xhh
// and \ooo raw bytes instead of code points.
void DecodePythonEscapes(absl::string_view body, bool bytes, ValueBuilder* out);

// JavaScript: \\ \' \" \` \b \f \n \r \t \v \0 \xhh \uXXXX \u{X...} and
// legacy octal; backslash-newline is a continuation.
void DecodeJavaScriptEscapes(absl::string_view body, ValueBuilder* out);

// ANSI-C quoting as in Bash $'...', printf formats and echo -e: \a \b \e \E
// \f \n \r \t \v \\ \' \" \? \nnn (also \0nnn) \xHH \uHHHH \UHHHHHHHH \cX.
void DecodeAnsiCEscapes(absl::string_view body, ValueBuilder* out);

// True when `body` (raw literal text) uses numeric escapes (\x, \u, \U,
// octal) and `decoded` is plain printable ASCII: escapes were used to spell
// ordinary text, which hides it from a reader.
bool EscapesSpellPlainText(absl::string_view body, absl::string_view decoded);

}  // namespace forge::cars

#endif  // FORGE_CARS_ESCAPES_H_
