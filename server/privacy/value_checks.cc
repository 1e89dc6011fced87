#include "server/privacy/value_checks.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace forge::privacy {
namespace {

std::string Normalize(absl::string_view word) {
  std::string out;
  for (char c : word) {
    if (absl::ascii_isalnum(c)) out.push_back(absl::ascii_tolower(c));
  }
  return out;
}

uint32_t TrigramHash(const char* p) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(p[0])) * 961u +
          static_cast<uint32_t>(static_cast<uint8_t>(p[1])) * 31u +
          static_cast<uint32_t>(static_cast<uint8_t>(p[2]))) &
         32767u;
}

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// [A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)* ; dotted when it has a '.'.
bool IsIdentifierPath(absl::string_view v, bool* dotted) {
  *dotted = false;
  if (v.empty() || !IsIdentStart(v[0])) return false;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] == '.') {
      if (i + 1 >= v.size() || !IsIdentStart(v[i + 1])) return false;
      *dotted = true;
    } else if (!IsIdentChar(v[i])) {
      return false;
    }
  }
  return true;
}

bool AllSameChar(absl::string_view v) {
  for (char c : v) {
    if (c != v[0]) return false;
  }
  return true;
}

bool IsVersionLike(absl::string_view v) {
  size_t i = 0;
  if (i < v.size() && (v[i] == 'v' || v[i] == 'V')) ++i;
  int dots = 0;
  bool digit = false;
  for (; i < v.size(); ++i) {
    if (absl::ascii_isdigit(v[i])) {
      digit = true;
    } else if (v[i] == '.') {
      ++dots;
    } else {
      break;
    }
  }
  // "1.2.3", "v2.0.1-rc1", "1.2.3+build5".
  return digit && dots >= 1 && (i == v.size() || v[i] == '-' || v[i] == '+');
}

// Letters only, optionally separated by single '-', '_', '.' or ' '.
bool IsWordLike(absl::string_view v) {
  bool prev_sep = true;
  for (char c : v) {
    if (absl::ascii_isalpha(c)) {
      prev_sep = false;
    } else if (c == '-' || c == '_' || c == '.' || c == ' ') {
      if (prev_sep) return false;
      prev_sep = true;
    } else {
      return false;
    }
  }
  return !prev_sep;
}

// An absolute or relative file path: "/etc/app.conf", "./run.sh",
// "~/data", "C:\\tmp". Not base64 that happens to start with '/': no '+' or
// '=', and no segment that looks random (long, with capitals and digits).
bool IsPathLike(absl::string_view v) {
  size_t i = 0;
  if (absl::StartsWith(v, "~/") || absl::StartsWith(v, "./")) {
    i = 2;
  } else if (absl::StartsWith(v, "../")) {
    i = 3;
  } else if (v.size() >= 3 && absl::ascii_isalpha(v[0]) && v[1] == ':' &&
             (v[2] == '\\' || v[2] == '/')) {
    return true;
  } else if (!v.empty() && v[0] == '/') {
    i = 1;
  } else {
    return false;
  }
  size_t seg_start = i;
  for (; i <= v.size(); ++i) {
    if (i < v.size() && v[i] != '/') {
      const char c = v[i];
      if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
        return false;
      }
      continue;
    }
    absl::string_view seg = v.substr(seg_start, i - seg_start);
    int upper = 0;
    for (char c : seg) upper += absl::ascii_isupper(c) ? 1 : 0;
    if (seg.size() >= 12 && upper >= 2 && CountDigits(seg) >= 2) return false;
    seg_start = i + 1;
  }
  return true;
}

}  // namespace

