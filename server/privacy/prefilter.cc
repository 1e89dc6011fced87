#include "server/privacy/prefilter.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "server/privacy/block_classes.h"
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
// Separators inside a number group: " -./()".
inline bool IsSeparator(uint8_t c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}
inline bool IsHex(uint8_t c);
constexpr std::array<uint8_t, 256> MakeCharFlags() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool digit = c >= '0' && c <= '9';
    const bool hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    const bool alnum =
        digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    t[c] = static_cast<uint8_t>(
        (hex ? 1 : 0) | (c == ':' ? 2 : 0) | (c == '.' ? 4 : 0) |
        (alnum || c == '_' || c == '-' || c == '.' ? 8 : 0));
  }
  return t;
}
// 1: hex digit, 2: ':', 4: '.', 8: key-name byte [A-Za-z0-9_.-].
constexpr std::array<uint8_t, 256> kCharFlags = MakeCharFlags();
inline bool IsKeyChar(uint8_t c) { return kCharFlags[c] & 8; }
inline bool IsHex(uint8_t c) { return kCharFlags[c] & 1; }
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
inline uint32_t Hash4(uint32_t four) { return (four * 0x9E3779B1u) >> 16; }

constexpr uint32_t Bit(int shape) { return 1u << shape; }

// Set bits of x (the build has no POPCNT instruction to count on).
inline int PopCount(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
}

}  // namespace

