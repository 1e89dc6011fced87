#include "server/privacy/prefilter.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "server/privacy/validators.h"

namespace forge::privacy {
namespace {

using forge::exec::v1::PRIVACY_SHAPE_ALWAYS;
using forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT;
using forge::exec::v1::PRIVACY_SHAPE_AT_SIGN;
using forge::exec::v1::PRIVACY_SHAPE_IBAN;
using forge::exec::v1::PRIVACY_SHAPE_IPV4;
using forge::exec::v1::PRIVACY_SHAPE_IPV6;
using forge::exec::v1::PRIVACY_SHAPE_NUMBER;
using forge::exec::v1::PRIVACY_SHAPE_URL_USERINFO;

// Byte classes of the scan.
enum : uint8_t {
  kOther = 0,  // boundary: space, punctuation
  kLower,
  kUpper,
  kDigit,
  kInner,    // '_' '-': inside tokens, but start a new word
  kSpecial,  // bytes with their own check: @ : = + ( % backslash
};

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLower;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kUpper;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  t['_'] = kInner;
  t['-'] = kInner;
  for (char c : {'@', ':', '=', '+', '(', '%', '\\'}) {
    t[static_cast<uint8_t>(c)] = kSpecial;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kClass = MakeClasses();

inline bool IsDigit(uint8_t c) { return c >= '0' && c <= '9'; }
inline bool IsHex(uint8_t c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool IsKeyChar(uint8_t c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}
inline bool IsLocalPartChar(uint8_t c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-';
}
inline uint16_t Bigram(uint8_t a, uint8_t b) {
  return static_cast<uint16_t>(a | (b << 8));
}
constexpr std::array<uint8_t, 256> MakeLower() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = static_cast<uint8_t>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  return t;
}
constexpr std::array<uint8_t, 256> kLowerTable = MakeLower();
inline uint8_t Lower(uint8_t c) { return kLowerTable[c]; }
// Hash of three bytes into 16 bits (the start filter).
inline uint32_t Hash3(uint8_t a, uint8_t b, uint8_t c) {
  return ((static_cast<uint32_t>(a) | (static_cast<uint32_t>(b) << 8) |
           (static_cast<uint32_t>(c) << 16)) *
          0x9E3779B1u) >>
         16;
}

constexpr uint32_t Bit(int shape) { return 1u << shape; }

}  // namespace

Prefilter::Prefilter(const RuleSet& rules) : rules_(rules) {
  for (size_t i = 0; i < rules.rules().size(); ++i) {
    const CompiledRule& r = rules.rules()[i];
    for (const std::string& l : r.literals) {
      AddStart(l, false, static_cast<uint16_t>(i));
    }
    for (const std::string& w : r.words) {
      AddStart(w, true, static_cast<uint16_t>(i));
    }
    if (r.shapes & Bit(PRIVACY_SHAPE_ALWAYS)) has_always_ = true;
  }
  for (size_t b = 0; b < rules.blocks().size(); ++b) {
    AddStart(rules.blocks()[b].literal, false,
             static_cast<uint16_t>(rules.block_bit(b)));
  }
}

void Prefilter::AddStart(const std::string& text, bool case_insensitive,
                         uint16_t bit) {
  const uint8_t a = static_cast<uint8_t>(text[0]);
  const uint8_t b = static_cast<uint8_t>(text[1]);
  auto add = [bit](std::vector<Entry>& entries, const std::string& t) {
    for (Entry& e : entries) {
      if (e.text == t) {
        e.bits.push_back(bit);
        return;
      }
    }
    entries.push_back(Entry{t, {bit}});
  };
  // The filter holds the first three bytes, lower-cased (a two-byte
  // literal or word followed by any byte).
  if (text.size() == 2) {
    for (int c = 0; c < 256; ++c) {
      start_filter_.set(
          Hash3(Lower(a), Lower(b), Lower(static_cast<uint8_t>(c))));
    }
  } else {
    start_filter_.set(
        Hash3(Lower(a), Lower(b), Lower(static_cast<uint8_t>(text[2]))));
  }
  if (!case_insensitive) {
    add(literals_[Bigram(a, b)], text);
    return;
  }
  add(words_[Bigram(Lower(a), Lower(b))], text);
}

void Prefilter::LiteralsAt(absl::string_view text, size_t i,
                           RuleMask* out) const {
  const uint8_t* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  if (i + 1 >= n) return;
  auto it = literals_.find(Bigram(s[i], s[i + 1]));
  if (it == literals_.end()) return;
  for (const Entry& e : it->second) {
    if (e.text.size() <= n - i &&
        std::memcmp(s + i, e.text.data(), e.text.size()) == 0) {
      for (uint16_t bit : e.bits) out->set(bit);
    }
  }
}

void Prefilter::CheckStart(const uint8_t* s, size_t n, size_t i,
                           Candidates* out) const {
  if (i + 1 >= n) return;
  const uint8_t a = s[i], b = s[i + 1];
  const uint8_t c = i + 2 < n ? s[i + 2] : 0;
  if (!start_filter_.test(Hash3(Lower(a), Lower(b), Lower(c)))) return;
  const uint16_t bg = Bigram(a, b);
  if (auto it = literals_.find(bg); it != literals_.end()) {
    for (const Entry& e : it->second) {
      if (e.text.size() <= n - i &&
          std::memcmp(s + i, e.text.data(), e.text.size()) == 0) {
        for (uint16_t bit : e.bits) {
          out->rules.set(bit);
          out->triggers.push_back(
              Trigger{static_cast<uint32_t>(i),
                      static_cast<uint32_t>(i + e.text.size()), bit, false});
        }
      }
    }
  }
  if (auto it = words_.find(Bigram(Lower(a), Lower(b))); it != words_.end()) {
    for (const Entry& e : it->second) {
      if (e.text.size() > n - i) continue;
      bool same = true;
      for (size_t k = 2; k < e.text.size() && same; ++k) {
        same = Lower(s[i + k]) == static_cast<uint8_t>(e.text[k]);
      }
      if (same) {
        for (uint16_t bit : e.bits) {
          out->rules.set(bit);
          out->triggers.push_back(
              Trigger{static_cast<uint32_t>(i),
                      static_cast<uint32_t>(i + e.text.size()), bit, false});
        }
      }
    }
  }
}

void Prefilter::AddShape(int shape, size_t begin, size_t end,
                         Candidates* out) const {
  out->shapes |= Bit(shape);
  out->triggers.push_back(Trigger{static_cast<uint32_t>(begin),
                                  static_cast<uint32_t>(end),
                                  static_cast<uint16_t>(shape), true});
}

// A number group starting at s[i] (a digit, '+' or '('): digit runs joined by
// one separator (or a parenthesis and a space). Returns the end of the group.
size_t Prefilter::ScanNumber(const uint8_t* s, size_t n, size_t i,
                             Candidates* out) const {
  size_t j = i;
  const bool plus = s[j] == '+';
  if (plus) ++j;
  bool paren = false;
  if (j < n && s[j] == '(') {
    paren = true;
    ++j;
  }
  int digits = 0, runs = 0;
  int run_len[4] = {0, 0, 0, 0};
  uint8_t seps[3] = {0, 0, 0};
  bool dot = false, other_sep = false;
  size_t run_end[3] = {0, 0, 0};
  size_t run_start[8];
  while (j < n && IsDigit(s[j])) {
    const size_t start = j;
    if (runs < 8) run_start[runs] = start;
    while (j < n && IsDigit(s[j])) ++j;
    const int len = static_cast<int>(j - start);
    if (runs < 4) run_len[runs] = len;
    if (runs < 3) run_end[runs] = j;
    digits += len;
    ++runs;
    if (digits > 40) break;
    // Separator: one of " -./()", or a parenthesis next to a space.
    size_t k = j;
    if (k < n && (s[k] == ' ' || s[k] == '-' || s[k] == '.' || s[k] == '/' ||
                  s[k] == '(' || s[k] == ')')) {
      ++k;
      if (k < n && (s[k - 1] == ')' || s[k] == '(') &&
          (s[k] == ' ' || s[k] == '-' || s[k] == '(')) {
        ++k;
      }
    }
    if (k == j || k >= n || !IsDigit(s[k])) break;
    const uint8_t sep = s[j];
    if (runs <= 3) seps[runs - 1] = sep;
    if (sep == '.') {
      dot = true;
    } else {
      other_sep = true;
    }
    if (s[j] == ')' || s[k - 1] == '(') paren = true;
    j = k;
  }
  const size_t end = j;
  // Seconds of a time ("12:00:01.123456") are not phone numbers.
  if (i >= 2 && s[i - 1] == ':' && IsDigit(s[i - 2])) return end;
  // Dates: 2024-05-01, 01/05/2024, 1.5.2024 — resume after the date.
  if (runs >= 3 && seps[0] == seps[1] && (runs == 3 || seps[2] != seps[0]) &&
      (seps[0] == '-' || seps[0] == '/' || seps[0] == '.') &&
      ((run_len[0] == 4 && run_len[1] <= 2 && run_len[2] <= 2) ||
       (run_len[0] <= 2 && run_len[1] <= 2 &&
        (run_len[2] == 4 || run_len[2] == 2)))) {
    return run_end[2];
  }
  if (dot && !other_sep) {
    if (runs == 4 && run_len[0] <= 3 && run_len[1] <= 3 && run_len[2] <= 3 &&
        run_len[3] <= 3 && !plus && !paren) {
      AddShape(PRIVACY_SHAPE_IPV4, i, end, out);
      return end;
    }
    if (runs == 2 || runs > 4 || digits < 10) return end;  // decimals, OIDs
  } else if (dot && other_sep) {
    return end;  // lists of decimals
  }
  bool number = false;
  if (plus && digits >= 7) number = true;
  if (paren && digits >= 10) number = true;
  if (runs >= 2 && digits >= 9 && digits <= 24) number = true;
  if (runs == 1 && digits >= 13 && digits <= 19 &&
      IsCardNumber(
          absl::string_view(reinterpret_cast<const char*>(s + i), end - i))) {
    number = true;
  }
  if (number) {
    // A value may start at any run of the group ("order 1002 4111 1111
    // 1111 1111"): one trigger per run, the first at the group's start.
    AddShape(PRIVACY_SHAPE_NUMBER, i, end, out);
    for (int r = 1; r < std::min(runs, 8); ++r) {
      AddShape(PRIVACY_SHAPE_NUMBER, run_start[r], end, out);
    }
  }
  return end;
}

// ':' — a URL scheme, an IPv6 address, or an assignment ("key: value").
// Returns the index to continue from.
size_t Prefilter::CheckColon(const uint8_t* s, size_t n, size_t i,
                             Candidates* out) const {
  if (i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/') {
    CheckUrl(s, n, i, out);
    return i + 1;
  }
  const bool hex_before = i > 0 && (IsHex(s[i - 1]) || s[i - 1] == ':');
  const bool hex_after = i + 1 < n && (IsHex(s[i + 1]) || s[i + 1] == ':');
  if (hex_before && hex_after) {
    size_t a = i;
    while (a > 0 && i - a < 40 && (IsHex(s[a - 1]) || s[a - 1] == ':')) --a;
    size_t b = i;
    while (b < n && b - a < 46 && (IsHex(s[b]) || s[b] == ':' || s[b] == '.')) {
      ++b;
    }
    int colons = 0, hex = 0;
    bool double_colon = false;
    for (size_t k = a; k < b; ++k) {
      if (s[k] == ':') {
        ++colons;
        if (k + 1 < b && s[k + 1] == ':') double_colon = true;
      } else if (IsHex(s[k])) {
        ++hex;
      }
    }
    if ((double_colon && hex >= 5) || colons >= 7) {
      AddShape(PRIVACY_SHAPE_IPV6, a, b, out);
    }
    if (colons >= 2) return b;
  }
  const bool walrus = i + 1 < n && s[i + 1] == '=';
  CheckAssignment(s, n, i, walrus ? 2 : 1, out);
  return i + 1;
}

void Prefilter::CheckAssignment(const uint8_t* s, size_t n, size_t op,
                                size_t op_len, Candidates* out) const {
  if (rules_.assignment_key_words().empty()) return;
  // The value: optional blanks, an optional quote, then a value byte.
  size_t v = op + op_len;
  for (int k = 0; k < 8 && v < n && (s[v] == ' ' || s[v] == '\t'); ++k) ++v;
  const size_t value_begin = v;
  if (v < n && (s[v] == '"' || s[v] == '\'' || s[v] == '`')) ++v;
  if (v >= n) return;
  const uint8_t c = s[v];
  if (c <= ' ' || c == ',' || c == ';' || c == ')' || c == '}' || c == ']' ||
      c == '&' || c == '<' || c == '>' || c == '{' || c == '[' || c == '"' ||
      c == '\'') {
    return;
  }
  // The key: optional blanks and a quote before the operator.
  size_t k = op;
  for (int m = 0; m < 8 && k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t');
       ++m) {
    --k;
  }
  if (k > 0 && (s[k - 1] == '"' || s[k - 1] == '\'')) --k;
  const size_t key_end = k;
  while (k > 0 && key_end - k < 64 && IsKeyChar(s[k - 1])) --k;
  // Keys start with a letter or '_' ("--db-password" → "db-password").
  while (k < key_end && !absl::ascii_isalpha(s[k]) && s[k] != '_') ++k;
  if (k == key_end) return;
  const uint64_t rules = rules_.assignment_key_words().Match(
      absl::string_view(reinterpret_cast<const char*>(s + k), key_end - k));
  if (rules != 0) {
    AddShape(PRIVACY_SHAPE_ASSIGNMENT, k, key_end, out);
    out->keys.push_back(
        AssignmentKey{static_cast<uint32_t>(k), static_cast<uint32_t>(key_end),
                      static_cast<uint32_t>(value_begin), rules});
  }
}

void Prefilter::CheckAt(const uint8_t* s, size_t n, size_t i,
                        Candidates* out) const {
  if (i == 0 || i + 1 >= n || !IsLocalPartChar(s[i - 1]) ||
      !absl::ascii_isalnum(s[i + 1])) {
    return;
  }
  size_t domain_end = i + 1;
  while (domain_end < n && domain_end - i < 256 &&
         (absl::ascii_isalnum(s[domain_end]) || s[domain_end] == '.' ||
          s[domain_end] == '-')) {
    ++domain_end;
  }
  size_t local = i;
  while (local > 0 && i - local < 64 && IsLocalPartChar(s[local - 1])) {
    --local;
  }
  // The address starts at its first letter or digit.
  while (local < i && !absl::ascii_isalnum(s[local])) ++local;
  if (local < i) AddShape(PRIVACY_SHAPE_AT_SIGN, local, domain_end, out);
}

// "scheme://" at s[i]: a URL carrying credentials (user:password@ or a
// password query parameter) is a URL_USERINFO trigger at its scheme.
void Prefilter::CheckUrl(const uint8_t* s, size_t n, size_t i,
                         Candidates* out) const {
  size_t end = i + 3;
  bool credentials = false;
  while (end < n && end - i < 4096) {
    const uint8_t c = s[end];
    if (c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`') {
      break;
    }
    if (c == '@') {
      credentials = true;
    } else if ((c == '?' || c == '&' || c == ';') && end + 4 < n) {
      const uint8_t* q = s + end + 1;
      const bool pwd = Lower(q[0]) == 'p' && Lower(q[1]) == 'w' &&
                       Lower(q[2]) == 'd' && q[3] == '=';
      const bool password = end + 10 < n && Lower(q[0]) == 'p' &&
                            Lower(q[1]) == 'a' && Lower(q[2]) == 's' &&
                            Lower(q[3]) == 's' && Lower(q[4]) == 'w';
      credentials |= pwd || password;
    }
    ++end;
  }
  if (!credentials) return;
  size_t scheme = i;
  while (scheme > 0 && i - scheme < 32 &&
         (absl::ascii_isalnum(s[scheme - 1]) || s[scheme - 1] == '+' ||
          s[scheme - 1] == '.' || s[scheme - 1] == '-')) {
    --scheme;
  }
  if (scheme >= 5 && std::memcmp(s + scheme - 5, "jdbc:", 5) == 0) scheme -= 5;
  while (scheme < i && !absl::ascii_isalpha(s[scheme])) ++scheme;
  if (scheme < i) AddShape(PRIVACY_SHAPE_URL_USERINFO, scheme, end, out);
}

// Bit i of the result is set when p[i] may start something the prefilter
// checks: a special byte (@ : = + ( % backslash), a letter after a
// non-letter, a capital after a small letter, or a digit, '_' or '-' after
// a byte that is not part of a token. `before` is the byte preceding p[0].
uint32_t Prefilter::InterestingMask(const uint8_t* p, uint8_t before) {
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  auto in_range = [](__m128i x, char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(lo - 1)),
                         _mm_cmplt_epi8(x, _mm_set1_epi8(hi + 1)));
  };
  auto eq = [](__m128i x, char c) {
    return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
  };
  // Letters: fold case with 0x20 (digits and most punctuation stay out of
  // 'a'..'z' when folded; '@' '[' '\\' ']' '^' '_' '`' land on '`'..'\x7f').
  const __m128i letter =
      in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
  const __m128i digit = in_range(v, '0', '9');
  const __m128i inner = _mm_or_si128(eq(v, '_'), eq(v, '-'));
  const __m128i alnum = _mm_or_si128(letter, digit);
  const __m128i tok = _mm_or_si128(alnum, inner);
  // The same classes one byte back; lane 0 takes `before`'s class.
  const int before_alnum = absl::ascii_isalnum(before) ? 0xff : 0;
  const int before_tok =
      before_alnum != 0 || before == '_' || before == '-' ? 0xff : 0;
  const __m128i palnum =
      _mm_or_si128(_mm_slli_si128(alnum, 1), _mm_cvtsi32_si128(before_alnum));
  const __m128i ptok =
      _mm_or_si128(_mm_slli_si128(tok, 1), _mm_cvtsi32_si128(before_tok));
  __m128i special = _mm_or_si128(eq(v, '@'), eq(v, ':'));
  special = _mm_or_si128(special, _mm_or_si128(eq(v, '='), eq(v, '+')));
  special = _mm_or_si128(special, _mm_or_si128(eq(v, '('), eq(v, '%')));
  special = _mm_or_si128(special, eq(v, '\\'));
  // Letters after a non-alphanumeric ('_' and '-' included: words inside
  // identifiers); digits, '_' and '-' that start a token.
  const __m128i word_start = _mm_andnot_si128(palnum, letter);
  const __m128i token_start =
      _mm_andnot_si128(ptok, _mm_or_si128(digit, inner));
  const __m128i any =
      _mm_or_si128(special, _mm_or_si128(word_start, token_start));
  return static_cast<uint32_t>(_mm_movemask_epi8(any));
#else
  uint32_t mask = 0;
  uint8_t pcls = kClass[before];
  for (int i = 0; i < 16; ++i) {
    const uint8_t cls = kClass[p[i]];
    const bool palnum = pcls == kLower || pcls == kUpper || pcls == kDigit;
    const bool ptok = palnum || pcls == kInner;
    const bool hit = cls == kSpecial ||
                     ((cls == kLower || cls == kUpper) && !palnum) ||
                     ((cls == kDigit || cls == kInner) && !ptok);
    mask |= static_cast<uint32_t>(hit) << i;
    pcls = cls;
  }
  return mask;
#endif
}

// Handles the position InterestingMask reported; returns where scanning
// resumes (past a number group, an IPv6 token, "==").
size_t Prefilter::Visit(const uint8_t* s, size_t n, size_t i,
                        Candidates* out) const {
  const uint8_t c = s[i];
  const uint8_t cls = kClass[c];
  const uint8_t prev = i > 0 ? kClass[s[i - 1]] : uint8_t{kOther};
  switch (cls) {
    case kLower:
    case kInner:
      CheckStart(s, n, i, out);
      return i + 1;
    case kUpper:
      CheckStart(s, n, i, out);
      // IBAN: two capitals and two digits start a token.
      if (prev != kLower && prev != kDigit && prev != kInner && i + 3 < n &&
          absl::ascii_isupper(s[i + 1]) && IsDigit(s[i + 2]) &&
          IsDigit(s[i + 3])) {
        size_t e = i + 4;
        while (e < n && e - i < 48 &&
               (absl::ascii_isupper(s[e]) || IsDigit(s[e]) || s[e] == ' ')) {
          ++e;
        }
        AddShape(PRIVACY_SHAPE_IBAN, i, e, out);
      }
      return i + 1;
    case kDigit:
      return std::max(i + 1, ScanNumber(s, n, i, out));
    default:
      break;
  }
  switch (c) {
    case '@':
      CheckAt(s, n, i, out);
      break;
    case ':':
      return std::max(i + 1, CheckColon(s, n, i, out));
    case '=':
      if (i + 1 < n && s[i + 1] == '=') return i + 2;  // "==" compares
      if (i > 0 && (s[i - 1] == '!' || s[i - 1] == '<' || s[i - 1] == '>' ||
                    s[i - 1] == ':')) {
        break;
      }
      CheckAssignment(s, n, i, i + 1 < n && s[i + 1] == '>' ? 2 : 1, out);
      break;
    case '+':
    case '(':
      if (i + 1 < n &&
          (IsDigit(s[i + 1]) ||
           (c == '+' && s[i + 1] == '(' && i + 2 < n && IsDigit(s[i + 2]))) &&
          !(i > 0 && (absl::ascii_isalnum(s[i - 1]) || s[i - 1] == '+'))) {
        return std::max(i + 1, ScanNumber(s, n, i, out));
      }
      break;
    case '%':
      if (i + 2 < n && IsHex(s[i + 1]) && IsHex(s[i + 2])) out->decode = true;
      break;
    case '\\':
      if (i + 1 < n) {
        const uint8_t e = s[i + 1];
        if (e == 'u' || e == 'n' || e == '"' || e == '/' || e == '\\' ||
            e == 'r' || e == 't') {
          out->decode = true;
        }
      }
      break;
  }
  return i + 1;
}

void Prefilter::Scan(absl::string_view text, Candidates* out) const {
  out->rules.reset();
  out->shapes = 0;
  out->decode = false;
  out->triggers.clear();
  out->keys.clear();
  if (has_always_) AddShape(PRIVACY_SHAPE_ALWAYS, 0, text.size(), out);
  const uint8_t* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t resume = 0;  // positions before this were covered by a Visit
  for (size_t block = 0; block < n; block += 16) {
    uint32_t mask;
    const uint8_t before = block > 0 ? s[block - 1] : ' ';
    if (block + 16 <= n) {
      mask = InterestingMask(s + block, before);
    } else {
      uint8_t tail[16];
      std::memset(tail, ' ', sizeof(tail));
      std::memcpy(tail, s + block, n - block);
      mask = InterestingMask(tail, before) & ((1u << (n - block)) - 1);
    }
    if (resume > block) {
      const size_t covered = resume - block;
      if (covered >= 16) continue;
      mask &= ~((1u << covered) - 1);
    }
    while (mask != 0) {
      const size_t i = block + static_cast<size_t>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (i < resume) continue;
      resume = Visit(s, n, i, out);
      if (resume >= block + 16) break;
      if (resume > i + 1) mask &= ~((1u << (resume - block)) - 1);
    }
  }
}

}  // namespace forge::privacy