KeyWordMatcher::KeyWordMatcher() {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

KeyWordMatcher::KeyWordMatcher(const std::vector<std::string>& words,
                               const std::vector<std::string>& excluded)
    : KeyWordMatcher() {
  Add(words, excluded, 0);
}

uint64_t KeyWordMatcher::MatchCached(absl::string_view key) const {
  thread_local Cache cache;
  return MatchCached(key, &cache);
}

uint64_t KeyWordMatcher::MatchCached(absl::string_view key,
                                     Cache* cache) const {
  // Keys of up to 16 bytes, read as two words with fixed-size loads (two
  // overlapping ones, so no byte outside the key is read): the same key
  // always gives the same words.
  const size_t n = key.size();
  if (n > 16 || n == 0) return Match(key);
  const char* p = key.data();
  uint64_t lo = 0, hi = 0;
  if (n >= 8) {
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    lo = (uint64_t{b} << 32) | a;
  } else {
    lo = static_cast<uint8_t>(p[0]) |
         (uint64_t{static_cast<uint8_t>(p[n / 2])} << 8) |
         (uint64_t{static_cast<uint8_t>(p[n - 1])} << 16);
  }
  const uint64_t h =
      (lo * 0x9E3779B97F4A7C15ull) ^ (hi * 0xC2B2AE3D27D4EB4Full) ^ n;
  Cache::Entry& e = cache->entries[(h >> 32) % Cache::kEntries];
  if (e.owner == id_ && e.lo == lo && e.hi == hi && e.size == n) {
    return e.mask;
  }
  const uint64_t mask = Match(key);
  e = Cache::Entry{id_, lo, hi, n, mask};
  return mask;
}

void KeyWordMatcher::Add(const std::vector<std::string>& words,
                         const std::vector<std::string>& excluded, int bit) {
  const uint64_t mask = uint64_t{1} << bit;
  for (const std::string& w : words) {
    std::string n = Normalize(w);
    if (n.empty()) continue;
    if (n.size() >= 5) {
      const uint32_t h = TrigramHash(n.data());
      long_word_starts_.set(h);
      auto& list = long_words_[h];
      auto it = std::find_if(list.begin(), list.end(),
                             [&](const auto& e) { return e.first == n; });
      if (it == list.end()) {
        list.emplace_back(std::move(n), mask);
      } else {
        it->second |= mask;
      }
    } else {
      short_words_[n] |= mask;
    }
  }
  for (const std::string& w : excluded) excluded_[Normalize(w)] |= mask;
}

uint64_t KeyWordMatcher::Match(absl::string_view key) const {
  if (key.size() > 128) key = key.substr(key.size() - 128);
  char joined[128];
  size_t n = 0;
  // Part boundaries as offsets into `joined`.
  size_t part_starts[64];
  size_t parts = 0;
  char prev = 0;
  bool boundary = true;
  for (char c : key) {
    if (!absl::ascii_isalnum(c)) {
      boundary = true;
      prev = 0;
      continue;
    }
    const bool camel = absl::ascii_isupper(c) && absl::ascii_islower(prev);
    const bool digit_change =
        prev != 0 && absl::ascii_isdigit(c) != absl::ascii_isdigit(prev);
    if ((boundary || camel || digit_change) && parts < 64) {
      part_starts[parts++] = n;
    }
    boundary = false;
    prev = c;
    joined[n++] = absl::ascii_tolower(c);
  }
  if (n == 0) return 0;
  auto part = [&](size_t p) {
    const size_t end = p + 1 < parts ? part_starts[p + 1] : n;
    return absl::string_view(joined + part_starts[p], end - part_starts[p]);
  };
  uint64_t found = 0;
  if (!short_words_.empty()) {
    for (size_t p = 0; p < parts; ++p) {
      const absl::string_view w = part(p);
      if (w.size() >= 5) continue;
      auto it = short_words_.find(w);
      if (it != short_words_.end()) found |= it->second;
    }
  }
  for (size_t i = 0; i + 5 <= n; ++i) {
    const uint32_t h = TrigramHash(joined + i);
    if (!long_word_starts_.test(h)) continue;
    auto it = long_words_.find(h);
    if (it == long_words_.end()) continue;
    const absl::string_view rest(joined + i, n - i);
    for (const auto& [w, mask] : it->second) {
      if ((found & mask) != mask && absl::StartsWith(rest, w)) found |= mask;
    }
  }
  if (found == 0 || excluded_.empty()) return found;
  for (size_t p = 0; p < parts; ++p) {
    auto it = excluded_.find(part(p));
    if (it != excluded_.end()) found &= ~it->second;
  }
  return found;
}

bool StripQuotes(absl::string_view text, size_t* begin, size_t* end) {
  if (*end - *begin < 2) return false;
  const char q = text[*begin];
  if ((q != '"' && q != '\'' && q != '`') || text[*end - 1] != q) return false;
  ++*begin;
  --*end;
  return true;
}

double ShannonEntropy(absl::string_view value) {
  if (value.empty()) return 0;
  // H = log2(n) - sum(c * log2(c)) / n over the byte counts c.
  static const std::array<float, 1025>& kCLogC = *[] {
    auto* t = new std::array<float, 1025>();
    for (int c = 1; c <= 1024; ++c) (*t)[c] = c * std::log2(double{1.0} * c);
    return t;
  }();
  uint16_t counts[256] = {};
  // The distinct bytes in the order they first occur: the sum below adds
  // their terms in that order.
  uint8_t order[256];
  size_t distinct = 0;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(value.data());
  const size_t n = std::min<size_t>(value.size(), 1024);
  for (size_t i = 0; i < n; ++i) {
    if (counts[p[i]]++ == 0) order[distinct++] = p[i];
  }
  double sum = 0;
  for (size_t k = 0; k < distinct; ++k) sum += kCLogC[counts[order[k]]];
  return std::log2(static_cast<double>(n)) - sum / n;
}

int CountDigits(absl::string_view value) {
  int n = 0;
  for (char c : value) n += absl::ascii_isdigit(c) ? 1 : 0;
  return n;
}

bool IsPasswordValue(absl::string_view text, size_t begin, size_t end,
                     bool quoted) {
  if (begin >= end) return false;
  absl::string_view v = text.substr(begin, end - begin);
  if (v.size() >= 2 && AllSameChar(v)) return false;  // "****", "xxxx"
  if (v[0] == '$' || (v[0] == '%' && v.back() == '%')) return false;
  if (absl::StartsWith(v, "{{") || absl::StartsWith(v, "<%")) return false;
  if (v.front() == '<' && v.back() == '>') return false;
  if (quoted) return !IsPathLike(v);
  // Unquoted: code and paths are not passwords.
  const char after = end < text.size() ? text[end] : '\n';
  if (after == '(' || after == '[') return false;
  // A call or an index: "getpass.getpass(", "os.environ[".
  const size_t bracket = std::min(v.find('('), v.find('['));
  bool dotted = false;
  if (bracket != absl::string_view::npos && bracket > 0 &&
      IsIdentifierPath(v.substr(0, bracket), &dotted)) {
    return false;
  }
  // Another assignment ("request_id=..."), not a value.
  const size_t eq = v.find('=');
  if (eq != absl::string_view::npos && eq > 0 && eq + 1 < v.size() &&
      v[eq + 1] != '=' && IsIdentifierPath(v.substr(0, eq), &dotted)) {
    return false;
  }
  if (IsIdentifierPath(v, &dotted) && CountDigits(v) == 0) {
    // "config.db.password", or a name passed on: "password=password)".
    if (dotted) return false;
    if (after == ',' || after == ')') return false;
  }
  return !IsPathLike(v);
}

bool IsSecretValue(absl::string_view text, size_t begin, size_t end,
                   bool quoted, double min_entropy) {
  if (!IsPasswordValue(text, begin, end, quoted)) return false;
  absl::string_view v = text.substr(begin, end - begin);
  if (IsWordLike(v) || IsVersionLike(v)) return false;
  if (absl::StrContains(v, "://")) return false;
  bool lower = false, upper = false, digit = false, other = false;
  for (char c : v) {
    if (absl::ascii_islower(c)) {
      lower = true;
    } else if (absl::ascii_isupper(c)) {
      upper = true;
    } else if (absl::ascii_isdigit(c)) {
      digit = true;
    } else {
      other = true;
    }
    if (lower && upper && digit && other) break;  // nothing more to learn
  }
  const int classes = lower + upper + digit + other;
  // Single-class values only when long (and random enough, below).
  if (classes < 2 && v.size() < 24) return false;
  if (digit && !lower && !upper && v.size() < 24) return false;  // numbers
  return ShannonEntropy(v) >= min_entropy;
}

}  // namespace forge::privacy
