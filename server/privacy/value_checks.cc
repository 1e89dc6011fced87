#include "server/privacy/value_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

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

KeyWordMatcher::KeyWordMatcher(const std::vector<std::string>& words,
                               const std::vector<std::string>& excluded) {
  for (const std::string& w : words) {
    std::string n = Normalize(w);
    if (n.empty()) continue;
    if (n.size() >= 5) {
      auto& list = long_words_[TrigramHash(n.data())];
      if (std::find(list.begin(), list.end(), n) == list.end()) {
        list.push_back(n);
      }
      long_word_starts_.set(TrigramHash(n.data()));
    } else {
      short_words_.insert(std::move(n));
    }
  }
  for (const std::string& w : excluded) excluded_.insert(Normalize(w));
}

bool KeyWordMatcher::Matches(absl::string_view key) const {
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
  if (n == 0) return false;
  auto part = [&](size_t p) {
    const size_t end = p + 1 < parts ? part_starts[p + 1] : n;
    return absl::string_view(joined + part_starts[p], end - part_starts[p]);
  };
  bool found = false;
  if (!short_words_.empty()) {
    for (size_t p = 0; p < parts && !found; ++p) {
      const absl::string_view w = part(p);
      found = w.size() < 5 && short_words_.contains(w);
    }
  }
  for (size_t i = 0; !found && i + 5 <= n; ++i) {
    const uint32_t h = TrigramHash(joined + i);
    if (!long_word_starts_.test(h)) continue;
    auto it = long_words_.find(h);
    if (it == long_words_.end()) continue;
    const absl::string_view rest(joined + i, n - i);
    for (const std::string& w : it->second) {
      if (absl::StartsWith(rest, w)) {
        found = true;
        break;
      }
    }
  }
  if (!found || excluded_.empty()) return found;
  for (size_t p = 0; p < parts; ++p) {
    if (excluded_.contains(part(p))) return false;
  }
  return true;
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
  int counts[256] = {};
  for (unsigned char c : value) ++counts[c];
  double h = 0;
  const double n = static_cast<double>(value.size());
  for (int c : counts) {
    if (c == 0) continue;
    const double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
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
  const size_t bracket = v.find_first_of("([");
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
  }
  const int classes = lower + upper + digit + other;
  // Single-class values only when long (and random enough, below).
  if (classes < 2 && v.size() < 24) return false;
  if (digit && !lower && !upper && v.size() < 24) return false;  // numbers
  return ShannonEntropy(v) >= min_entropy;
}

}  // namespace forge::privacy
