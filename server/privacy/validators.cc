#include "server/privacy/validators.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace forge::privacy {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string DigitsOf(absl::string_view value) {
  std::string digits;
  for (char c : value) {
    if (IsDigit(c)) digits.push_back(c);
  }
  return digits;
}

int Num(absl::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

bool PassesLuhn(absl::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Issuer prefixes of the card networks in use (Visa, Mastercard, Amex,
// Discover, JCB, Diners, UnionPay, Maestro, Mir, RuPay).
bool HasCardIssuerPrefix(absl::string_view d) {
  const int two = Num(d.substr(0, 2));
  const int four = Num(d.substr(0, 4));
  switch (d[0]) {
    case '4':
      return true;
    case '5':
      return true;  // 50-55 Mastercard/Maestro, 56-59 Maestro.
    case '2':
      return (four >= 2221 && four <= 2720) || (four >= 2200 && four <= 2204);
    case '3':
      return two == 34 || two == 37 || two == 35 || two == 36 || two == 38 ||
             two == 39 ||
             (Num(d.substr(0, 3)) >= 300 && Num(d.substr(0, 3)) <= 305);
    case '6':
      return true;  // Discover, UnionPay, Maestro, RuPay.
    default:
      return false;
  }
}

struct IbanCountry {
  char code[3];
  int length;
};

// ISO 13616 registry: country and IBAN length.
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20},
    {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28},
    {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
    {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22},
    {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
    {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19},
    {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18},
    {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25},
    {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23},
    {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
    {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

int IbanLength(absl::string_view country) {
  for (const IbanCountry& c : kIbanCountries) {
    if (country == c.code) return c.length;
  }
  return 0;
}

// Country calling codes (ITU-T E.164 assignments), by their leading digits.
// Returns the code's length, or 0 when no code starts the digits.
int CountryCodeLength(absl::string_view d) {
  if (d.empty()) return 0;
  if (d[0] == '1' || d[0] == '7') return 1;
  if (d.size() < 2) return 0;
  static constexpr int kTwoDigit[] = {
      20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46,
      47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63,
      64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98};
  static constexpr int kThreeDigitLead[] = {21, 22, 23, 24, 25, 26, 29, 35,
                                            37, 38, 42, 50, 59, 67, 68, 69,
                                            85, 87, 88, 96, 97, 99};
  const int two = Num(d.substr(0, 2));
  for (int c : kTwoDigit) {
    if (c == two) return 2;
  }
  for (int c : kThreeDigitLead) {
    if (c == two) return 3;
  }
  return 0;
}

bool IsNanpDigits(absl::string_view d) {
  if (d.size() == 11 && d[0] == '1') d.remove_prefix(1);
  if (d.size() != 10) return false;
  if (d[0] < '2' || d[3] < '2') return false;
  // N11 codes are service numbers, not subscriber area codes.
  if (d[1] == '1' && d[2] == '1') return false;
  return true;
}

bool IsE164Digits(absl::string_view d) {
  if (d.size() < 8 || d.size() > 15) return false;
  const int cc = CountryCodeLength(d);
  if (cc == 0) return false;
  if (cc == 1 && d[0] == '1') return IsNanpDigits(d);
  if (cc == 1 && d[0] == '7') return d.size() == 11;
  return d.size() - cc >= 6;
}

// Ends of the digit groups of `text[begin, *end)`, longest first, with the
// digits up to each. Used to narrow a greedy phone match.
template <typename Accept>
bool NarrowToValidGroups(absl::string_view text, size_t begin, size_t* end,
                         Accept accept) {
  std::string digits;
  size_t best = 0;
  for (size_t i = begin; i < *end; ++i) {
    if (!IsDigit(text[i])) continue;
    digits.push_back(text[i]);
    const bool group_ends = i + 1 == *end || !IsDigit(text[i + 1]);
    if (group_ends && accept(absl::string_view(digits))) best = i + 1;
  }
  if (best == 0) return false;
  // A closing parenthesis right after the digits belongs to the number.
  *end = best;
  return true;
}

bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool ParseMonthName(absl::string_view word, int* month) {
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr",
                                            "may", "jun", "jul", "aug",
                                            "sep", "oct", "nov", "dec"};
  if (word.size() < 3) return false;
  std::string lower = absl::AsciiStrToLower(word.substr(0, 3));
  for (int i = 0; i < 12; ++i) {
    if (lower == kMonths[i]) {
      *month = i + 1;
      return true;
    }
  }
  return false;
}

bool IsValidYmd(int y, int m, int d) {
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (d > kDays[m - 1]) return false;
  if (m == 2 && d == 29) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return leap;
  }
  return true;
}

int ExpandYear(absl::string_view digits) {
  int y = Num(digits);
  if (digits.size() == 2) y += y > 30 ? 1900 : 2000;
  return y;
}

}  // namespace

bool IsCardNumber(absl::string_view value) {
  const std::string d = DigitsOf(value);
  if (d.size() < 13 || d.size() > 19) return false;
  return HasCardIssuerPrefix(d) && PassesLuhn(d);
}

bool IsIban(absl::string_view text, size_t begin, size_t* end) {
  std::string compact;
  std::array<size_t, 40> end_after{};  // text offset after each kept char
  for (size_t i = begin; i < *end && compact.size() < end_after.size(); ++i) {
    if (text[i] == ' ') continue;
    compact.push_back(text[i]);
    end_after[compact.size() - 1] = i + 1;
  }
  if (compact.size() < 15) return false;
  const int length = IbanLength(compact.substr(0, 2));
  if (length == 0 || static_cast<int>(compact.size()) < length) return false;
  compact.resize(length);
  // Move the first four characters to the end, letters to 10..35, mod 97.
  const std::string rotated = compact.substr(4) + compact.substr(0, 4);
  int remainder = 0;
  for (char c : rotated) {
    if (IsDigit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  if (remainder != 1) return false;
  *end = end_after[length - 1];
  return true;
}

bool IsUsSsn(absl::string_view value) {
  const std::string d = DigitsOf(value);
  if (d.size() != 9) return false;
  const int area = Num(d.substr(0, 3));
  const int group = Num(d.substr(3, 2));
  const int serial = Num(d.substr(5, 4));
  if (area == 0 || area == 666 || area >= 900) return false;
  return group != 0 && serial != 0;
}

bool IsNanpPhone(absl::string_view value) {
  return IsNanpDigits(DigitsOf(value));
}

bool IsE164Phone(absl::string_view text, size_t begin, size_t* end) {
  if (begin >= *end || text[begin] != '+') return false;
  return NarrowToValidGroups(text, begin, end, IsE164Digits);
}

bool IsPhoneDigits(absl::string_view text, size_t begin, size_t* end) {
  return NarrowToValidGroups(text, begin, end, [](absl::string_view d) {
    return d.size() >= 7 && d.size() <= 15;
  });
}

bool IsReportableIpv4(absl::string_view text, size_t begin, size_t end) {
  absl::string_view value = text.substr(begin, end - begin);
  int octets[4];
  int n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == '.') {
      absl::string_view part = value.substr(start, i - start);
      if (part.empty() || part.size() > 3 || n == 4) return false;
      if (part.size() > 1 && part[0] == '0') return false;
      for (char c : part) {
        if (!IsDigit(c)) return false;
      }
      octets[n++] = Num(part);
      if (octets[n - 1] > 255) return false;
      start = i + 1;
    }
  }
  if (n != 4) return false;
  if (octets[0] == 0 || octets[0] == 127 || octets[0] == 255) return false;
  // Part of a longer dotted number (OIDs, 5-part versions).
  if (begin > 0 && (text[begin - 1] == '.' || IsDigit(text[begin - 1]))) {
    return false;
  }
  if (end + 1 < text.size() && text[end] == '.' && IsDigit(text[end + 1])) {
    return false;
  }
  // Versions: "v1.2.3.4", "pkg==1.2.3.4", "@1.2.3.4", "version 1.2.3.4".
  if (begin > 0) {
    const char before = text[begin - 1];
    if (before == 'v' || before == 'V' || before == '@' || before == '^' ||
        before == '~') {
      return false;
    }
    if (before == '=' && begin > 1 &&
        (text[begin - 2] == '=' || text[begin - 2] == '>' ||
         text[begin - 2] == '<' || text[begin - 2] == '~' ||
         text[begin - 2] == '!')) {
      return false;
    }
  }
  size_t i = begin;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == ':' ||
                   text[i - 1] == '=' || text[i - 1] == '\t')) {
    --i;
  }
  size_t word_end = i;
  while (i > 0 && absl::ascii_isalpha(text[i - 1]) && word_end - i < 16) --i;
  if (word_end > i) {
    const std::string word =
        absl::AsciiStrToLower(text.substr(i, word_end - i));
    static constexpr const char* kVersionWords[] = {
        "version",  "ver", "release", "build", "rev", "revision",
        "firmware", "fw",  "kernel",  "sdk",   "oid", "snmp"};
    for (const char* w : kVersionWords) {
      if (word == w) return false;
    }
  }
  return true;
}

bool IsReportableIpv6(absl::string_view value) {
  const size_t zone = value.find('%');
  if (zone != absl::string_view::npos) value = value.substr(0, zone);
  if (value.size() < 3 || value.size() > 45) return false;
  int hex_digits = 0;
  for (char c : value) {
    if (IsHexDigit(c)) ++hex_digits;
  }
  if (hex_digits < 5) return false;
  char buf[64];
  std::memcpy(buf, value.data(), value.size());
  buf[value.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET6, buf, addr) == 1;
}

bool IsPlausibleDate(absl::string_view value) {
  // Split into runs of digits and runs of letters; ignore the rest.
  absl::string_view numbers[4];
  int n_numbers = 0;
  int month_from_name = 0;
  size_t i = 0;
  while (i < value.size()) {
    size_t j = i;
    if (IsDigit(value[i])) {
      while (j < value.size() && IsDigit(value[j])) ++j;
      if (n_numbers == 4) return false;
      numbers[n_numbers++] = value.substr(i, j - i);
    } else if (absl::ascii_isalpha(value[i])) {
      while (j < value.size() && absl::ascii_isalpha(value[j])) ++j;
      absl::string_view word = value.substr(i, j - i);
      int month = 0;
      if (ParseMonthName(word, &month)) {
        if (month_from_name != 0) return false;
        month_from_name = month;
      }
      // Ordinal suffixes ("12th") and filler are ignored.
    } else {
      j = i + 1;
    }
    i = j;
  }
  if (month_from_name != 0) {
    if (n_numbers != 2) return false;
    absl::string_view day = numbers[0], year = numbers[1];
    if (day.size() == 4) std::swap(day, year);
    if (year.size() != 4 || day.size() > 2) return false;
    return IsValidYmd(Num(year), month_from_name, Num(day));
  }
  if (n_numbers == 1 && numbers[0].size() == 8) {
    absl::string_view d = numbers[0];
    return IsValidYmd(Num(d.substr(0, 4)), Num(d.substr(4, 2)),
                      Num(d.substr(6, 2))) ||
           IsValidYmd(Num(d.substr(4, 4)), Num(d.substr(2, 2)),
                      Num(d.substr(0, 2))) ||
           IsValidYmd(Num(d.substr(4, 4)), Num(d.substr(0, 2)),
                      Num(d.substr(2, 2)));
  }
  if (n_numbers != 3) return false;
  const absl::string_view a = numbers[0], b = numbers[1], c = numbers[2];
  if (a.size() == 4 && b.size() <= 2 && c.size() <= 2) {
    return IsValidYmd(Num(a), Num(b), Num(c));
  }
  if (a.size() <= 2 && b.size() <= 2 && (c.size() == 4 || c.size() == 2)) {
    const int y = ExpandYear(c);
    return IsValidYmd(y, Num(b), Num(a)) || IsValidYmd(y, Num(a), Num(b));
  }
  return false;
}

bool DecodeBase64(absl::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (IsDigit(c)) {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

bool IsJwt(absl::string_view value) {
  const size_t dot = value.find('.');
  if (dot == absl::string_view::npos || dot < 10) return false;
  int parts = 1;
  for (char c : value) parts += c == '.';
  if (parts != 3 && parts != 5) return false;
  std::string header;
  if (!DecodeBase64(value.substr(0, dot), &header)) return false;
  if (header.empty() || header[0] != '{') return false;
  return absl::StrContains(header, "\"alg\"") ||
         absl::StrContains(header, "\"typ\"") ||
         absl::StrContains(header, "\"enc\"");
}

bool IsBasicAuthCredential(absl::string_view value) {
  std::string decoded;
  if (value.size() < 8 || !DecodeBase64(value, &decoded)) return false;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= decoded.size()) {
    return false;
  }
  for (char c : decoded) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace forge::privacy
