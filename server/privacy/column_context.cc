#include "server/privacy/column_context.h"

#include <array>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace forge::privacy {
namespace {

constexpr size_t kMaxFields = 64;
constexpr size_t kMaxNameLength = 48;

bool IsNameLike(absl::string_view field) {
  if (field.empty() || field.size() > kMaxNameLength ||
      !absl::ascii_isalpha(field[0])) {
    return false;
  }
  size_t letters = 0;
  for (char c : field) {
    if (absl::ascii_isalpha(c)) {
      ++letters;
    } else if (!absl::ascii_isdigit(c) && c != '_' && c != ' ' && c != '-' &&
               c != '.' && c != '#' && c != '/' && c != '(' && c != ')') {
      return false;
    }
  }
  return letters * 2 >= field.size();
}

}  // namespace

char ColumnContext::PickDelimiter(absl::string_view line) {
  static constexpr char kDelimiters[4] = {',', ';', '\t', '|'};
  // Byte → 1 + its index in kDelimiters, kQuote for '"', 0 for the rest.
  constexpr uint8_t kQuote = 5;
  static constexpr std::array<uint8_t, 256> kKind = [] {
    std::array<uint8_t, 256> t{};
    for (int d = 0; d < 4; ++d) t[static_cast<uint8_t>(kDelimiters[d])] = d + 1;
    t['"'] = kQuote;
    return t;
  }();
  size_t counts[5] = {0, 0, 0, 0, 0};  // counts[0]: other bytes
  bool quoted = false;
  for (char c : line) {
    const uint8_t kind = kKind[static_cast<uint8_t>(c)];
    if (kind == kQuote) {
      quoted = !quoted;
    } else if (!quoted) {
      ++counts[kind];
    }
  }
  int best = -1;
  for (int d = 0; d < 4; ++d) {
    if (counts[d + 1] > 0 && (best < 0 || counts[d + 1] > counts[best + 1])) {
      best = d;
    }
  }
  return best < 0 ? 0 : kDelimiters[best];
}

void ColumnContext::Split(absl::string_view line, char delimiter,
                          std::vector<Field>* fields) {
  fields->clear();
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size()) {
      if (line[i] == '"') quoted = !quoted;
      if (quoted || line[i] != delimiter) continue;
    }
    size_t b = start, e = i;
    while (b < e && (line[b] == ' ' || line[b] == '\t')) ++b;
    while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t')) --e;
    if (e - b >= 2 && line[b] == '"' && line[e - 1] == '"') {
      ++b;
      --e;
    }
    fields->push_back(Field{b, e});
    if (fields->size() > kMaxFields) return;
    start = i + 1;
  }
  // "| a | b |": the empty fields outside the outer bars are not columns.
  if (delimiter == '|' && !fields->empty()) {
    if (fields->back().begin == fields->back().end) fields->pop_back();
    if (!fields->empty() && fields->front().begin == fields->front().end) {
      fields->erase(fields->begin());
    }
  }
}

bool ColumnContext::IsTableRule(absl::string_view line) {
  size_t dashes = 0;
  for (char c : line) {
    if (c == '-' || c == '=') {
      ++dashes;
    } else if (c != '+' && c != '|' && c != ':' && c != ' ') {
      return false;
    }
  }
  return dashes >= 3;
}

void ColumnContext::LearnHeader(absl::string_view line, bool has_digits,
                                const RuleMask& enabled) {
  columns_.clear();
  // Headers are short and name columns in words; most output lines have a
  // digit (a timestamp, a count) and are rejected at once.
  if (has_digits || line.size() > 1024) return;
  const char delimiter = PickDelimiter(line);
  if (delimiter == 0) return;
  Split(line, delimiter, &fields_);
  if (fields_.size() < 2 || fields_.size() > kMaxFields) return;
  for (const Field& f : fields_) {
    absl::string_view name = line.substr(f.begin, f.end - f.begin);
    if (!IsNameLike(name)) return;
  }
  Candidates cands;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const std::string name = absl::AsciiStrToLower(
        line.substr(fields_[i].begin, fields_[i].end - fields_[i].begin));
    finder_.prefilter().Scan(name, &cands);
    bool context = false;
    for (const Trigger& t : cands.triggers) {
      context |= !t.shape && t.id < finder_.rules().rules().size() &&
                 enabled.test(t.id);
    }
    if (context) columns_.push_back(Column{i, name});
  }
  if (columns_.empty()) return;
  delimiter_ = delimiter;
  field_count_ = fields_.size();
}

void ColumnContext::ProcessLine(absl::string_view line, size_t offset,
                                bool has_digits, const RuleMask& enabled,
                                std::vector<Span>* spans) {
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;  // blank lines (and CRLF halves) keep the header
  if (!columns_.empty()) {
    if (IsTableRule(line)) return;
    Split(line, delimiter_, &fields_);
    if (fields_.size() == field_count_) {
      std::string synthetic;
      for (const Column& column : columns_) {
        const Field f = fields_[column.index];
        if (f.begin == f.end) continue;
        synthetic = absl::StrCat(column.name, ": ",
                                 line.substr(f.begin, f.end - f.begin));
        const size_t prefix = column.name.size() + 2;
        finder_.Find(synthetic, enabled, &scratch_);
        for (const Span& s : scratch_.spans) {
          if (s.begin < prefix) continue;
          Span mapped = s;
          mapped.begin = offset + f.begin + (s.begin - prefix);
          mapped.end = offset + f.begin + (s.end - prefix);
          spans->push_back(mapped);
        }
      }
      return;
    }
  }
  LearnHeader(line, has_digits, enabled);
}

}  // namespace forge::privacy