Prefilter::Prefilter(const RuleSet& rules)
    : rules_(rules), classify_(ClassifierForThisCpu()) {
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
  // The lists again, found by their bigram without hashing (when their
  // number fits the 16-bit index; else CheckStart uses the maps).
  auto index =
      [this](const absl::flat_hash_map<uint16_t, std::vector<Entry>>& lists,
             std::vector<uint16_t>* by_bigram) {
        for (const auto& [bigram, entries] : lists) {
          start_lists_.push_back(entries);
          (*by_bigram)[bigram] = static_cast<uint16_t>(start_lists_.size());
        }
      };
  if (literals_.size() + words_.size() < 65536) {
    literal_list_.assign(65536, 0);
    word_list_.assign(65536, 0);
    index(literals_, &literal_list_);
    index(words_, &word_list_);
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
  // The filters hold the first four bytes, lower-cased, of entries of four
  // or more bytes, and the first three of shorter ones (a two-byte entry
  // followed by any byte).
  // Bytes are folded with | 0x20 (lower case for letters), the same way
  // MayStart folds the text.
  auto fold = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<uint8_t>(text[k]) | 0x20);
  };
  start2_.set(fold(0) | (fold(1) << 8));
  if (text.size() == 2) {
    for (uint32_t c = 0; c < 256; ++c) {
      start3_.set(Hash4((fold(0) | (fold(1) << 8) | ((c | 0x20) << 16))));
    }
  } else if (text.size() == 3) {
    start3_.set(Hash4(fold(0) | (fold(1) << 8) | (fold(2) << 16)));
  } else {
    start4_.set(
        Hash4(fold(0) | (fold(1) << 8) | (fold(2) << 16) | (fold(3) << 24)));
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
  const uint16_t bg = Bigram(a, b);
  const uint16_t lower = Bigram(Lower(a), Lower(b));
  const std::vector<Entry>* literals = nullptr;
  const std::vector<Entry>* words = nullptr;
  if (!literal_list_.empty()) {
    if (const uint16_t l = literal_list_[bg]; l != 0) {
      literals = &start_lists_[l - 1];
    }
    if (const uint16_t w = word_list_[lower]; w != 0) {
      words = &start_lists_[w - 1];
    }
  } else {
    if (auto it = literals_.find(bg); it != literals_.end()) {
      literals = &it->second;
    }
    if (auto it = words_.find(lower); it != words_.end()) words = &it->second;
  }
  if (literals != nullptr) {
    for (const Entry& e : *literals) {
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
  if (words != nullptr) {
    for (const Entry& e : *words) {
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
  // Fast path: a lone run of digits (most numbers in output) is a candidate
  // only as a 13-19 digit card number.
  if (IsDigit(s[i])) {
    size_t e = i + 1;
    while (e < n && IsDigit(s[e])) ++e;
    const bool joined =
        e + 1 < n && ((IsSeparator(s[e]) && IsDigit(s[e + 1])) ||
                      (e + 2 < n && (s[e] == ')' || s[e + 1] == '(') &&
                       IsSeparator(s[e + 1]) && IsDigit(s[e + 2])));
    if (!joined) {
      const size_t len = e - i;
      if (len >= 13 && len <= 19 && !(i >= 2 && s[i - 1] == ':') &&
          IsCardNumber(
              absl::string_view(reinterpret_cast<const char*>(s + i), len))) {
        AddShape(PRIVACY_SHAPE_NUMBER, i, e, out);
      }
      return e;
    }
    // A date (2024-05-01, 2024/05/01, 2024.05.01, not after "12:"): what the
    // loop below returns for it (the end of its third run), without it.
    if (e == i + 4 && i + 10 <= n &&
        !(i >= 2 && s[i - 1] == ':' && IsDigit(s[i - 2]))) {
      const uint8_t sep = s[i + 4];
      if ((sep == '-' || sep == '/' || sep == '.') && IsDigit(s[i + 5]) &&
          IsDigit(s[i + 6]) && s[i + 7] == sep && IsDigit(s[i + 8]) &&
          IsDigit(s[i + 9]) && (i + 10 == n || !IsDigit(s[i + 10]))) {
        // Not when a fourth run follows after the same separator.
        const bool fourth_same =
            i + 11 < n && s[i + 10] == sep &&
            (IsDigit(s[i + 11]) ||
             (s[i + 11] == '(' && i + 12 < n && IsDigit(s[i + 12])));
        if (!fourth_same) return i + 10;
      }
    }
  }
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
  uint8_t seps[4] = {0, 0, 0, 0};
  bool dot = false, other_sep = false;
  size_t run_end[4] = {0, 0, 0, 0};
  size_t run_start[8];
  while (j < n && IsDigit(s[j])) {
    const size_t start = j;
    if (runs < 8) run_start[runs] = start;
    while (j < n && IsDigit(s[j])) ++j;
    const int len = static_cast<int>(j - start);
    if (runs < 4) run_len[runs] = len;
    if (runs < 4) run_end[runs] = j;
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
    if (runs <= 4) seps[runs - 1] = sep;
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
  // A dotted quad opening the group ("8.8.8.8", "(8.8.8.8)", "8.8.8.8
  // (8.8.8.8)"); scanning resumes after it.
  if (!plus && runs >= 4 && seps[0] == '.' && seps[1] == '.' &&
      seps[2] == '.' && (runs == 4 || seps[3] != '.') && run_len[0] <= 3 &&
      run_len[1] <= 3 && run_len[2] <= 3 && run_len[3] <= 3) {
    AddShape(PRIVACY_SHAPE_IPV4, run_start[0], run_end[3], out);
    return run_end[3];
  }
  if (dot && !other_sep) {
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
  const bool hex_before = i > 0 && (kCharFlags[s[i - 1]] & 3);
  const bool hex_after = i + 1 < n && (kCharFlags[s[i + 1]] & 3);
  if (hex_before && hex_after) {
    size_t a = i;
    while (a > 0 && i - a < 40 && (kCharFlags[s[a - 1]] & 3)) --a;
    int colons = 0, hex = 0;
    bool double_colon = false;
    size_t b = a;
    if (a + 48 <= n) {
      // The run of hex digits, ':' and '.' from a, at most 46 bytes; a
      // colon at its last byte may see a ':' after it.
      HexClasses h;
      ClassifyHex48(s + a, &h);
      constexpr uint64_t kWindow = (uint64_t{1} << 46) - 1;
      const uint64_t stop = ~(h.hex | h.colon | h.dot) & kWindow;
      const int len = stop != 0 ? __builtin_ctzll(stop) : 46;
      const uint64_t run = (uint64_t{1} << len) - 1;
      colons = PopCount(h.colon & run);
      hex = PopCount(h.hex & run);
      double_colon = (h.colon & run & (h.colon >> 1)) != 0;
      b = a + static_cast<size_t>(len);
    } else {
      for (; b < n && b - a < 46; ++b) {
        const uint8_t f = kCharFlags[s[b]] & 7;
        if (f == 0) break;
        if (f & 2) {
          ++colons;
          double_colon |= b + 1 < n && s[b + 1] == ':';
        } else if (f & 1) {
          ++hex;
        }
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

// Where the run of key-name bytes [A-Za-z0-9_.-] that ends at s[key_end]
// begins, looking back at most 64 bytes.
static size_t KeyStart(const uint8_t* s, size_t key_end) {
  size_t k = key_end;
#if defined(__SSE2__)
  if (k >= 16) {
    // The 16 bytes before the end at once: the last byte that is not a key
    // byte ends the walk.
    const __m128i v =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + k - 16));
    auto in_range = [](__m128i x, char lo, char hi) {
      return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(lo - 1)),
                           _mm_cmplt_epi8(x, _mm_set1_epi8(hi + 1)));
    };
    const __m128i letter =
        in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    __m128i key = _mm_or_si128(letter, in_range(v, '0', '9'));
    key = _mm_or_si128(key, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    key = _mm_or_si128(key, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    key = _mm_or_si128(key, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    const uint32_t other =
        ~static_cast<uint32_t>(_mm_movemask_epi8(key)) & 0xffffu;
    if (other != 0) return k - 16 + (31 - __builtin_clz(other)) + 1;
    k -= 16;
  }
#endif
  while (k > 0 && key_end - k < 64 && IsKeyChar(s[k - 1])) --k;
  return k;
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
  k = KeyStart(s, k);
  // Keys start with a letter or '_' ("--db-password" → "db-password").
  while (k < key_end && !absl::ascii_isalpha(s[k]) && s[k] != '_') ++k;
  if (k == key_end) return;
  if (out->key_cache == nullptr) {
    out->key_cache = std::make_unique<KeyWordMatcher::Cache>();
  }
  const uint64_t rules = rules_.assignment_key_words().MatchCached(
      absl::string_view(reinterpret_cast<const char*>(s + k), key_end - k),
      out->key_cache.get());
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

// Handles a position the scan reported; returns where scanning
// resumes (past a number group, an IPv6 token, "==").
size_t Prefilter::Visit(const uint8_t* s, size_t n, size_t i,
                        Candidates* out) const {
  const uint8_t c = s[i];
  const uint8_t cls = kClass[c];
  const uint8_t prev = i > 0 ? kClass[s[i - 1]] : uint8_t{kOther};
  switch (cls) {
    case kLower:
    case kInner:
      CheckStart(s, n, i, out);  // Scan checked MayStart
      return i + 1;
    case kUpper:
      // Scan let a capital through for a start or an IBAN.
      if (MayStart(s, n, i)) CheckStart(s, n, i, out);
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
  out->digits = false;
  out->triggers.clear();
  out->keys.clear();
  if (has_always_) AddShape(PRIVACY_SHAPE_ALWAYS, 0, text.size(), out);
  const uint8_t* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  constexpr size_t kWidth = 64;
  size_t resume = 0;  // positions before this were covered by a Visit
  for (size_t block = 0; block < n; block += kWidth) {
    const size_t len = std::min(kWidth, n - block);
    // Positions before `resume` and past the text are out.
    uint64_t open = len < kWidth ? (uint64_t{1} << len) - 1 : ~uint64_t{0};
    if (resume > block) {
      const size_t covered = resume - block;
      if (covered >= kWidth) continue;
      open &= ~((uint64_t{1} << covered) - 1);
    }
    // The block and the four bytes after it, for the start filter: from
    // the text, or copied with zeros past its end.
    uint8_t tail[kWidth + 8];
    const uint8_t* p = s + block;
    if (block + kWidth + 4 > n) {
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, p, n - block);
      p = tail;
    }
    BlockClasses c;
    classify_(p, &c);
    if (c.digit != 0) out->digits = true;
    // The same classes one byte back; bit 0 takes the byte before the block.
    const uint8_t before = block > 0 ? s[block - 1] : ' ';
    const uint64_t alnum = c.letter | c.digit;
    const uint64_t tok = alnum | c.inner;
    const uint64_t palnum =
        (alnum << 1) | (absl::ascii_isalnum(before) ? 1 : 0);
    const uint64_t ptok =
        (tok << 1) | (kClass[before] == kInner || (palnum & 1) ? 1 : 0);
    // Letters after a non-alphanumeric ('_' and '-' included: words inside
    // identifiers); digits, '_' and '-' that start a token.
    const uint64_t word = c.letter & ~palnum & open;
    const uint64_t token = (c.digit | c.inner) & ~ptok & open;
    // Special bytes and number starts always need a look; a word or '_'/'-'
    // start only when a literal or word may start there, a capital also when
    // an IBAN may (Visit does nothing else with them).
    uint64_t mask = (c.special & open) | (token & c.digit);
    for (uint64_t m = (word & ~c.upper) | (token & c.inner); m != 0;
         m &= m - 1) {
      const size_t k = static_cast<size_t>(__builtin_ctzll(m));
      uint32_t four;
      std::memcpy(&four, p + k, 4);
      if (MayStartWith(four)) mask |= uint64_t{1} << k;
    }
    for (uint64_t m = word & c.upper; m != 0; m &= m - 1) {
      const size_t k = static_cast<size_t>(__builtin_ctzll(m));
      const size_t i = block + k;
      uint32_t four;
      std::memcpy(&four, p + k, 4);
      if ((i + 1 < n && MayStartWith(four)) ||
          (i + 3 < n && absl::ascii_isupper(s[i + 1]) && IsDigit(s[i + 2]) &&
           IsDigit(s[i + 3]))) {
        mask |= uint64_t{1} << k;
      }
    }
    while (mask != 0) {
      const size_t i = block + static_cast<size_t>(__builtin_ctzll(mask));
      mask &= mask - 1;
      if (i < resume) continue;
      if (IsDigit(s[i])) {
        // A lone number, or a decimal ("0.234"), ends here unless it is
        // a 13-19 digit run; groups go to ScanNumber. Runs end where the
        // block's digit mask does, or past the block by a byte loop.
        auto run_end = [&](size_t from) {
          size_t e = from;
          if (from < block + kWidth) {
            e += static_cast<size_t>(
                __builtin_ctzll(~(c.digit >> (from - block))));
            if (e < block + kWidth) return e;
          }
          while (e < n && IsDigit(s[e])) ++e;
          return e;
        };
        const size_t e = run_end(i + 1);
        if (e + 1 < n && s[e] == '.' && IsDigit(s[e + 1])) {
          const size_t f = run_end(e + 1);
          if (!(f + 1 < n && IsSeparator(s[f]) && IsDigit(s[f + 1]))) {
            resume = f;
            if (resume >= block + kWidth) break;
            mask &= ~((uint64_t{1} << (resume - block)) - 1);
            continue;
          }
        } else if (!(e + 1 < n && (IsSeparator(s[e]) || s[e + 1] == '(') &&
                     (IsDigit(s[e + 1]) || IsSeparator(s[e + 1]))) &&
                   (e - i < 13 || e - i > 19)) {
          resume = e;
          if (resume >= block + kWidth) break;
          mask &= ~((uint64_t{1} << (resume - block)) - 1);
          continue;
        }
      }
      resume = Visit(s, n, i, out);
      if (resume >= block + kWidth) break;
      if (resume > i + 1) mask &= ~((uint64_t{1} << (resume - block)) - 1);
    }
  }
}

}  // namespace forge::privacy
