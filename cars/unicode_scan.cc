#include "cars/unicode_scan.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cars/utf8.h"

namespace forge::cars {
namespace {

bool IsEmojiLike(char32_t cp) {
  return cp >= 0x1F000 || (cp >= 0x2600 && cp <= 0x27BF);
}

bool IsZeroWidth(char32_t cp) {
  return (cp >= 0x200B && cp <= 0x200D) || (cp >= 0x2060 && cp <= 0x2064) ||
         cp == 0xFEFF || cp == 0x180E || cp == 0x115F || cp == 0x1160 ||
         cp == 0x3164 || cp == 0xFFA0;
}

}  // namespace

void ScanInvisibleUnicode(absl::string_view code, Language language,
                          Evidence* out) {
  uint32_t line = 1;
  uint32_t column = 1;
  std::string hidden;
  Location first_tag;
  Location first_bidi;
  Location first_zero_width;
  int tags = 0;
  int bidi = 0;
  int zero_width = 0;
  char32_t bidi_example = 0;
  char32_t zero_width_example = 0;
  char32_t previous = 0;
  for (size_t pos = 0; pos < code.size();) {
    const unsigned char byte = static_cast<unsigned char>(code[pos]);
    if (byte < 0x80) {
      // A run of ASCII (most code): its lines are counted with memchr and
      // the column follows from the last newline.
      size_t end = pos + 1;
      while (end < code.size() && static_cast<unsigned char>(code[end]) < 0x80)
        ++end;
      const char* const base = code.data();
      const char* last_newline = nullptr;
      for (const char* at = base + pos; at < base + end;) {
        const void* nl = std::memchr(at, '\n', (base + end) - at);
        if (nl == nullptr) break;
        ++line;
        last_newline = static_cast<const char*>(nl);
        at = last_newline + 1;
      }
      if (last_newline != nullptr) {
        column = 1 + static_cast<uint32_t>((base + end) - (last_newline + 1));
      } else {
        column += static_cast<uint32_t>(end - pos);
      }
      previous = static_cast<unsigned char>(code[end - 1]);
      pos = end;
      continue;
    }
    size_t length;
    const char32_t cp = DecodeUtf8At(code, pos, &length);
    const Location here{static_cast<uint32_t>(pos), line, column};
    if (IsTagCharacter(cp)) {
      if (tags++ == 0) first_tag = here;
      if (cp >= 0xE0020 && cp <= 0xE007E && hidden.size() < 4096) {
        hidden.push_back(static_cast<char>(cp - 0xE0000));
      }
    } else if (IsBidiControl(cp)) {
      if (bidi++ == 0) first_bidi = here;
      bidi_example = cp;
    } else if (IsZeroWidth(cp) && !(cp == 0xFEFF && pos == 0)) {
      // A joiner between emoji or letters of a joining script is legitimate.
      size_t next_length = 0;
      const char32_t next = pos + length < code.size()
                                ? DecodeUtf8At(code, pos + length, &next_length)
                                : 0;
      const bool joins = (cp == 0x200D || cp == 0x200C) &&
                         ((IsEmojiLike(previous) && IsEmojiLike(next)) ||
                          (previous >= 0x0600 && previous < 0x0E00 &&
                           next >= 0x0600 && next < 0x0E00) ||
                          (cp == 0x200D && next >= 0xFE00 && next <= 0xFE0F));
      if (!joins) {
        if (zero_width++ == 0) first_zero_width = here;
        zero_width_example = cp;
      }
    }
    previous = cp;
    ++column;
    pos += length;
  }
  if (tags > 0) {
    out->detections.push_back(
        {"unicode_tag_characters", language, first_tag,
         absl::StrFormat("%d invisible tag characters spelling \"%s\"", tags,
                         EscapeForDisplay(hidden.substr(0, 160))),
         0});
    if (!hidden.empty()) {
      Fact fact;
      fact.kind = FactKind::kString;
      fact.language = language;
      fact.text = hidden;
      fact.where = first_tag;
      out->facts.push_back(std::move(fact));
    }
  }
  if (bidi > 0) {
    out->detections.push_back(
        {"bidi_control", language, first_bidi,
         absl::StrFormat("%d bidirectional control characters (e.g. U+%04X)",
                         bidi, static_cast<unsigned>(bidi_example)),
         0});
  }
  if (zero_width > 0) {
    out->detections.push_back(
        {"zero_width_character", language, first_zero_width,
         absl::StrFormat(
             "%d zero-width or blank look-alike characters (e.g. U+%04X)",
             zero_width, static_cast<unsigned>(zero_width_example)),
         0});
  }
}

}  // namespace forge::cars
