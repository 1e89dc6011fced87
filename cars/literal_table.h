// LiteralTable: a fixed list of up to 64 short literals (keywords,
// operators, well-known names) indexed by first byte, for the lexers' and
// analyses' hottest membership tests. A lookup compares only the literals
// that start with the same byte, in list order, so "longest first" lists
// keep their meaning.
//
// Immutable after construction; thread-safe. Build once (function-local
// static or namespace-scope constant).
#ifndef FORGE_CARS_LITERAL_TABLE_H_
#define FORGE_CARS_LITERAL_TABLE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace forge::cars {

template <size_t N>
class LiteralTable {
  static_assert(N <= 64, "LiteralTable holds at most 64 literals");

 public:
  // `literals` must have static storage; empty ones are never matched.
  constexpr explicit LiteralTable(
      const std::array<absl::string_view, N>& literals)
      : literals_(literals) {
    for (size_t i = 0; i < N; ++i) {
      if (literals_[i].empty()) continue;
      by_first_[static_cast<unsigned char>(literals_[i][0])] |= uint64_t{1}
                                                                << i;
    }
  }

  // True when `word` is one of the literals.
  bool Contains(absl::string_view word) const { return IndexOf(word) >= 0; }

  // Index of `word` in the list, or -1.
  int IndexOf(absl::string_view word) const {
    if (word.empty()) return -1;
    for (uint64_t m = by_first_[static_cast<unsigned char>(word[0])]; m != 0;
         m &= m - 1) {
      const int i = __builtin_ctzll(m);
      if (literals_[i] == word) return i;
    }
    return -1;
  }

  // The first literal, in list order, that `text` starts with; empty when
  // none does.
  absl::string_view PrefixOf(absl::string_view text) const {
    if (text.empty()) return {};
    for (uint64_t m = by_first_[static_cast<unsigned char>(text[0])]; m != 0;
         m &= m - 1) {
      const absl::string_view literal = literals_[__builtin_ctzll(m)];
      if (text.size() >= literal.size() &&
          text.substr(0, literal.size()) == literal) {
        return literal;
      }
    }
    return {};
  }

 private:
  std::array<absl::string_view, N> literals_;
  std::array<uint64_t, 256> by_first_{};
};

}  // namespace forge::cars

#endif  // FORGE_CARS_LITERAL_TABLE_H_
