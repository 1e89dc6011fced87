#include "cars/source_text.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cars/utf8.h"

namespace forge::cars {
namespace {

constexpr uint32_t kBefore = 50;
constexpr uint32_t kAfter = 70;

uint32_t BackToBoundary(absl::string_view text, uint32_t pos) {
  while (pos > 0 && pos < text.size() &&
         IsUtf8Continuation(static_cast<unsigned char>(text[pos]))) {
    --pos;
  }
  return pos;
}

}  // namespace

LineIndex::LineIndex(absl::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(static_cast<uint32_t>(i + 1));
  }
}

Location LineIndex::Locate(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  const auto it =
      std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const size_t line = static_cast<size_t>(it - line_starts_.begin());
  const uint32_t start = line_starts_[line - 1];
  uint32_t column = 1;
  for (uint32_t i = start; i < offset; ++i) {
    if (!IsUtf8Continuation(static_cast<unsigned char>(text_[i]))) ++column;
  }
  return Location{offset, static_cast<uint32_t>(line), column};
}

std::string MakeExcerpt(absl::string_view code, uint32_t offset,
                        const std::vector<SecretSpan>& secrets) {
  if (code.empty()) return "";
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(code.size() - 1));
  const uint32_t floor = offset > kBefore ? offset - kBefore : 0;
  uint32_t begin = offset;
  while (begin > floor && code[begin - 1] != '\n') --begin;
  const bool cut_front = begin == floor && begin > 0 && code[begin - 1] != '\n';
  const uint32_t ceiling = static_cast<uint32_t>(
      std::min<size_t>(code.size(), size_t{offset} + kAfter));
  uint32_t end = offset;
  while (end < ceiling && code[end] != '\n') ++end;
  const bool cut_back =
      end == ceiling && end < code.size() && code[end] != '\n';
  begin = BackToBoundary(code, begin);
  end = BackToBoundary(code, end);
  if (end < begin) end = begin;
  // Secrets overlapping the window, shifted into it.
  std::vector<SecretSpan> local;
  for (const SecretSpan& s : secrets) {
    if (s.end <= begin || s.begin >= end) continue;
    local.push_back({std::max<size_t>(s.begin, begin) - begin,
                     std::min<size_t>(s.end, end) - begin, s.type});
  }
  const std::string masked =
      MaskSecrets(code.substr(begin, end - begin), std::move(local));
  std::string out = EscapeForDisplay(absl::StripAsciiWhitespace(masked));
  if (cut_front) out = absl::StrCat("…", out);
  if (cut_back) absl::StrAppend(&out, "…");
  return out;
}

}  // namespace forge::cars
