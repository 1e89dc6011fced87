// Positions and excerpts in the assessed code: offset → line and column, and
// the short, masked, display-safe excerpt shown with a finding.
#ifndef FORGE_CARS_SOURCE_TEXT_H_
#define FORGE_CARS_SOURCE_TEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cars/evidence.h"
#include "cars/secret_scanner.h"

namespace forge::cars {

// Maps byte offsets of one text to 1-based line and code-point column.
// Borrows the text. Immutable after construction; thread-compatible.
class LineIndex {
 public:
  explicit LineIndex(absl::string_view text);
  Location Locate(uint32_t offset) const;

 private:
  absl::string_view text_;
  std::vector<uint32_t> line_starts_;
};

// The line of `code` around `offset`, cut to about 120 bytes around the
// offset, with `secrets` (spans in `code`) masked as [REDACTED:TYPE] and
// control, invisible and malformed characters escaped (utf8.h
// EscapeForDisplay). Always valid UTF-8.
std::string MakeExcerpt(absl::string_view code, uint32_t offset,
                        const std::vector<SecretSpan>& secrets);

}  // namespace forge::cars

#endif  // FORGE_CARS_SOURCE_TEXT_H_
