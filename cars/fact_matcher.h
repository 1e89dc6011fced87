// FactMatcher: the pattern rules each fact text matches, memoised for one
// assessment. It is the Evidence filter (evidence.h) the analyses consult
// before building a fact, so facts no rule can match are never built, and
// the assessor reads the same memo when it scores the facts kept.
//
// Not thread-safe; one per assessment. The rule set must outlive it.
#ifndef FORGE_CARS_FACT_MATCHER_H_
#define FORGE_CARS_FACT_MATCHER_H_

#include <array>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "cars/evidence.h"
#include "cars/language.h"
#include "cars/rule_set.h"

namespace forge::cars {

class FactMatcher : public FactFilter {
 public:
  explicit FactMatcher(const RuleSet& rules) : rules_(rules) {}

  FactMatcher(const FactMatcher&) = delete;
  FactMatcher& operator=(const FactMatcher&) = delete;

  // True when Hits() is not empty.
  bool MayMatch(Language language, FactKind kind,
                absl::string_view text) const override {
    return !Hits(language, kind, text).empty();
  }

  // The pattern rules for `language` whose pattern matches a fact of `kind`
  // with this text (RuleSet::MatchText), before any context check. The
  // reference stays valid until the next call.
  const std::vector<int>& Hits(Language language, FactKind kind,
                               absl::string_view text) const;

 private:
  static constexpr size_t kLanguages = 3;
  static constexpr size_t kFactKinds = 7;
  static constexpr size_t kChunk = 4096;

  // A copy of `text` that lives as long as the matcher (memo keys).
  absl::string_view Keep(absl::string_view text) const;

  const RuleSet& rules_;
  // Keys view chunks_.
  mutable std::array<
      std::array<absl::flat_hash_map<absl::string_view, std::vector<int>>,
                 kFactKinds>,
      kLanguages>
      memo_;
  mutable std::vector<std::unique_ptr<char[]>> chunks_;
  // The chunk short keys are copied into, and how much of it is used.
  mutable char* current_ = nullptr;
  mutable size_t chunk_used_ = kChunk;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_FACT_MATCHER_H_
