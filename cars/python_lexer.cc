// Python lexer. Tokens as in the language reference, minus INDENT/DEDENT
// (each token's column gives the indentation). f-string replacement fields
// are lexed as Python right after the string token.
#include <array>
#include <vector>

#include "absl/strings/ascii.h"
#include "cars/escapes.h"
#include "cars/lexer_internal.h"
#include "cars/literal_table.h"
#include "cars/scan_cursor.h"

namespace forge::cars {
namespace {

constexpr std::array<absl::string_view, 35> kKeywords = {
    "False",  "None",   "True",    "and",      "as",       "assert", "async",
    "await",  "break",  "class",   "continue", "def",      "del",    "elif",
    "else",   "except", "finally", "for",      "from",     "global", "if",
    "import", "in",     "is",      "lambda",   "nonlocal", "not",    "or",
    "pass",   "raise",  "return",  "try",      "while",    "with",   "yield"};

constexpr std::array<absl::string_view, 24> kOperators = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**",
    "//",  "<<",  ">>",  "<=",  ">=",  "==", "!=", "+=",
    "-=",  "*=",  "/=",  "%=",  "&=",  "|=", "^=", "@="};

bool IsKeyword(absl::string_view word) {
  static const LiteralTable<kKeywords.size()> table(kKeywords);
  return table.Contains(word);
}

// Interpolated expression of an f-string, lexed after the string token.
struct Replacement {
  SourceMark start;
  uint32_t end;
};

class PythonLexer {
 public:
  PythonLexer(TokenEmitter* emit, int depth) : emit_(emit), depth_(depth) {}

  void Run(ScanCursor& c) {
    while (!c.AtEnd() && !emit_->Full()) {
      const unsigned char ch = c.Peek();
      if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f') {
        c.Advance();
      } else if (ch == '\\' && c.Peek(1) == '\n') {
        c.Advance(2);
      } else if (ch == '\\' && c.Peek(1) == '\r' && c.Peek(2) == '\n') {
        c.Advance(3);
      } else if (ch == '\n') {
        NewLine(c);
      } else if (ch == '#') {
        Comment(c);
      } else if (ch == '"' || ch == '\'') {
        String(c, c.mark(), 0);
      } else if (IsAsciiDigit(ch) || (ch == '.' && IsAsciiDigit(c.Peek(1)))) {
        Number(c);
      } else if (IsAsciiIdentStart(ch) || ch >= 0x80) {
        Name(c);
      } else {
        Operator(c);
      }
    }
  }

 private:
  void NewLine(ScanCursor& c) {
    const SourceMark start = c.mark();
    c.Advance();
    const Token* last = emit_->Last();
    if (brackets_ == 0 && last != nullptr &&
        last->kind != TokenKind::kNewline) {
      emit_->Emit(TokenKind::kNewline, start, start.pos + 1, "\n");
    }
  }

  void Comment(ScanCursor& c) {
    const SourceMark start = c.mark();
    c.Advance();
    const uint32_t body = c.pos();
    while (!c.AtEnd() && c.Peek() != '\n') c.Advance();
    bool truncated = false;
    const absl::string_view value =
        emit_->Capped(c.Slice(body, c.pos()), &truncated);
    emit_->Emit(TokenKind::kComment, start, c.pos(), value,
                truncated ? kTokenTruncated : 0);
  }

