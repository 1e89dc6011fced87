// LazyGapMatcher matches a pattern of the form  head[\s\S]*?tail  — a PEM
// private key on one line: begin marker, any bytes, the first end marker —
// anchored at a position, without running the regex engine over the gap:
// the head is matched at the position, then the tail only where its literal
// beginning ("-----END") occurs, the first such place that matches ending the
// match. That is the match the whole pattern gives (leftmost-first: the
// head's preferred match, the shortest gap, the tail's preferred match);
// when the head's preferred match has no tail after it, the whole pattern
// decides, so the result is always the whole pattern's.
//
// Immutable after Create; thread-safe.
#ifndef FORGE_SERVER_PRIVACY_LAZY_GAP_H_
#define FORGE_SERVER_PRIVACY_LAZY_GAP_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace forge::privacy {

class LazyGapMatcher {
 public:
  // A matcher for `pattern` compiled with `options` (Latin-1: the gap is
  // any bytes), or null when it is not a top-level  head[\s\S]*?tail
  // without flags whose tail begins with a literal of at least four bytes.
  static std::unique_ptr<LazyGapMatcher> Create(absl::string_view pattern,
                                                const RE2::Options& options);

  // Whether `full` (the compiled `pattern`) matches text at `pos`, anchored
  // there; *end is where the match ends. The same result as
  // full.Match(text, pos, text.size(), RE2::ANCHOR_START, &m, 1).
  bool MatchAt(absl::string_view text, size_t pos, const RE2& full,
               size_t* end) const;

 private:
  LazyGapMatcher() = default;

  std::unique_ptr<RE2> head_;
  std::unique_ptr<RE2> tail_;
  std::string tail_literal_;
};

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_LAZY_GAP_H_
