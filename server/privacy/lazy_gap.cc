#include "server/privacy/lazy_gap.h"

#include <cstring>

#include "absl/strings/match.h"
#include "server/privacy/re2_views.h"

namespace forge::privacy {
namespace {

constexpr absl::string_view kGap = "[\\s\\S]*?";

// Whether `p` has a '|' outside every group and class (then splitting the
// pattern around the gap would change its meaning).
bool HasTopLevelAlternation(absl::string_view p) {
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

// The literal bytes `p` begins with (no metacharacter, none quantified).
std::string LiteralPrefix(absl::string_view p) {
  size_t i = 0;
  while (i < p.size() && std::strchr("\\.+*?()[]{}|^$", p[i]) == nullptr) ++i;
  if (i < p.size() && std::strchr("*?{", p[i]) != nullptr && i > 0) --i;
  return std::string(p.substr(0, i));
}

}  // namespace

std::unique_ptr<LazyGapMatcher> LazyGapMatcher::Create(
    absl::string_view pattern, const RE2::Options& options) {
  if (options.encoding() != RE2::Options::EncodingLatin1 ||
      options.case_sensitive() == false || options.longest_match()) {
    return nullptr;
  }
  const size_t at = pattern.find(kGap);
  if (at == absl::string_view::npos || at == 0) return nullptr;
  const absl::string_view head = pattern.substr(0, at);
  const absl::string_view tail = pattern.substr(at + kGap.size());
  if (tail.find(kGap) != absl::string_view::npos ||
      HasTopLevelAlternation(head) || HasTopLevelAlternation(tail) ||
      absl::StartsWith(pattern, "(?")) {
    return nullptr;
  }
  std::string literal = LiteralPrefix(tail);
  if (literal.size() < 4) return nullptr;
  auto head_re = std::make_unique<RE2>(ToPiece(head), options);
  auto tail_re = std::make_unique<RE2>(ToPiece(tail), options);
  if (!head_re->ok() || !tail_re->ok()) return nullptr;
  std::unique_ptr<LazyGapMatcher> m(new LazyGapMatcher());
  m->head_ = std::move(head_re);
  m->tail_ = std::move(tail_re);
  m->tail_literal_ = std::move(literal);
  return m;
}

bool LazyGapMatcher::MatchAt(absl::string_view text, size_t pos,
                             const RE2& full, size_t* end) const {
  const re2::StringPiece piece = ToPiece(text);
  re2::StringPiece m;
  // No head match: the whole pattern cannot match either.
  if (!head_->Match(piece, pos, text.size(), RE2::ANCHOR_START, &m, 1)) {
    return false;
  }
  size_t q = pos + m.size();
  while ((q = text.find(tail_literal_, q)) != absl::string_view::npos) {
    if (tail_->Match(piece, q, text.size(), RE2::ANCHOR_START, &m, 1)) {
      *end = q + m.size();
      return true;
    }
    ++q;
  }
  if (!full.Match(piece, pos, text.size(), RE2::ANCHOR_START, &m, 1)) {
    return false;
  }
  *end = pos + m.size();
  return true;
}

}  // namespace forge::privacy