  // Scans a string whose prefix (if any) started at `start`; the cursor is
  // on the opening quote. prefix_flags: 'r' raw, 'b' bytes, 'f' formatted.
  void String(ScanCursor& c, SourceMark start, int prefix_flags) {
    const bool raw = prefix_flags & kRaw;
    const bool bytes = prefix_flags & kBytes;
    const bool formatted = prefix_flags & kFormatted;
    const unsigned char quote = c.Peek();
    const bool triple = c.Peek(1) == quote && c.Peek(2) == quote;
    c.Advance(triple ? 3 : 1);
    const uint32_t body = c.pos();
    uint32_t body_end = body;
    bool terminated = false;
    std::vector<Replacement> replacements;
    int brace_depth = 0;  // inside a replacement field of an f-string
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (ch == '\\' && c.Has(2)) {
        c.Advance(2);
        continue;
      }
      if (formatted) {
        if (ch == '{' && brace_depth == 0 && c.Peek(1) == '{') {
          c.Advance(2);
          continue;
        }
        if (ch == '{') {
          if (brace_depth++ == 0) {
            c.Advance();
            replacements.push_back({c.mark(), 0});
            continue;
          }
        } else if (ch == '}' && brace_depth > 0) {
          if (--brace_depth == 0) replacements.back().end = c.pos();
        }
      }
      if (ch == quote &&
          (!triple || (c.Peek(1) == quote && c.Peek(2) == quote))) {
        body_end = c.pos();
        c.Advance(triple ? 3 : 1);
        terminated = true;
        break;
      }
      if (ch == '\n' && !triple) break;
      c.Advance();
    }
    if (!terminated) body_end = c.pos();
    const absl::string_view text = c.Slice(body, body_end);
    uint8_t flags = 0;
    bool truncated = false;
    absl::string_view decoded;
    if (raw || text.find('\\') == absl::string_view::npos) {
      // Nothing to decode: the value is the text as written.
      decoded = emit_->Capped(text, &truncated);
    } else {
      ValueBuilder value(emit_->limits().max_value_bytes);
      DecodePythonEscapes(text, bytes, &value);
      truncated = value.truncated();
      decoded = emit_->Keep(value.Take(), text);
      if (EscapesSpellPlainText(text, decoded)) flags |= kTokenDisguised;
    }
    if (truncated) flags |= kTokenTruncated;
    if (!terminated) flags |= kTokenUnterminated;
    if (bytes) flags |= kTokenBytes;
    if (!replacements.empty()) flags |= kTokenInterpolated;
    emit_->Emit(TokenKind::kString, start, c.pos(), decoded, flags);
    if (depth_ >= emit_->limits().max_nesting) return;
    for (Replacement& r : replacements) {
      if (r.end == 0) r.end = body_end;
      if (r.end < r.start.pos) continue;
      ScanCursor inner(c.source(), r.start, r.end);
      PythonLexer nested(emit_, depth_ + 1);
      nested.Run(inner);
    }
  }

  void Number(ScanCursor& c) {
    const SourceMark start = c.mark();
    const bool hex = c.Peek() == '0' && (c.Peek(1) == 'x' || c.Peek(1) == 'X');
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (IsAsciiIdentChar(ch) || ch == '.') {
        c.Advance();
      } else if ((ch == '+' || ch == '-') && !hex && c.pos() > start.pos &&
                 (c.source()[c.pos() - 1] == 'e' ||
                  c.source()[c.pos() - 1] == 'E')) {
        c.Advance();
      } else {
        break;
      }
    }
    emit_->Emit(TokenKind::kNumber, start, c.pos(),
                c.Slice(start.pos, c.pos()));
  }

  void Name(ScanCursor& c) {
    const SourceMark start = c.mark();
    // The name as written, unless a compatibility form was folded: then
    // `folded` holds the decoded name.
    std::string folded;
    bool is_folded = false;
    // ASCII run first, taken as one slice.
    while (!c.AtEnd() && IsAsciiIdentChar(c.Peek())) c.Advance();
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (IsAsciiIdentChar(ch)) {
        if (is_folded) folded.push_back(static_cast<char>(ch));
        c.Advance();
        continue;
      }
      if (ch < 0x80) break;
      size_t length;
      const char32_t cp = c.PeekCodePoint(&length);
      if (IsInvisibleCodePoint(cp) || cp == 0xA0 || cp == 0x3000 ||
          (cp >= 0x2000 && cp <= 0x200A)) {
        break;
      }
      if (const char ascii = AsciiFoldedFromCompatibilityForm(cp)) {
        if (!is_folded) folded = std::string(c.Slice(start.pos, c.pos()));
        is_folded = true;
        folded.push_back(ascii);
      } else if (is_folded) {
        folded.append(c.source().data() + c.pos(), length);
      }
      c.Advance(length);
    }
    const absl::string_view value = is_folded ? emit_->Keep(std::move(folded))
                                              : c.Slice(start.pos, c.pos());
    if (value.empty()) {  // a lone invisible or space-like code point
      size_t length;
      c.PeekCodePoint(&length);
      c.Advance(length);
      return;
    }
    // String prefixes: r, u, b, f and their two-letter combinations.
    if (!is_folded && value.size() <= 2 &&
        (c.Peek() == '"' || c.Peek() == '\'')) {
      int prefix = 0;
      bool valid = true;
      for (char p : value) {
        p = absl::ascii_tolower(static_cast<unsigned char>(p));
        if (p == 'r')
          prefix |= kRaw;
        else if (p == 'b')
          prefix |= kBytes;
        else if (p == 'f')
          prefix |= kFormatted;
        else if (p != 'u')
          valid = false;
      }
      if (valid) {
        String(c, start, prefix);
        return;
      }
    }
    const TokenKind kind =
        IsKeyword(value) ? TokenKind::kKeyword : TokenKind::kIdentifier;
    emit_->Emit(kind, start, c.pos(), value, is_folded ? kTokenDisguised : 0);
  }

  void Operator(ScanCursor& c) {
    const SourceMark start = c.mark();
    // Brackets and separators never start a longer operator.
    const bool single = IsSingleCharOperator(c.Peek());
    static const LiteralTable<kOperators.size()> table(kOperators);
    if (!single) {
      const absl::string_view op = table.PrefixOf(c.Rest());
      if (!op.empty()) {
        c.Advance(op.size());
        emit_->Emit(TokenKind::kOperator, start, c.pos(), op);
        return;
      }
    }
    const unsigned char ch = c.Peek();
    if (ch == '(' || ch == '[' || ch == '{') ++brackets_;
    if ((ch == ')' || ch == ']' || ch == '}') && brackets_ > 0) --brackets_;
    c.Advance();
    emit_->Emit(TokenKind::kOperator, start, c.pos(),
                c.Slice(start.pos, c.pos()));
  }

  static constexpr int kRaw = 1;
  static constexpr int kBytes = 2;
  static constexpr int kFormatted = 4;

  TokenEmitter* emit_;
  int depth_;
  int brackets_ = 0;
};

}  // namespace

void LexPython(ScanCursor& cursor, TokenEmitter* emit) {
  PythonLexer lexer(emit, 0);
  lexer.Run(cursor);
}

}  // namespace forge::cars
