// JavaScript/TypeScript lexer. Template literals are lexed with their ${...}
// expressions as tokens right after the template token; a slash starts a
// regular expression where an operand is expected.
#include <array>
#include <string>

#include "cars/escapes.h"
#include "cars/lexer_internal.h"
#include "cars/literal_table.h"
#include "cars/scan_cursor.h"

namespace forge::cars {
namespace {

constexpr std::array<absl::string_view, 37> kKeywords = {
    "break",    "case",       "catch",  "class",    "const", "continue",
    "debugger", "default",    "delete", "do",       "else",  "export",
    "extends",  "finally",    "for",    "function", "if",    "import",
    "in",       "instanceof", "new",    "return",   "super", "switch",
    "this",     "throw",      "try",    "typeof",   "var",   "void",
    "while",    "with",       "yield",  "let",      "await", "async",
    "of"};

// Longest first.
constexpr std::array<absl::string_view, 40> kOperators = {
    ">>>=", "...", "===", "!==",  "**=", "<<=", ">>=", ">>>", "&&=", "||=",
    "?\?=", "=>",  "==",  "!=",   "<=",  ">=",  "&&",  "||",  "??",  "?.",
    "++",   "--",  "+=",  "-=",   "*=",  "/=",  "%=",  "&=",  "|=",  "^=",
    "**",   "<<",  ">>",  "<!--", "-->", "::",  "#!",  "@@",  "~~",  "!!"};

bool IsKeyword(absl::string_view word) {
  static const LiteralTable<kKeywords.size()> table(kKeywords);
  return table.Contains(word);
}

// Keywords after which a slash begins a regular expression.
bool KeywordExpectsOperand(absl::string_view word) {
  return word == "return" || word == "typeof" || word == "case" ||
         word == "do" || word == "else" || word == "in" || word == "of" ||
         word == "new" || word == "delete" || word == "void" ||
         word == "throw" || word == "yield" || word == "await" ||
         word == "instanceof";
}

class JavaScriptLexer {
 public:
  JavaScriptLexer(TokenEmitter* emit, int depth) : emit_(emit), depth_(depth) {}

  // Lexes until the end, or, inside a template substitution, until the `}`
  // that closes it (left under the cursor).
  void Run(ScanCursor& c, bool in_substitution) {
    int braces = 0;
    if (depth_ == 0 && c.LookingAt("#!")) {
      Comment(c, 2, false);
    }
    while (!c.AtEnd() && !emit_->Full()) {
      const unsigned char ch = c.Peek();
      if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') {
        c.SkipBlanks(/*vertical_tab=*/true);
      } else if (ch == '\n') {
        const SourceMark start = c.mark();
        c.Advance();
        const Token* last = emit_->Last();
        if (last != nullptr && last->kind != TokenKind::kNewline) {
          emit_->Emit(TokenKind::kNewline, start, start.pos + 1, "\n");
        }
      } else if (ch == '/' && c.Peek(1) == '/') {
        Comment(c, 2, false);
      } else if (ch == '/' && c.Peek(1) == '*') {
        Comment(c, 2, true);
      } else if (c.LookingAt("<!--")) {
        Comment(c, 4, false);
      } else if (ch == '"' || ch == '\'') {
        QuotedString(c);
      } else if (ch == '`') {
        Template(c);
      } else if (IsAsciiDigit(ch) || (ch == '.' && IsAsciiDigit(c.Peek(1)))) {
        Number(c);
      } else if (IsAsciiIdentStart(ch) || ch == '$' || ch >= 0x80 ||
                 (ch == '\\' && c.Peek(1) == 'u')) {
        Name(c);
      } else if (ch == '/' && RegexAllowed()) {
        Regex(c);
      } else {
        if (in_substitution) {
          if (ch == '{') ++braces;
          if (ch == '}' && braces-- == 0) return;
        }
        Operator(c);
      }
    }
  }

 private:
  bool RegexAllowed() const {
    const Token* last = emit_->Last();
    if (last == nullptr) return true;
    switch (last->kind) {
      case TokenKind::kIdentifier:
      case TokenKind::kNumber:
      case TokenKind::kString:
      case TokenKind::kRegex:
        return false;
      case TokenKind::kKeyword:
        return KeywordExpectsOperand(last->value);
      case TokenKind::kOperator:
        return !(last->value == ")" || last->value == "]" ||
                 last->value == "}" || last->value == "++" ||
                 last->value == "--");
      default:
        return true;
    }
  }

