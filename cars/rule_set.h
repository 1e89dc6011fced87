// RuleSet: a validated, compiled CarsRuleSet (proto/forge/exec/v1/cars.proto).
//
// Pattern rules are compiled into one RE2::Set per (language, target), so a
// fact is matched against every rule of its kind in one pass; results are
// memoised by text (MatchCache). Built once at start-up; immutable (apart
// from the internally synchronised memo) and thread-safe afterwards.
#ifndef FORGE_CARS_RULE_SET_H_
#define FORGE_CARS_RULE_SET_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cars/analysis.h"
#include "cars/evidence.h"
#include "cars/language.h"
#include "cars/match_cache.h"
#include "forge/exec/v1/cars.pb.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace forge::cars {

// Detector names a rule may use with target ANALYSIS.
const std::vector<std::string>& KnownAnalyses();
// Detector names a rule may use with target REQUEST.
const std::vector<std::string>& KnownRequestAnalyses();

class RuleSet : public CallKnowledge {
 public:
  // Validates and compiles `rules`: ids unique and non-empty, a target, a
  // type, a score in [0, 1], patterns that compile, known detector names,
  // combinations that name tags some rule has. INVALID_ARGUMENT naming the
  // rule otherwise.
  static absl::StatusOr<std::unique_ptr<RuleSet>> Compile(
      const forge::exec::v1::CarsRuleSet& rules);

  const forge::exec::v1::CarsRuleSet& proto() const { return proto_; }
  const forge::exec::v1::CarsRule& rule(int index) const {
    return proto_.rules(index);
  }
  int rule_count() const { return proto_.rules_size(); }

  // Appends the indices of the pattern rules for `language` that match a
  // fact of `kind` with this text and context.
  void Match(Language language, const Fact& fact, std::vector<int>* out) const;

  // The two halves of Match: the pattern rules whose pattern matches `text`
  // (independent of context, so callers may cache it), and whether a rule's
  // within_call accepts a context.
  void MatchText(Language language, FactKind kind, absl::string_view text,
                 std::vector<int>* out) const;
  bool AcceptsContext(int rule, const std::vector<std::string>& context) const;

  // Indices of the ANALYSIS (or REQUEST) rules for `language` naming this
  // detector.
  std::vector<int> RulesForAnalysis(Language language,
                                    absl::string_view analysis) const;

  // CallKnowledge.
  bool IsDownload(Language language, absl::string_view chain) const override;
  SinkInfo SinkFor(Language language, absl::string_view chain) const override;
  bool IsSpawn(Language language, absl::string_view chain) const override;

 private:
  // One RE2::Set and the rule index behind each of its patterns.
  struct CompiledSet {
    std::unique_ptr<RE2::Set> set;
    std::vector<int> rules;
    bool empty() const { return rules.empty(); }
  };
  static constexpr int kLanguages = 3;
  static constexpr int kFactKinds = 7;

  RuleSet() = default;
  bool Applies(int rule, Language language) const;
  bool AnyMatch(const CompiledSet& set, absl::string_view text) const;
  bool CachedAnyMatch(uint8_t space, const CompiledSet& set,
                      absl::string_view text) const;

  forge::exec::v1::CarsRuleSet proto_;
  std::array<std::array<CompiledSet, kFactKinds>, kLanguages> sets_;
  std::array<CompiledSet, kLanguages> downloads_;
  std::array<CompiledSet, kLanguages> spawns_;
  std::array<CompiledSet, kLanguages> sinks_;
  std::vector<std::unique_ptr<RE2>> within_call_;  // per rule, or null
  absl::flat_hash_map<std::string, std::vector<int>> by_analysis_;
  // Memo of MatchText/IsDownload/IsSpawn results (thread-safe).
  MatchCache cache_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_RULE_SET_H_
