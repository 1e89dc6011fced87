// Internal building blocks shared by the lexers: a bounds-checked cursor
// that tracks line and column, a capped value buffer and a token emitter
// that enforces LexLimits. Not part of the public API.
#ifndef FORGE_CARS_SCAN_CURSOR_H_
#define FORGE_CARS_SCAN_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "cars/lexer.h"
#include "cars/token.h"
#include "cars/utf8.h"

namespace forge::cars {

// A position in the source.
struct SourceMark {
  uint32_t pos = 0;
  uint32_t line = 1;
  uint32_t column = 1;
};

// Walks [begin, end) of a source one byte at a time. Peek past the end
// returns 0, so callers must test AtEnd() where a NUL byte is meaningful.
class ScanCursor {
 public:
  ScanCursor(absl::string_view source, SourceMark start, uint32_t end)
      : source_(source), mark_(start), end_(end) {}

  bool AtEnd() const { return mark_.pos >= end_; }
  // True when at least n more bytes remain.
  bool Has(size_t n) const { return mark_.pos + n <= end_; }
  unsigned char Peek(size_t ahead = 0) const {
    return mark_.pos + ahead < end_
               ? static_cast<unsigned char>(source_[mark_.pos + ahead])
               : 0;
  }
  bool LookingAt(absl::string_view text) const {
    return !text.empty() && Has(text.size()) && source_[mark_.pos] == text[0] &&
           source_.substr(mark_.pos, text.size()) == text;
  }
  void Advance() {
    if (AtEnd()) return;
    const unsigned char c = static_cast<unsigned char>(source_[mark_.pos]);
    ++mark_.pos;
    if (c == '\n') {
      ++mark_.line;
      mark_.column = 1;
    } else if (!IsUtf8Continuation(c)) {
      ++mark_.column;
    }
  }
  void Advance(size_t n) {
    for (size_t i = 0; i < n && !AtEnd(); ++i) Advance();
  }
  // Advance(n) for n ASCII bytes other than newline that are all there (the
  // caller has looked at them), in one step.
  void AdvanceAscii(size_t n) {
    mark_.pos += static_cast<uint32_t>(n);
    mark_.column += static_cast<uint32_t>(n);
  }
  // Moves past a run of blanks (space, tab, CR, FF, and VT when
  // `vertical_tab`) at the cursor.
  void SkipBlanks(bool vertical_tab) {
    size_t n = 0;
    while (mark_.pos + n < end_) {
      const char c = source_[mark_.pos + n];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f' &&
          (c != '\v' || !vertical_tab)) {
        break;
      }
      ++n;
    }
    AdvanceAscii(n);
  }
  // Advance(n) for n bytes that hold no newline and are all there (the
  // caller has looked at them), in one step.
  void AdvanceInLine(size_t n) {
    uint32_t columns = 0;
    for (size_t i = 0; i < n; ++i) {
      columns += !IsUtf8Continuation(
          static_cast<unsigned char>(source_[mark_.pos + i]));
    }
    mark_.pos += static_cast<uint32_t>(n);
    mark_.column += columns;
  }
  // Decodes the code point at the cursor without moving.
  char32_t PeekCodePoint(size_t* length) const {
    return DecodeUtf8At(source_.substr(0, end_), mark_.pos, length);
  }

  const SourceMark& mark() const { return mark_; }
  uint32_t pos() const { return mark_.pos; }
  uint32_t end() const { return end_; }
  absl::string_view source() const { return source_; }
  // The bytes from the cursor to the end.
  absl::string_view Rest() const {
    return AtEnd() ? absl::string_view()
                   : source_.substr(mark_.pos, end_ - mark_.pos);
  }
  absl::string_view Slice(uint32_t from, uint32_t to) const {
    return source_.substr(from, to - from);
  }

 private:
  absl::string_view source_;
  SourceMark mark_;
  uint32_t end_;
};

// Collects a token's decoded value up to a byte cap.
class ValueBuilder {
 public:
  explicit ValueBuilder(size_t cap) : cap_(cap) {}
  void Push(char c) {
    if (value_.size() < cap_) {
      value_.push_back(c);
    } else {
      truncated_ = true;
    }
  }
  void Append(absl::string_view text) {
    const size_t room = value_.size() < cap_ ? cap_ - value_.size() : 0;
    if (text.size() > room) {
      value_.append(text.data(), room);
      truncated_ = true;
      return;
    }
    value_.append(text.data(), text.size());
  }
  void PushCodePoint(char32_t cp) {
    std::string utf8;
    AppendUtf8(cp, &utf8);
    Append(utf8);
  }
  bool truncated() const { return truncated_; }
  std::string Take() { return std::move(value_); }

 private:
  size_t cap_;
  std::string value_;
  bool truncated_ = false;
};

// Appends tokens to a LexedSource until max_tokens.
class TokenEmitter {
 public:
  TokenEmitter(LexedSource* out, const LexLimits& limits)
      : out_(out), limits_(limits) {}

  // False once the token budget is spent; lexers then stop.
  bool Full() const { return out_->truncated; }
  const LexLimits& limits() const { return limits_; }
  LexedSource* out() { return out_; }

  // Appends a token spanning [start.pos, end) and returns its index, or -1
  // when the budget is spent (and marks the output truncated). `value` must
  // view the source, static storage or a string from Keep().
  int Emit(TokenKind kind, const SourceMark& start, uint32_t end,
           absl::string_view value, uint8_t flags = 0) {
    if (out_->tokens.size() >= limits_.max_tokens) {
      out_->truncated = true;
      return -1;
    }
    out_->tokens.push_back(Token{kind, flags, start.pos, end, start.line,
                                 start.column, /*link=*/-1, value});
    return static_cast<int>(out_->tokens.size() - 1);
  }

  // A decoded value for Emit: `as_written` (a view of the source) when the
  // decoding left it unchanged, else `value` moved into the output's store.
  absl::string_view Keep(std::string value, absl::string_view as_written) {
    if (value == as_written) return as_written;
    return Keep(std::move(value));
  }
  absl::string_view Keep(std::string value) {
    if (value.empty()) return absl::string_view("", 0);
    return out_->decoded.emplace_back(std::move(value));
  }
  // `text` cut at max_value_bytes; *truncated is set when it was cut.
  absl::string_view Capped(absl::string_view text, bool* truncated) const {
    if (text.size() <= limits_.max_value_bytes) return text;
    *truncated = true;
    return text.substr(0, limits_.max_value_bytes);
  }

  // The last token emitted, or nullptr.
  const Token* Last() const {
    return out_->tokens.empty() ? nullptr : &out_->tokens.back();
  }

 private:
  LexedSource* out_;
  const LexLimits& limits_;
};

inline bool IsAsciiIdentStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool IsAsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiIdentChar(unsigned char c) {
  return IsAsciiIdentStart(c) || IsAsciiDigit(c);
}
// Brackets and separators: operators that never start a longer one.
inline bool IsSingleCharOperator(unsigned char c) {
  switch (c) {
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case ',':
    case ';':
    case '~':
      return true;
    default:
      return false;
  }
}
inline int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace forge::cars

#endif  // FORGE_CARS_SCAN_CURSOR_H_
