// Bash lexer: words (quotes removed, escapes and $'...' decoded, expansions
// kept as written), operators and redirections, comments, newlines and
// here-document bodies. Command and process substitutions are recorded as
// spans (LexedSource::substitutions) for the analysis to lex on its own.
#include <array>
#include <string>
#include <vector>

#include "cars/escapes.h"
#include "cars/lexer_internal.h"
#include "cars/literal_table.h"
#include "cars/scan_cursor.h"

namespace forge::cars {
namespace {

// Longest first. Redirections may carry a leading fd number (handled apart).
constexpr std::array<absl::string_view, 22> kOperators = {
    ";;&", "<<<", "<<-", "&>>", "&&", "||", ";;", ";&", "|&", "<<", "<>",
    "<&",  ">>",  ">&",  ">|",  "&>", "|",  "&",  ";",  "(",  ")",  "<"};

bool IsMeta(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' ||
         c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
}

struct PendingHeredoc {
  int op_token;
  std::string delimiter;
  bool strip_tabs;
};

class BashLexer {
 public:
  explicit BashLexer(TokenEmitter* emit) : emit_(emit) {}

  void Run(ScanCursor& c) {
    while (!c.AtEnd() && !emit_->Full()) {
      const unsigned char ch = c.Peek();
      if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f') {
        c.Advance();
      } else if (ch == '\\' && c.Peek(1) == '\n') {
        c.Advance(2);
      } else if (ch == '\n') {
        NewLine(c);
      } else if (ch == '#') {
        Comment(c);
      } else if ((ch == '<' || ch == '>') && c.Peek(1) == '(') {
        Word(c);  // process substitution
      } else if (ch == '>' || (ch != '(' && ch != ')' && IsMeta(ch))) {
        Operator(c);
      } else if (ch == '(' || ch == ')') {
        Operator(c);
      } else if (IsAsciiDigit(ch) && RedirectionAfterDigits(c)) {
        Operator(c);
      } else {
        Word(c);
      }
    }
    if (!pending_.empty()) ReadHeredocs(c);
  }

 private:
  // "2>&1", "0<file": digits directly followed by a redirection.
  static bool RedirectionAfterDigits(const ScanCursor& c) {
    size_t i = 0;
    while (IsAsciiDigit(c.Peek(i))) ++i;
    return c.Peek(i) == '<' || c.Peek(i) == '>';
  }

