#include "cars/utf8.h"

#include "absl/strings/str_format.h"

namespace forge::cars {

char32_t DecodeUtf8At(absl::string_view text, size_t pos, size_t* length) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[pos + i]);
  };
  const unsigned char lead = byte(0);
  *length = 1;
  if (lead < 0x80) return lead;
  size_t need;
  char32_t cp;
  char32_t min;
  if ((lead & 0xE0) == 0xC0) {
    need = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    need = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    need = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    return kReplacementCharacter;
  }
  if (pos + need >= text.size()) return kReplacementCharacter;
  for (size_t i = 1; i <= need; ++i) {
    if (!IsUtf8Continuation(byte(i))) return kReplacementCharacter;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return kReplacementCharacter;
  }
  *length = need + 1;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    cp = kReplacementCharacter;
  }
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsBidiControl(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool IsInvisibleCodePoint(char32_t cp) {
  return IsBidiControl(cp) || IsTagCharacter(cp) ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) ||
         cp == 0xFEFF || cp == 0x00AD || cp == 0x180E || cp == 0x061C ||
         cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x3164 ||
         cp == 0xFFA0 || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xE0100 && cp <= 0xE01EF);
}

char AsciiFoldedFromCompatibilityForm(char32_t cp) {
  // Fullwidth ASCII: U+FF01..U+FF5E map to U+0021..U+007E.
  if (cp >= 0xFF10 && cp <= 0xFF5E) {
    const char c = static_cast<char>(cp - 0xFF01 + 0x21);
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
        (c >= 'a' && c <= 'z') || c == '_') {
      return c;
    }
    return 0;
  }
  // Mathematical alphanumeric letters: 13 styles of A-Z a-z from U+1D400.
  if (cp >= 0x1D400 && cp <= 0x1D6A3) {
    const unsigned index = (cp - 0x1D400) % 52;
    return static_cast<char>(index < 26 ? 'A' + index : 'a' + (index - 26));
  }
  // Mathematical digits: 5 styles of 0-9 from U+1D7CE.
  if (cp >= 0x1D7CE && cp <= 0x1D7FF) {
    return static_cast<char>('0' + (cp - 0x1D7CE) % 10);
  }
  return 0;
}

std::string EscapeForDisplay(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    // Printable ASCII (and tabs) is kept as it is, a run at a time.
    size_t plain = pos;
    while (
        plain < text.size() &&
        ((text[plain] >= 0x20 && text[plain] < 0x7F) || text[plain] == '\t')) {
      ++plain;
    }
    if (plain > pos) {
      out.append(text.data() + pos, plain - pos);
      pos = plain;
      continue;
    }
    size_t length;
    const char32_t cp = DecodeUtf8At(text, pos, &length);
    if (cp == kReplacementCharacter && length == 1 &&
        static_cast<unsigned char>(text[pos]) >= 0x80) {
      absl::StrAppendFormat(&out, "\\x%02X",
                            static_cast<unsigned char>(text[pos]));
    } else if (cp == '\n') {
      out += "\\n";
    } else if ((cp < 0x20 && cp != '\t') || cp == 0x7F ||
               (cp >= 0x80 && cp < 0xA0)) {
      absl::StrAppendFormat(&out, "\\x%02X", static_cast<unsigned>(cp));
    } else if (IsInvisibleCodePoint(cp) || cp == 0x2028 || cp == 0x2029) {
      absl::StrAppendFormat(&out, "\\u{%04X}", static_cast<unsigned>(cp));
    } else {
      out.append(text.data() + pos, length);
    }
    pos += length;
  }
  return out;
}

}  // namespace forge::cars
