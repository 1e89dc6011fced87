// RuleSet is the compiled, validated form of a PrivacyRuleSet: every pattern
// compiled with RE2 (Latin-1, so any byte sequence is matchable), one
// RE2::Set per trigger shape, the type and category tables, and key-word
// matchers. Built once; immutable and thread-safe afterwards.
#ifndef FORGE_SERVER_PRIVACY_RULE_SET_H_
#define FORGE_SERVER_PRIVACY_RULE_SET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "forge/exec/v1/privacy.pb.h"
#include "re2/re2.h"
#include "re2/set.h"
#include "server/privacy/lazy_gap.h"
#include "server/privacy/types.h"
#include "server/privacy/value_checks.h"

namespace forge::privacy {

// Types every rule set has, whatever its rules say.
inline constexpr absl::string_view kClassifiedFileType = "CLASSIFIED_FILE";
inline constexpr absl::string_view kPartialType = "PARTIAL";
inline constexpr absl::string_view kClassifiedCategory = "classified";

struct CompiledRule {
  std::string id;
  TypeId type = 0;
  int category = 0;
  int priority = 0;
  std::unique_ptr<RE2> pattern;  // null for a built-in assignment rule
  // The value group is the whole match (no context consumed around it), so
  // a match needs no submatch pass to find the value.
  bool value_is_match = false;
  // Otherwise, when the value group ends the match: the part of the pattern
  // before the value group, and the value group alone. The value starts
  // where `value_prefix` matched at the match start ends (checked against
  // `value_only`); no submatch pass either. Null when not applicable.
  std::unique_ptr<RE2> value_prefix;
  std::unique_ptr<RE2> value_only;
  // For a pattern that is its value and has the form head[\s\S]*?tail (a
  // PEM key on one line): matches it without scanning the gap. May be null.
  std::unique_ptr<LazyGapMatcher> gap;
  // ASSIGNMENT rule without a pattern: key/operator/value parsed in code.
  bool builtin_assignment = false;
  // An ASSIGNMENT rule matched only at the keys the prefilter found (its
  // pattern starts with the "key" group, or it is built in).
  bool anchored_at_key = false;
  // Searched over the whole record (ALWAYS rules, ASSIGNMENT rules not
  // anchored at their key) rather than matched at trigger positions.
  bool search_record = false;
  std::unique_ptr<RE2> value_pattern;  // may be null
  int groups = 0;                      // capturing groups in `pattern`
  int value_group = 0;                 // 0: the whole match
  int key_group = -1;                  // -1: none
  forge::exec::v1::PrivacyValidator validator =
      forge::exec::v1::PRIVACY_VALIDATOR_UNSPECIFIED;
  uint32_t min_length = 0;
  uint32_t max_length = 0;
  uint32_t min_digits = 0;
  double min_entropy = 0;
  KeyWordMatcher key_words;
  // The rule's allow lists as one alternation (null when none).
  std::unique_ptr<RE2> allow;
  uint32_t shapes = 0;  // bit (1 << PrivacyShape)
  std::vector<std::string> literals;
  std::vector<std::string> words;
};

struct CompiledBlock {
  std::string id;
  TypeId type = 0;
  int category = 0;
  std::unique_ptr<RE2> begin;
  std::unique_ptr<RE2> end;
  // A string every end marker contains ("-----END"), checked before the
  // regex; empty when none is known.
  std::string end_literal;
  std::unique_ptr<RE2> body;
  uint32_t max_lines = 512;
  std::string literal;
};

// Rules triggered by one shape, and the RE2::Set over their patterns,
// anchored at the start (null when fewer than two rules share the shape,
// and for ASSIGNMENT and ALWAYS). Rules matched at the keys the prefilter
// found (anchored_at_key) are listed apart and not in the set.
struct ShapeGroup {
  std::vector<uint16_t> rules;
  std::unique_ptr<RE2::Set> set;
  std::vector<uint16_t> key_rules;
};

class RuleSet {
 public:
  // Compiles `rules` plus `custom` (appended, same validation). Fails with
  // INVALID_ARGUMENT naming the rule and field on any error: duplicate or
  // empty id, bad type or category name, pattern that does not compile, no
  // trigger, unknown allow list, key words without a "key" group, more than
  // kMaxRules rules.
  static absl::StatusOr<std::unique_ptr<RuleSet>> Compile(
      const forge::exec::v1::PrivacyRuleSet& rules,
      absl::Span<const forge::exec::v1::PrivacyRule> custom);

  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  const std::string& version() const { return version_; }
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<CompiledBlock>& blocks() const { return blocks_; }
  // Index of block b in RuleMask terms.
  size_t block_bit(size_t b) const { return rules_.size() + b; }

  const std::vector<std::string>& type_names() const { return type_names_; }
  const std::vector<std::string>& category_names() const {
    return category_names_;
  }
  TypeId classified_type() const { return classified_type_; }
  TypeId partial_type() const { return partial_type_; }
  int classified_category() const { return classified_category_; }

  const ShapeGroup& shape_group(int shape) const { return shapes_[shape]; }
  // The key words of every ASSIGNMENT-shape rule: bit k of a match is the
  // rule shape_group(ASSIGNMENT).key_rules[k] (bit 63: any other).
  const KeyWordMatcher& assignment_key_words() const {
    return assignment_key_words_;
  }

  // RuleMask with every rule and block whose type or category is not in
  // `disabled`. Unknown names are INVALID_ARGUMENT.
  absl::StatusOr<RuleMask> MaskWithout(
      absl::Span<const std::string> disabled,
      absl::Span<const std::string> enabled_again = {}) const;
  // Whether `name` is a known category or type.
  bool IsKnownName(absl::string_view name) const;

 private:
  RuleSet() = default;
  TypeId InternType(const std::string& name);
  int InternCategory(const std::string& name);

  std::string version_;
  std::vector<CompiledRule> rules_;
  std::vector<CompiledBlock> blocks_;
  std::vector<std::string> type_names_;
  std::vector<int> type_category_;  // category of the first rule of each type
  std::vector<std::string> category_names_;
  ShapeGroup shapes_[forge::exec::v1::PrivacyShape_ARRAYSIZE];
  KeyWordMatcher assignment_key_words_;
  TypeId classified_type_ = 0;
  TypeId partial_type_ = 0;
  int classified_category_ = 0;
};

// RE2 options every privacy pattern is compiled with.
RE2::Options PrivacyRe2Options();

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_RULE_SET_H_