  void NewLine(ScanCursor& c) {
    const SourceMark start = c.mark();
    c.Advance();
    if (!pending_.empty()) ReadHeredocs(c);
    const Token* last = emit_->Last();
    if (last != nullptr && last->kind != TokenKind::kNewline) {
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

  void Operator(ScanCursor& c) {
    const SourceMark start = c.mark();
    while (IsAsciiDigit(c.Peek())) c.Advance();
    static const LiteralTable<kOperators.size()> table(kOperators);
    absl::string_view op = table.PrefixOf(c.Rest());
    if (op.empty()) op = c.Rest().substr(0, 1);
    c.Advance(op.size());
    const int index = emit_->Emit(TokenKind::kOperator, start, c.pos(),
                                  c.Slice(start.pos, c.pos()));
    if (index >= 0 && (op == "<<" || op == "<<-"))
      HeredocDelimiter(c, index, op == "<<-");
  }

  void HeredocDelimiter(ScanCursor& c, int op_token, bool strip_tabs) {
    while (c.Peek() == ' ' || c.Peek() == '\t') c.Advance();
    if (c.AtEnd() || IsMeta(c.Peek())) return;
    const int word = Word(c);
    if (word < 0) return;
    pending_.push_back(
        {op_token, std::string(emit_->out()->tokens[word].value), strip_tabs});
  }

  // Reads the bodies of pending here-documents, which start at the cursor
  // (the beginning of the line after the operator).
  void ReadHeredocs(ScanCursor& c) {
    for (const PendingHeredoc& h : pending_) {
      const SourceMark start = c.mark();
      ValueBuilder value(emit_->limits().max_value_bytes);
      bool terminated = false;
      while (!c.AtEnd()) {
        const uint32_t line_start = c.pos();
        while (!c.AtEnd() && c.Peek() != '\n') c.Advance();
        absl::string_view line = c.Slice(line_start, c.pos());
        if (h.strip_tabs) {
          while (!line.empty() && line.front() == '\t') line.remove_prefix(1);
        }
        if (line == h.delimiter) {
          terminated = true;
          c.Advance();
          break;
        }
        value.Append(c.Slice(line_start, c.pos()));
        if (!c.AtEnd()) value.Push('\n');
        c.Advance();
      }
      uint8_t flags = kTokenHeredoc;
      if (value.truncated()) flags |= kTokenTruncated;
      if (!terminated) flags |= kTokenUnterminated;
      const int body = emit_->Emit(TokenKind::kString, start, c.pos(),
                                   emit_->Keep(value.Take()), flags);
      if (body < 0) break;
      emit_->out()->tokens[h.op_token].link = body;
    }
    pending_.clear();
  }

  static constexpr int kNotPlain = -2;

  // A word without quotes, escapes or expansions (most words) is its own
  // value: emitted as a view of the source, its token index returned (or -1
  // past the token budget). kNotPlain, with the cursor unmoved, otherwise.
  int PlainWord(ScanCursor& c) {
    const absl::string_view rest = c.Rest();
    size_t n = 0;
    for (; n < rest.size(); ++n) {
      const unsigned char ch = static_cast<unsigned char>(rest[n]);
      if (ch == '\'' || ch == '"' || ch == '\\' || ch == '$' || ch == '`')
        return kNotPlain;
      if (IsMeta(ch)) {
        // <( and >( continue the word as a process substitution.
        if ((ch == '<' || ch == '>') && n + 1 < rest.size() &&
            rest[n + 1] == '(')
          return kNotPlain;
        break;
      }
    }
    const SourceMark start = c.mark();
    c.AdvanceInLine(n);
    bool truncated = false;
    const absl::string_view value =
        emit_->Capped(rest.substr(0, n), &truncated);
    return emit_->Emit(TokenKind::kWord, start, c.pos(), value,
                       truncated ? kTokenTruncated : 0);
  }

  // Scans one word; returns its token index or -1.
  int Word(ScanCursor& c) {
    const int plain = PlainWord(c);
    if (plain != kNotPlain) return plain;
    const SourceMark start = c.mark();
    ValueBuilder value(emit_->limits().max_value_bytes);
    uint8_t flags = 0;
    std::vector<Substitution> subs;
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if ((ch == '<' || ch == '>') && c.Peek(1) == '(') {
        Substitute(c, 2, &value, &subs);
        flags |= kTokenExpands;
        continue;
      }
      if (IsMeta(ch)) break;
      if (ch == '\'') {
        flags |= kTokenQuoted;
        c.Advance();
        const uint32_t body = c.pos();
        while (!c.AtEnd() && c.Peek() != '\'') c.Advance();
        value.Append(c.Slice(body, c.pos()));
        c.Advance();
      } else if (ch == '$' && c.Peek(1) == '\'') {
        flags |= kTokenQuoted;
        c.Advance(2);
        const uint32_t body = c.pos();
        while (!c.AtEnd() && c.Peek() != '\'') {
          c.Advance(c.Peek() == '\\' ? 2 : 1);
        }
        DecodeAnsiCEscapes(c.Slice(body, c.pos()), &value);
        c.Advance();
      } else if (ch == '"' || (ch == '$' && c.Peek(1) == '"')) {
        flags |= kTokenQuoted;
        c.Advance(ch == '$' ? 2 : 1);
        DoubleQuoted(c, &value, &subs, &flags);
      } else if (ch == '\\') {
        flags |= kTokenQuoted;
        c.Advance();
        if (c.Peek() == '\n') {
          c.Advance();
        } else if (!c.AtEnd()) {
          value.Push(static_cast<char>(c.Peek()));
          c.Advance();
        }
      } else if (ch == '$' || ch == '`') {
        Dollar(c, &value, &subs);
        flags |= kTokenExpands;
      } else {
        value.Push(static_cast<char>(ch));
        c.Advance();
      }
    }
    if (value.truncated()) flags |= kTokenTruncated;
    const int index = emit_->Emit(
        TokenKind::kWord, start, c.pos(),
        emit_->Keep(value.Take(), c.Slice(start.pos, c.pos())), flags);
    if (index >= 0) {
      for (Substitution& s : subs) {
        s.token = static_cast<uint32_t>(index);
        emit_->out()->substitutions.push_back(s);
      }
    }
    return index;
  }

  void DoubleQuoted(ScanCursor& c, ValueBuilder* value,
                    std::vector<Substitution>* subs, uint8_t* flags) {
    while (!c.AtEnd() && c.Peek() != '"') {
      const unsigned char ch = c.Peek();
      if (ch == '\\') {
        const unsigned char next = c.Peek(1);
        if (next == '$' || next == '`' || next == '"' || next == '\\') {
          value->Push(static_cast<char>(next));
          c.Advance(2);
        } else if (next == '\n') {
          c.Advance(2);
        } else {
          value->Push('\\');
          c.Advance();
        }
      } else if (ch == '$' || ch == '`') {
        Dollar(c, value, subs);
        *flags |= kTokenExpands;
      } else {
        value->Push(static_cast<char>(ch));
        c.Advance();
      }
    }
    c.Advance();  // closing quote
  }

  // $name, ${...}, $((...)), $(...) or `...`, kept as written.
  void Dollar(ScanCursor& c, ValueBuilder* value,
              std::vector<Substitution>* subs) {
    const uint32_t from = c.pos();
    if (c.Peek() == '`') {
      c.Advance();
      const SourceMark inner = c.mark();
      while (!c.AtEnd() && c.Peek() != '`') c.Advance(c.Peek() == '\\' ? 2 : 1);
      subs->push_back({0, inner.pos, c.pos(), inner.line, inner.column});
      c.Advance();
    } else if (c.Peek(1) == '(' && c.Peek(2) == '(') {
      c.Advance(3);
      SkipBalanced(c, '(', ')');
      c.Advance();
    } else if (c.Peek(1) == '(') {
      Substitute(c, 2, value, subs);
      return;
    } else if (c.Peek(1) == '{') {
      c.Advance(2);
      SkipBalanced(c, '{', '}');
      c.Advance();
    } else {
      c.Advance();
      if (IsAsciiIdentStart(c.Peek())) {
        while (IsAsciiIdentChar(c.Peek())) c.Advance();
      } else if (!c.AtEnd() && !IsMeta(c.Peek()) && c.Peek() != '"') {
        c.Advance();  // $1, $@, $?, $$, ...
      }
    }
    value->Append(c.Slice(from, c.pos()));
  }

  // $( ... ), <( ... ) or >( ... ) with the cursor on its first byte.
  void Substitute(ScanCursor& c, size_t opener, ValueBuilder* value,
                  std::vector<Substitution>* subs) {
    const uint32_t from = c.pos();
    c.Advance(opener);
    const SourceMark inner = c.mark();
    SkipBalanced(c, '(', ')');
    subs->push_back({0, inner.pos, c.pos(), inner.line, inner.column});
    c.Advance();
    value->Append(c.Slice(from, c.pos()));
  }

  // Moves to the `close` that balances an already consumed `open`, skipping
  // quoted text and escapes; stops at the end of input. No recursion, so
  // nesting depth costs nothing.
  static void SkipBalanced(ScanCursor& c, unsigned char open,
                           unsigned char close) {
    int depth = 0;
    while (!c.AtEnd()) {
      const unsigned char ch = c.Peek();
      if (ch == '\\') {
        c.Advance(2);
      } else if (ch == '\'') {
        c.Advance();
        while (!c.AtEnd() && c.Peek() != '\'') c.Advance();
        c.Advance();
      } else if (ch == '"') {
        c.Advance();
        while (!c.AtEnd() && c.Peek() != '"')
          c.Advance(c.Peek() == '\\' ? 2 : 1);
        c.Advance();
      } else if (ch == open) {
        ++depth;
        c.Advance();
      } else if (ch == close) {
        if (depth-- == 0) return;
        c.Advance();
      } else {
        c.Advance();
      }
    }
  }

  TokenEmitter* emit_;
  std::vector<PendingHeredoc> pending_;
};

}  // namespace

void LexBash(ScanCursor& cursor, TokenEmitter* emit) {
  BashLexer lexer(emit);
  lexer.Run(cursor);
}

}  // namespace forge::cars