  void Comment(ScanCursor& c, size_t opener, bool block) {
    const SourceMark start = c.mark();
    c.Advance(opener);
    const uint32_t body = c.pos();
    uint32_t body_end;
    bool terminated = true;
    if (block) {
      while (!c.AtEnd() && !c.LookingAt("*/")) c.Advance();
      body_end = c.pos();
      terminated = !c.AtEnd();
      c.Advance(2);
    } else {
      while (!c.AtEnd() && c.Peek() != '\n') c.Advance();
      body_end = c.pos();
    }
    bool truncated = false;
    const absl::string_view value =
        emit_->Capped(c.Slice(body, body_end), &truncated);
    uint8_t flags = truncated ? kTokenTruncated : 0;
    if (!terminated) flags |= kTokenUnterminated;
    emit_->Emit(TokenKind::kComment, start, c.pos(), value, flags);
  }

  void QuotedString(ScanCursor& c) {
    const SourceMark start = c.mark();
    const unsigned char quote = c.Peek();
    c.Advance();
    const uint32_t body = c.pos();
    bool terminated = false;
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (ch == '\\' && c.Has(2)) {
        c.Advance(2);
      } else if (ch == quote) {
        terminated = true;
        break;
      } else if (ch == '\n') {
        break;
      } else {
        c.Advance();
      }
    }
    const uint32_t body_end = c.pos();
    if (terminated) c.Advance();
    const absl::string_view text = c.Slice(body, body_end);
    uint8_t flags = 0;
    bool truncated = false;
    absl::string_view decoded;
    if (text.find('\\') == absl::string_view::npos) {
      // Nothing to decode: the value is the text as written.
      decoded = emit_->Capped(text, &truncated);
    } else {
      ValueBuilder value(emit_->limits().max_value_bytes);
      DecodeJavaScriptEscapes(text, &value);
      truncated = value.truncated();
      decoded = emit_->Keep(value.Take(), text);
      if (EscapesSpellPlainText(text, decoded)) flags |= kTokenDisguised;
    }
    if (truncated) flags |= kTokenTruncated;
    if (!terminated) flags |= kTokenUnterminated;
    emit_->Emit(TokenKind::kString, start, c.pos(), decoded, flags);
  }

  // `text ${expr} text`: the template token holds the cooked text with each
  // substitution written as ${...} (its source text).
  void Template(ScanCursor& c) {
    const SourceMark start = c.mark();
    c.Advance();
    const int index = emit_->Emit(TokenKind::kString, start, start.pos + 1, "");
    if (index < 0) return;
    ValueBuilder value(emit_->limits().max_value_bytes);
    uint32_t chunk = c.pos();
    bool terminated = false;
    bool interpolated = false;
    while (!c.AtEnd() && !emit_->Full()) {
      const unsigned char ch = c.Peek();
      if (ch == '\\' && c.Has(2)) {
        c.Advance(2);
      } else if (ch == '`') {
        terminated = true;
        break;
      } else if (ch == '$' && c.Peek(1) == '{') {
        DecodeJavaScriptEscapes(c.Slice(chunk, c.pos()), &value);
        const uint32_t expr_start = c.pos();
        c.Advance(2);
        interpolated = true;
        if (depth_ < emit_->limits().max_nesting) {
          JavaScriptLexer nested(emit_, depth_ + 1);
          nested.Run(c, /*in_substitution=*/true);
        } else {
          SkipBalancedBraces(c);
        }
        c.Advance();  // the closing brace
        value.Append(c.Slice(expr_start, c.pos()));
        chunk = c.pos();
      } else {
        c.Advance();
      }
    }
    DecodeJavaScriptEscapes(c.Slice(chunk, c.pos()), &value);
    if (terminated) c.Advance();
    Token& t = emit_->out()->tokens[index];
    t.end = c.pos();
    const bool truncated = value.truncated();
    t.value = emit_->Keep(value.Take(),
                          c.Slice(start.pos + 1, t.end - (terminated ? 1 : 0)));
    if (truncated) t.flags |= kTokenTruncated;
    if (!terminated) t.flags |= kTokenUnterminated;
    if (interpolated) t.flags |= kTokenInterpolated;
  }

