#include "cars/escapes.h"

#include <cstring>

namespace forge::cars {
namespace {

// Reads up to `max` digits of `base` at body[*i]; returns -1 if none.
long ReadDigits(absl::string_view body, size_t* i, int base, int max) {
  long value = 0;
  int n = 0;
  while (n < max && *i < body.size()) {
    const unsigned char c = static_cast<unsigned char>(body[*i]);
    int digit =
        base == 16 ? HexValue(c) : (c >= '0' && c <= '7' ? c - '0' : -1);
    if (digit < 0) break;
    value = value * base + digit;
    ++*i;
    ++n;
  }
  return n == 0 ? -1 : value;
}

// Bytes from i before the next backslash.
size_t PlainRun(absl::string_view body, size_t i) {
  const void* slash = std::memchr(body.data() + i, '\\', body.size() - i);
  return slash == nullptr
             ? body.size() - i
             : static_cast<size_t>(static_cast<const char*>(slash) -
                                   (body.data() + i));
}

bool SimpleEscape(char c, char* out) {
  switch (c) {
    case 'a':
      *out = '\a';
      return true;
    case 'b':
      *out = '\b';
      return true;
    case 'f':
      *out = '\f';
      return true;
    case 'n':
      *out = '\n';
      return true;
    case 'r':
      *out = '\r';
      return true;
    case 't':
      *out = '\t';
      return true;
    case 'v':
      *out = '\v';
      return true;
    case '\\':
      *out = '\\';
      return true;
    case '\'':
      *out = '\'';
      return true;
    case '"':
      *out = '"';
      return true;
    default:
      return false;
  }
}

}  // namespace

void DecodePythonEscapes(absl::string_view body, bool bytes,
                         ValueBuilder* out) {
  size_t i = 0;
  while (i < body.size()) {
    // Text up to the next backslash is copied as it is, in one piece.
    const size_t run = PlainRun(body, i);
    if (run > 0) {
      out->Append(body.substr(i, run));
      i += run;
      continue;
    }
    const char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out->Push(c);
      ++i;
      continue;
    }
    const char e = body[i + 1];
    char simple;
    if (e == '\n') {
      i += 2;
    } else if (SimpleEscape(e, &simple)) {
      out->Push(simple);
      i += 2;
    } else if (e >= '0' && e <= '7') {
      size_t j = i + 1;
      const long v = ReadDigits(body, &j, 8, 3);
      bytes ? out->Push(static_cast<char>(v & 0xFF))
            : out->PushCodePoint(static_cast<char32_t>(v));
      i = j;
    } else if (e == 'x' || (!bytes && (e == 'u' || e == 'U'))) {
      const int want = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
      size_t j = i + 2;
      const long v = ReadDigits(body, &j, 16, want);
      if (v < 0 || static_cast<int>(j - (i + 2)) != want) {
        out->Push('\\');
        ++i;
        continue;
      }
      (bytes && e == 'x') ? out->Push(static_cast<char>(v))
                          : out->PushCodePoint(static_cast<char32_t>(v));
      i = j;
    } else {
      out->Push('\\');
      ++i;
    }
  }
}

void DecodeJavaScriptEscapes(absl::string_view body, ValueBuilder* out) {
  size_t i = 0;
  while (i < body.size()) {
    // Text up to the next backslash is copied as it is, in one piece.
    const size_t run = PlainRun(body, i);
    if (run > 0) {
      out->Append(body.substr(i, run));
      i += run;
      continue;
    }
    const char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out->Push(c);
      ++i;
      continue;
    }
    const char e = body[i + 1];
    char simple;
    if (e == '\n') {
      i += 2;
    } else if (e == '\r') {
      i += (i + 2 < body.size() && body[i + 2] == '\n') ? 3 : 2;
    } else if (e != 'a' && SimpleEscape(e, &simple)) {
      out->Push(simple);
      i += 2;
    } else if (e >= '0' && e <= '7') {
      size_t j = i + 1;
      out->PushCodePoint(static_cast<char32_t>(ReadDigits(body, &j, 8, 3)));
      i = j;
    } else if (e == 'x' || e == 'u') {
      size_t j = i + 2;
      long v;
      if (e == 'u' && j < body.size() && body[j] == '{') {
        ++j;
        v = ReadDigits(body, &j, 16, 8);
        if (v < 0 || j >= body.size() || body[j] != '}') v = -1;
        ++j;
      } else {
        const int want = e == 'x' ? 2 : 4;
        v = ReadDigits(body, &j, 16, want);
        if (static_cast<int>(j - (i + 2)) != want) v = -1;
      }
      if (v < 0) {
        out->Push(e);  // JavaScript drops the backslash of bad escapes.
        i += 2;
        continue;
      }
      out->PushCodePoint(static_cast<char32_t>(v));
      i = j;
    } else {
      out->Push(e);
      i += 2;
    }
  }
}

void DecodeAnsiCEscapes(absl::string_view body, ValueBuilder* out) {
  size_t i = 0;
  while (i < body.size()) {
    // Text up to the next backslash is copied as it is, in one piece.
    const size_t run = PlainRun(body, i);
    if (run > 0) {
      out->Append(body.substr(i, run));
      i += run;
      continue;
    }
    const char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out->Push(c);
      ++i;
      continue;
    }
    const char e = body[i + 1];
    char simple;
    if (SimpleEscape(e, &simple)) {
      out->Push(simple);
      i += 2;
    } else if (e == 'e' || e == 'E') {
      out->Push('\x1b');
      i += 2;
    } else if (e == '?') {
      out->Push('?');
      i += 2;
    } else if (e >= '0' && e <= '7') {
      size_t j = i + 1;
      if (body[j] == '0') ++j;  // \0nnn as in echo -e and printf %b
      long v = ReadDigits(body, &j, 8, 3);
      out->Push(static_cast<char>(v < 0 ? 0 : v & 0xFF));
      i = j;
    } else if (e == 'x' || e == 'u' || e == 'U') {
      size_t j = i + 2;
      const long v =
          ReadDigits(body, &j, 16, e == 'x' ? 2 : (e == 'u' ? 4 : 8));
      if (v < 0) {
        out->Push('\\');
        ++i;
        continue;
      }
      e == 'x' ? out->Push(static_cast<char>(v))
               : out->PushCodePoint(static_cast<char32_t>(v));
      i = j;
    } else if (e == 'c' && i + 2 < body.size()) {
      out->Push(static_cast<char>(body[i + 2] & 0x1F));
      i += 3;
    } else {
      out->Push('\\');
      ++i;
    }
  }
}

bool EscapesSpellPlainText(absl::string_view body, absl::string_view decoded) {
  bool numeric = false;
  for (size_t i = 0; i + 1 < body.size(); ++i) {
    if (body[i] != '\\') continue;
    const char e = body[i + 1];
    if (e == 'x' || e == 'u' || e == 'U' || (e >= '0' && e <= '7'))
      numeric = true;
    ++i;
  }
  if (!numeric || decoded.empty()) return false;
  for (char c : decoded) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace forge::cars
