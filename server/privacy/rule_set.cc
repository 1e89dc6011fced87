#include "server/privacy/rule_set.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace forge::privacy {
namespace {

using forge::exec::v1::PrivacyBlockRule;
using forge::exec::v1::PrivacyRule;
using forge::exec::v1::PrivacyRuleSet;
using forge::exec::v1::PrivacyShape;

bool IsTypeName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsCategoryName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

absl::Status RuleError(absl::string_view id, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("privacy rule \"", id, "\": ", what));
}

// A pattern split around its top-level "value" group:
// [flags] prefix (?P<value>value) suffix.
struct PatternParts {
  std::string flags;  // "(?i)" or empty
  std::string prefix;
  std::string value;
  std::string suffix;
};

bool SplitAtValueGroup(absl::string_view p, PatternParts* parts) {
  if (absl::StartsWith(p, "(?i)")) {
    parts->flags = "(?i)";
    p.remove_prefix(4);
  }
  constexpr absl::string_view kOpen = "(?P<value>";
  int depth = 0;
  bool in_class = false;
  size_t open = absl::string_view::npos;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;
      if (i + 1 < p.size() && p[i] == '^' && p[i + 1] == ']') ++i;
    } else if (c == '(') {
      if (depth == 0 && open == absl::string_view::npos &&
          p.substr(i, kOpen.size()) == kOpen) {
        open = i;
      }
      ++depth;
    } else if (c == ')' && --depth == 0 && open != absl::string_view::npos) {
      parts->prefix = std::string(p.substr(0, open));
      parts->value =
          std::string(p.substr(open + kOpen.size(), i - open - kOpen.size()));
      parts->suffix = std::string(p.substr(i + 1));
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::unique_ptr<RE2>> CompilePattern(absl::string_view id,
                                                    absl::string_view field,
                                                    const std::string& text) {
  if (text.empty()) return RuleError(id, absl::StrCat(field, " is empty"));
  auto re = std::make_unique<RE2>(text, PrivacyRe2Options());
  if (!re->ok()) {
    return RuleError(id,
                     absl::StrCat(field, " does not compile: ", re->error()));
  }
  return re;
}

}  // namespace

RE2::Options PrivacyRe2Options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(32 << 20);
  return options;
}

TypeId RuleSet::InternType(const std::string& name) {
  for (size_t i = 0; i < type_names_.size(); ++i) {
    if (type_names_[i] == name) return static_cast<TypeId>(i);
  }
  type_names_.push_back(name);
  type_category_.push_back(-1);
  return static_cast<TypeId>(type_names_.size() - 1);
}

int RuleSet::InternCategory(const std::string& name) {
  for (size_t i = 0; i < category_names_.size(); ++i) {
    if (category_names_[i] == name) return static_cast<int>(i);
  }
  category_names_.push_back(name);
  return static_cast<int>(category_names_.size() - 1);
}

