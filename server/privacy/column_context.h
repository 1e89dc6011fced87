// ColumnContext gives the values of a CSV file or a text table the context
// of their column header. "name,birthdate" followed by "Ana Silva,12/03/1985"
// holds a date of birth although no line says "birth" next to the date; the
// rules that need a context word (dates of birth, national phone numbers,
// passport and licence numbers, SSNs without dashes) would miss it line by
// line.
//
// It remembers the last header line (a line without digits of 2+ name-like
// fields split by ',', ';', '\t' or '|') that has a column named with a
// context word, and,
// for each following line with the same number of fields, matches every such
// column's field as "<column name>: <field>". A line with another shape
// (other than a table rule like "+----+----+") forgets the header. Decisions
// depend only on the lines seen, so streamed and one-shot output agree.
//
// Per stream; not thread-safe. The SpanFinder must outlive it.
#ifndef FORGE_SERVER_PRIVACY_COLUMN_CONTEXT_H_
#define FORGE_SERVER_PRIVACY_COLUMN_CONTEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/privacy/span_finder.h"
#include "server/privacy/types.h"

namespace forge::privacy {

class ColumnContext {
 public:
  explicit ColumnContext(const SpanFinder& finder) : finder_(finder) {}

  // `line` is one complete line without its terminator, at `offset` in the
  // text whose spans are `spans`. Appends the spans found through column
  // context (offsets in that text), then learns from the line.
  // `has_digits` says whether the line has an ASCII digit (the prefilter
  // knows; a line with digits is never taken for a header).
  void ProcessLine(absl::string_view line, size_t offset, bool has_digits,
                   const RuleMask& enabled, std::vector<Span>* spans);

  bool has_header() const { return !columns_.empty(); }

 private:
  struct Field {
    size_t begin;
    size_t end;
  };
  struct Column {
    size_t index;
    std::string name;
  };

  static char PickDelimiter(absl::string_view line);
  static void Split(absl::string_view line, char delimiter,
                    std::vector<Field>* fields);
  static bool IsTableRule(absl::string_view line);
  void LearnHeader(absl::string_view line, bool has_digits,
                   const RuleMask& enabled);

  const SpanFinder& finder_;
  char delimiter_ = 0;
  size_t field_count_ = 0;
  std::vector<Column> columns_;  // columns named with a context word
  std::vector<Field> fields_;    // scratch
  RecordMatches scratch_;
};

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_COLUMN_CONTEXT_H_