  // Past the nesting limit: skips to the brace closing a substitution
  // without lexing it (strings inside are not recognised).
  static void SkipBalancedBraces(ScanCursor& c) {
    int depth = 0;
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (ch == '\\') {
        c.Advance(2);
        continue;
      }
      if (ch == '{') ++depth;
      if (ch == '}' && depth-- == 0) return;
      c.Advance();
    }
  }

  void Regex(ScanCursor& c) {
    const SourceMark start = c.mark();
    c.Advance();
    const uint32_t body = c.pos();
    bool in_class = false;
    bool terminated = false;
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (ch == '\n') break;
      if (ch == '\\' && c.Has(2)) {
        c.Advance(2);
        continue;
      }
      if (ch == '[') in_class = true;
      if (ch == ']') in_class = false;
      if (ch == '/' && !in_class) {
        terminated = true;
        break;
      }
      c.Advance();
    }
    const uint32_t body_end = c.pos();
    if (terminated) {
      c.Advance();
      while (!c.AtEnd() && IsAsciiIdentChar(c.Peek())) c.Advance();
    }
    bool truncated = false;
    const absl::string_view value =
        emit_->Capped(c.Slice(body, body_end), &truncated);
    uint8_t flags = truncated ? kTokenTruncated : 0;
    if (!terminated) flags |= kTokenUnterminated;
    emit_->Emit(TokenKind::kRegex, start, c.pos(), value, flags);
  }

  void Number(ScanCursor& c) {
    const SourceMark start = c.mark();
    const bool hex = c.Peek() == '0' && (c.Peek(1) == 'x' || c.Peek(1) == 'X');
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (IsAsciiIdentChar(ch) || ch == '.') {
        c.Advance();
      } else if ((ch == '+' || ch == '-') && !hex &&
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
    // The name as written, unless it holds a \u escape: then `value` holds
    // the decoded name (`owned`).
    std::string value;
    bool owned = false;
    bool disguised = false;
    // ASCII run first, taken as one slice.
    while (!c.AtEnd() && (IsAsciiIdentChar(c.Peek()) || c.Peek() == '$'))
      c.Advance();
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (IsAsciiIdentChar(ch) || ch == '$') {
        if (owned) value.push_back(static_cast<char>(ch));
        c.Advance();
      } else if (ch == '\\' && c.Peek(1) == 'u') {
        // \uXXXX or \u{X...} inside an identifier names the same code point.
        size_t i = 2;
        char32_t cp = 0;
        const bool braced = c.Peek(2) == '{';
        if (braced) ++i;
        int digits = 0;
        while (HexValue(c.Peek(i)) >= 0 && digits < (braced ? 8 : 4)) {
          cp = cp * 16 + static_cast<char32_t>(HexValue(c.Peek(i)));
          ++i;
          ++digits;
        }
        if (braced && c.Peek(i) == '}') ++i;
        if (!owned) value = std::string(c.Slice(start.pos, c.pos()));
        owned = true;
        if (digits == 0) {
          c.Advance(2);
          break;
        }
        AppendUtf8(cp, &value);
        disguised = true;
        c.Advance(i);
      } else if (ch >= 0x80) {
        size_t length;
        const char32_t cp = c.PeekCodePoint(&length);
        if (IsInvisibleCodePoint(cp) || cp == 0xA0 || cp == 0x3000 ||
            (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029) {
          break;
        }
        if (owned) value.append(c.source().data() + c.pos(), length);
        c.Advance(length);
      } else {
        break;
      }
    }
    if (c.pos() == start.pos) {  // a lone invisible or space-like code point
      size_t length;
      c.PeekCodePoint(&length);
      c.Advance(length);
      return;
    }
    const absl::string_view name =
        owned ? emit_->Keep(std::move(value)) : c.Slice(start.pos, c.pos());
    const TokenKind kind = !disguised && IsKeyword(name)
                               ? TokenKind::kKeyword
                               : TokenKind::kIdentifier;
    emit_->Emit(kind, start, c.pos(), name, disguised ? kTokenDisguised : 0);
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
    c.Advance();
    emit_->Emit(TokenKind::kOperator, start, c.pos(),
                c.Slice(start.pos, c.pos()));
  }

  TokenEmitter* emit_;
  int depth_;
};

}  // namespace

void LexJavaScript(ScanCursor& cursor, TokenEmitter* emit) {
  JavaScriptLexer lexer(emit, 0);
  lexer.Run(cursor, /*in_substitution=*/false);
}

}  // namespace forge::cars