absl::StatusOr<std::unique_ptr<RuleSet>> RuleSet::Compile(
    const PrivacyRuleSet& rules, absl::Span<const PrivacyRule> custom) {
  std::unique_ptr<RuleSet> set(new RuleSet());
  set->version_ = rules.version();

  absl::flat_hash_map<std::string, std::vector<std::string>> allow_lists;
  for (const auto& list : rules.allow_lists()) {
    if (list.name().empty() || allow_lists.contains(list.name())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "privacy allow list \"", list.name(), "\": empty or duplicate name"));
    }
    auto& patterns = allow_lists[list.name()];
    for (const std::string& p : list.patterns()) {
      RE2 re(p, PrivacyRe2Options());
      if (!re.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("privacy allow list \"", list.name(),
                         "\": pattern does not compile: ", re.error()));
      }
      patterns.push_back(p);
    }
  }

  std::vector<const PrivacyRule*> all;
  for (const PrivacyRule& r : rules.rules()) all.push_back(&r);
  for (const PrivacyRule& r : custom) all.push_back(&r);
  if (all.size() + rules.blocks_size() > kMaxRules) {
    return absl::InvalidArgumentError(
        absl::StrCat("privacy rule set has more than ", kMaxRules, " rules"));
  }

  absl::flat_hash_set<std::string> ids;
  for (const PrivacyRule* r : all) {
    const std::string& id = r->id();
    if (id.empty()) return RuleError(id, "id is empty");
    if (!ids.insert(id).second) return RuleError(id, "duplicate id");
    if (!IsTypeName(r->type())) return RuleError(id, "type must be [A-Z0-9_]+");
    if (!IsCategoryName(r->category())) {
      return RuleError(id, "category must be [a-z0-9_]+");
    }
    CompiledRule c;
    c.id = id;
    c.type = set->InternType(r->type());
    c.category = set->InternCategory(r->category());
    if (set->type_category_[c.type] < 0)
      set->type_category_[c.type] = c.category;
    c.priority = r->priority();
    const bool assignment =
        std::find(r->shapes().begin(), r->shapes().end(),
                  forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT) !=
        r->shapes().end();
    if (r->pattern().empty() && assignment && r->key_words_size() > 0) {
      c.builtin_assignment = true;
    } else {
      auto re = CompilePattern(id, "pattern", r->pattern());
      if (!re.ok()) return re.status();
      c.pattern = std::move(*re);
      c.groups = c.pattern->NumberOfCapturingGroups();
      const auto& named = c.pattern->NamedCapturingGroups();
      if (auto it = named.find("value"); it != named.end()) {
        c.value_group = it->second;
      } else if (c.groups >= 1 && named.find("key") == named.end()) {
        c.value_group = 1;
      }
      if (auto it = named.find("key"); it != named.end()) {
        c.key_group = it->second;
      }
      // Key words check the "key" group; an ASSIGNMENT rule without one
      // uses them only to decide when to run.
      if (r->key_words_size() > 0 && c.key_group < 0 && !assignment) {
        return RuleError(id, "key_words need a group named \"key\"");
      }
      // Find the value without a submatch pass where the pattern allows:
      // "\b(?P<value>...)\b" is the whole match; "prefix(?P<value>...)"
      // starts where the prefix, matched alone, ends.
      PatternParts parts;
      if (c.value_group > 0 && SplitAtValueGroup(r->pattern(), &parts) &&
          (parts.suffix.empty() || parts.suffix == "\\b")) {
        const bool keyless = c.key_group < 0 || r->key_words_size() == 0;
        if (parts.prefix.empty() || parts.prefix == "\\b") {
          c.value_is_match = c.key_group < 0;
          if (c.value_is_match && parts.flags.empty() && parts.prefix.empty() &&
              parts.suffix.empty()) {
            c.gap = LazyGapMatcher::Create(parts.value, PrivacyRe2Options());
          }
        } else if (keyless || assignment) {
          auto prefix =
              CompilePattern(id, "pattern", parts.flags + parts.prefix);
          auto value = CompilePattern(
              id, "pattern",
              absl::StrCat(parts.flags, "(?:", parts.value, ")"));
          if (prefix.ok() && value.ok()) {
            c.value_prefix = std::move(*prefix);
            c.value_only = std::move(*value);
          }
        }
      }
    }
    if (!r->value_pattern().empty()) {
      auto vp = CompilePattern(id, "value_pattern", r->value_pattern());
      if (!vp.ok()) return vp.status();
      c.value_pattern = std::move(*vp);
    }
    c.validator = r->validator();
    c.min_length = r->min_length();
    c.max_length = r->max_length();
    c.min_digits = r->min_digits();
    c.min_entropy = r->min_entropy();
    c.key_words = KeyWordMatcher(
        std::vector<std::string>(r->key_words().begin(), r->key_words().end()),
        std::vector<std::string>(r->exclude_key_words().begin(),
                                 r->exclude_key_words().end()));
    std::string allow;
    for (const std::string& name : r->allow()) {
      auto it = allow_lists.find(name);
      if (it == allow_lists.end()) {
        return RuleError(id, absl::StrCat("unknown allow list \"", name, "\""));
      }
      for (const std::string& p : it->second) {
        absl::StrAppend(&allow, allow.empty() ? "" : "|", "(?:", p, ")");
      }
    }
    if (!allow.empty()) {
      auto re = CompilePattern(id, "allow", allow);
      if (!re.ok()) return re.status();
      c.allow = std::move(*re);
    }
    for (const std::string& l : r->literals()) {
      if (l.size() < 2) return RuleError(id, "literals need 2+ characters");
      c.literals.push_back(l);
    }
    for (const std::string& w : r->words()) {
      if (w.size() < 2) return RuleError(id, "words need 2+ characters");
      c.words.push_back(absl::AsciiStrToLower(w));
    }
    for (int s : r->shapes()) {
      if (s <= 0 || s >= forge::exec::v1::PrivacyShape_ARRAYSIZE) {
        return RuleError(id, "invalid shape");
      }
      c.shapes |= 1u << s;
    }
    if (c.literals.empty() && c.words.empty() && c.shapes == 0) {
      return RuleError(id, "needs a trigger (literals, words or shapes)");
    }
    if (c.shapes & (1u << forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT)) {
      absl::string_view p = r->pattern();
      if (absl::StartsWith(p, "(?i)")) p.remove_prefix(4);
      c.anchored_at_key =
          r->key_words_size() > 0 &&
          (c.builtin_assignment || absl::StartsWith(p, "(?P<key>"));
      c.search_record = !c.anchored_at_key;
    }
    if (c.shapes & (1u << forge::exec::v1::PRIVACY_SHAPE_ALWAYS)) {
      c.search_record = true;
    }
    set->rules_.push_back(std::move(c));
  }

  for (const PrivacyBlockRule& b : rules.blocks()) {
    if (b.id().empty() || !ids.insert(b.id()).second) {
      return RuleError(b.id(), "empty or duplicate id");
    }
    if (!IsTypeName(b.type()))
      return RuleError(b.id(), "type must be [A-Z0-9_]+");
    if (!IsCategoryName(b.category())) {
      return RuleError(b.id(), "category must be [a-z0-9_]+");
    }
    if (b.literal().size() < 2)
      return RuleError(b.id(), "literal needs 2+ characters");
    CompiledBlock c;
    c.id = b.id();
    c.type = set->InternType(b.type());
    c.category = set->InternCategory(b.category());
    if (set->type_category_[c.type] < 0)
      set->type_category_[c.type] = c.category;
    auto begin = CompilePattern(b.id(), "begin", b.begin());
    if (!begin.ok()) return begin.status();
    auto end = CompilePattern(b.id(), "end", b.end());
    if (!end.ok()) return end.status();
    auto body = CompilePattern(b.id(), "body", b.body());
    if (!body.ok()) return body.status();
    c.begin = std::move(*begin);
    c.end = std::move(*end);
    c.body = std::move(*body);
    c.max_lines = b.max_lines() == 0 ? 512 : b.max_lines();
    std::string lo, hi;
    if (c.end->PossibleMatchRange(&lo, &hi, 16)) {
      size_t common = 0;
      while (common < lo.size() && common < hi.size() &&
             lo[common] == hi[common]) {
        ++common;
      }
      c.end_literal = lo.substr(0, common);
    }
    c.literal = b.literal();
    set->blocks_.push_back(std::move(c));
  }

  set->classified_category_ =
      set->InternCategory(std::string(kClassifiedCategory));
  set->classified_type_ = set->InternType(std::string(kClassifiedFileType));
  set->type_category_[set->classified_type_] = set->classified_category_;
  set->partial_type_ = set->InternType(std::string(kPartialType));

  for (size_t i = 0; i < set->rules_.size(); ++i) {
    for (int s = 1; s < forge::exec::v1::PrivacyShape_ARRAYSIZE; ++s) {
      if (!(set->rules_[i].shapes & (1u << s))) continue;
      if (s == forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT &&
          set->rules_[i].anchored_at_key) {
        set->shapes_[s].key_rules.push_back(static_cast<uint16_t>(i));
      } else {
        set->shapes_[s].rules.push_back(static_cast<uint16_t>(i));
      }
    }
  }
  for (int s = 1; s < forge::exec::v1::PrivacyShape_ARRAYSIZE; ++s) {
    ShapeGroup& g = set->shapes_[s];
    if (g.rules.size() < 2 || s == forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT ||
        s == forge::exec::v1::PRIVACY_SHAPE_ALWAYS) {
      continue;
    }
    g.set = std::make_unique<RE2::Set>(PrivacyRe2Options(), RE2::ANCHOR_START);
    for (uint16_t r : g.rules) {
      if (set->rules_[r].pattern == nullptr) continue;
      std::string error;
      if (g.set->Add(set->rules_[r].pattern->pattern(), &error) < 0) {
        return RuleError(set->rules_[r].id, absl::StrCat("set: ", error));
      }
    }
    if (!g.set->Compile()) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "privacy rules: RE2::Set for shape ",
          forge::exec::v1::PrivacyShape_Name(static_cast<PrivacyShape>(s)),
          " does not fit in memory"));
    }
  }
  // One matcher for every ASSIGNMENT rule: bit k is key_rules[k]; the
  // rules searched over the record share the last bit (any key word).
  const ShapeGroup& assign =
      set->shapes_[forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT];
  if (assign.key_rules.size() > 63) {
    return absl::InvalidArgumentError(
        "privacy rule set has more than 63 key-anchored assignment rules");
  }
  for (size_t k = 0; k < assign.key_rules.size(); ++k) {
    const PrivacyRule* r = all[assign.key_rules[k]];
    set->assignment_key_words_.Add(
        std::vector<std::string>(r->key_words().begin(), r->key_words().end()),
        std::vector<std::string>(r->exclude_key_words().begin(),
                                 r->exclude_key_words().end()),
        static_cast<int>(k));
  }
  for (uint16_t i : assign.rules) {
    const PrivacyRule* r = all[i];
    set->assignment_key_words_.Add(
        std::vector<std::string>(r->key_words().begin(), r->key_words().end()),
        {}, 63);
  }
  return set;
}

