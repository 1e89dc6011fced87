#include "server/audit/log_file.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/audit/canonical.h"

namespace forge::audit {
namespace {

constexpr absl::string_view kPrefix = "audit-";
constexpr absl::string_view kSuffix = ".jsonl";
constexpr size_t kSequenceDigits = 20;

}  // namespace

std::string LogFileName(uint64_t first_sequence) {
  return absl::StrFormat("audit-%020u.jsonl", first_sequence);
}

std::optional<uint64_t> ParseLogFileName(absl::string_view name) {
  if (name.size() != kPrefix.size() + kSequenceDigits + kSuffix.size() ||
      !absl::StartsWith(name, kPrefix) || !absl::EndsWith(name, kSuffix)) {
    return std::nullopt;
  }
  const absl::string_view digits = name.substr(kPrefix.size(), kSequenceDigits);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t sequence;
  if (!absl::SimpleAtoi(digits, &sequence)) return std::nullopt;
  return sequence;
}

absl::StatusOr<ScannedLog> ScanLogBytes(
    absl::string_view data,
    absl::FunctionRef<absl::Status(const forge::exec::v1::AuditRecord&,
                                   const LinePosition&)>
        visit,
    BadLine* bad_line) {
  ScannedLog scanned;
  const size_t used = data.find_last_not_of('\0');
  const size_t end = used == absl::string_view::npos ? 0 : used + 1;
  scanned.padding_bytes = data.size() - end;
  data = data.substr(0, end);
  uint64_t offset = 0;
  while (offset < data.size()) {
    const size_t newline = data.find('\n', offset);
    LinePosition position;
    position.line = scanned.lines + 1;
    position.offset = offset;
    if (newline == absl::string_view::npos) {
      // The tail: legitimate only as the beginning of a record that a crash
      // cut short (the parser says OUT_OF_RANGE), or a whole record whose
      // newline never made it.
      const absl::string_view tail = data.substr(offset);
      auto parsed = ParseCanonicalLine(tail);
      if (parsed.ok() || absl::IsOutOfRange(parsed.status())) {
        scanned.torn_bytes = tail.size();
        return scanned;
      }
      position.length = tail.size();
      *bad_line = BadLine{position, parsed.status()};
      return absl::DataLossError(
          absl::StrCat("line ", position.line, " (byte ", offset,
                       ") is neither a record nor a torn write: ",
                       parsed.status().message()));
    }
    position.length = newline + 1 - offset;
    auto parsed = ParseCanonicalLine(data.substr(offset, newline - offset));
    if (!parsed.ok()) {
      *bad_line = BadLine{position, parsed.status()};
      return absl::DataLossError(
          absl::StrCat("line ", position.line, " (byte ", offset,
                       "): ", parsed.status().message()));
    }
    absl::Status visited = visit(*parsed, position);
    if (!visited.ok()) return visited;
    ++scanned.lines;
    offset = newline + 1;
    scanned.complete_bytes = offset;
  }
  return scanned;
}

}  // namespace forge::audit
