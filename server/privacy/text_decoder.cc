#include "server/privacy/text_decoder.h"

#include <algorithm>
#include <cstring>

namespace forge::privacy {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsJsonEscapeChar(char c) {
  return c == '"' || c == '\\' || c == '/' || c == 'n' || c == 'r' ||
         c == 't' || c == 'b' || c == 'f' || c == 'u';
}

// Reads \uXXXX at text[i]; returns the code unit or -1.
int ReadU16(absl::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int h = HexValue(text[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

}  // namespace

bool HasEncodedForms(absl::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && IsJsonEscapeChar(text[i + 1])) return true;
    if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      return true;
    }
  }
  return false;
}

void DecodeForMatching(absl::string_view text, std::string* decoded,
                       std::vector<uint32_t>* offsets) {
  decoded->clear();
  offsets->clear();
  decoded->reserve(text.size());
  offsets->reserve(text.size() + 1);
  size_t i = 0;
  auto emit1 = [&](size_t from, char b) {
    decoded->push_back(b);
    offsets->push_back(static_cast<uint32_t>(from));
  };
  auto emit = [&](size_t from, const std::string& bytes) {
    for (char b : bytes) emit1(from, b);
  };
  // The first `c` at or after `from` (text.size() for none); *next caches
  // the last answer, which stands while it is not before `from`.
  size_t next_percent = 0, next_backslash = 0;  // from is at least 1
  auto next_escape = [&](size_t* next, char c, size_t from) {
    if (*next < from) {
      const void* p = from < text.size() ? std::memchr(text.data() + from, c,
                                                       text.size() - from)
                                         : nullptr;
      *next = p != nullptr ? static_cast<const char*>(p) - text.data()
                           : text.size();
    }
    return *next;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        emit1(i, static_cast<char>(hi * 16 + lo));
        i += 3;
        continue;
      }
    }
    if (c == '\\' && i + 1 < text.size()) {
      const char e = text[i + 1];
      char simple = 0;
      switch (e) {
        case '"':
          simple = '"';
          break;
        case '\\':
          simple = '\\';
          break;
        case '/':
          simple = '/';
          break;
        case 'n':
          simple = '\n';
          break;
        case 'r':
          simple = '\r';
          break;
        case 't':
          simple = '\t';
          break;
        case 'b':
          simple = '\b';
          break;
        case 'f':
          simple = '\f';
          break;
        default:
          break;
      }
      if (simple != 0) {
        emit1(i, simple);
        i += 2;
        continue;
      }
      const int u = ReadU16(text, i);
      if (u >= 0) {
        std::string bytes;
        size_t used = 6;
        uint32_t cp = static_cast<uint32_t>(u);
        if (u >= 0xd800 && u < 0xdc00) {
          const int low = ReadU16(text, i + 6);
          if (low >= 0xdc00 && low < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            used = 12;
          }
        }
        AppendUtf8(cp, &bytes);
        emit(i, bytes);
        i += used;
        continue;
      }
    }
    // Copy the run up to the next escape in one go.
    const size_t j = std::min(next_escape(&next_percent, '%', i + 1),
                              next_escape(&next_backslash, '\\', i + 1));
    decoded->append(text.data() + i, j - i);
    const size_t at = offsets->size();
    offsets->resize(at + (j - i));
    uint32_t* o = offsets->data() + at;
    for (size_t k = i; k < j; ++k) *o++ = static_cast<uint32_t>(k);
    i = j;
  }
  offsets->push_back(static_cast<uint32_t>(text.size()));
}

}  // namespace forge::privacy