bool RuleSet::IsKnownName(absl::string_view name) const {
  for (const std::string& t : type_names_) {
    if (t == name) return true;
  }
  for (const std::string& c : category_names_) {
    if (c == name) return true;
  }
  return false;
}

absl::StatusOr<RuleMask> RuleSet::MaskWithout(
    absl::Span<const std::string> disabled,
    absl::Span<const std::string> enabled_again) const {
  for (absl::Span<const std::string> names : {disabled, enabled_again}) {
    for (const std::string& n : names) {
      if (!IsKnownName(n)) {
        return absl::InvalidArgumentError(
            absl::StrCat("privacy: unknown category or type \"", n, "\""));
      }
    }
  }
  auto listed = [](absl::Span<const std::string> names, absl::string_view a,
                   absl::string_view b) {
    return std::find(names.begin(), names.end(), a) != names.end() ||
           std::find(names.begin(), names.end(), b) != names.end();
  };
  RuleMask mask;
  auto decide = [&](size_t bit, TypeId type, int category) {
    const std::string& t = type_names_[type];
    const std::string& c = category_names_[category];
    const bool off = listed(disabled, t, c) && !listed(enabled_again, t, c);
    mask.set(bit, !off);
  };
  for (size_t i = 0; i < rules_.size(); ++i) {
    decide(i, rules_[i].type, rules_[i].category);
  }
  for (size_t b = 0; b < blocks_.size(); ++b) {
    decide(block_bit(b), blocks_[b].type, blocks_[b].category);
  }
  return mask;
}

}  // namespace forge::privacy
