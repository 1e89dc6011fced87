#include "cars/rule_set.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace forge::cars {
namespace {

using ::forge::exec::v1::CarsLanguage;
using ::forge::exec::v1::CarsRule;
using ::forge::exec::v1::CarsSink;
using ::forge::exec::v1::CarsTarget;

RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  return options;
}

int LanguageIndex(Language language) { return static_cast<int>(language); }

CarsLanguage ToProto(Language language) {
  switch (language) {
    case Language::kPython:
      return forge::exec::v1::CARS_LANGUAGE_PYTHON;
    case Language::kJavaScript:
      return forge::exec::v1::CARS_LANGUAGE_JAVASCRIPT;
    case Language::kBash:
      return forge::exec::v1::CARS_LANGUAGE_BASH;
  }
  return forge::exec::v1::CARS_LANGUAGE_UNSPECIFIED;
}

// Fact kinds a target's rules are matched against.
std::vector<FactKind> KindsFor(CarsTarget target) {
  switch (target) {
    case forge::exec::v1::CARS_TARGET_CALL:
      return {FactKind::kCall};
    case forge::exec::v1::CARS_TARGET_REFERENCE:
      return {FactKind::kReference};
    case forge::exec::v1::CARS_TARGET_IMPORT:
      return {FactKind::kImport};
    case forge::exec::v1::CARS_TARGET_STRING:
      return {FactKind::kString};
    case forge::exec::v1::CARS_TARGET_COMMENT:
      return {FactKind::kComment};
    case forge::exec::v1::CARS_TARGET_TEXT:
      return {FactKind::kString, FactKind::kComment};
    case forge::exec::v1::CARS_TARGET_COMMAND:
      return {FactKind::kCommand};
    case forge::exec::v1::CARS_TARGET_PIPELINE:
      return {FactKind::kPipeline};
    default:
      return {};
  }
}

bool HasTag(const CarsRule& rule, absl::string_view tag) {
  return std::find(rule.tags().begin(), rule.tags().end(), tag) !=
         rule.tags().end();
}

}  // namespace

const std::vector<std::string>& KnownAnalyses() {
  static const auto* names =
      new std::vector<std::string>{"downloaded_code_executed",
                                   "decoded_payload_executed",
                                   "obfuscated_payload_executed",
                                   "dynamic_code_executed",
                                   "dynamic_shell_command",
                                   "file_content_executed",
                                   "payload_too_deep",
                                   "dynamic_import",
                                   "computed_call",
                                   "dynamic_command",
                                   "obfuscated_name",
                                   "computed_name",
                                   "disguised_identifier",
                                   "unicode_tag_characters",
                                   "bidi_control",
                                   "zero_width_character",
                                   "secret_in_code",
                                   "unbounded_loop",
                                   "fork_bomb",
                                   "spawn_in_loop",
                                   "huge_allocation",
                                   "input_too_complex",
                                   "obfuscated_identifiers",
                                   "variable_command",
                                   "string_code_executed",
                                   "downloaded_file_executed"};
  return *names;
}

const std::vector<std::string>& KnownRequestAnalyses() {
  static const auto* names = new std::vector<std::string>{
      "network_egress", "limits_above_default", "limits_far_above_default"};
  return *names;
}

absl::StatusOr<std::unique_ptr<RuleSet>> RuleSet::Compile(
    const forge::exec::v1::CarsRuleSet& rules) {
  std::unique_ptr<RuleSet> out(new RuleSet());
  out->proto_ = rules;
  absl::flat_hash_set<std::string> ids;
  absl::flat_hash_set<std::string> tags;
  for (int r = 0; r < rules.rules_size(); ++r) {
    const CarsRule& rule = rules.rules(r);
    const std::string where =
        absl::StrCat("rules[", r, "] \"", rule.id(), "\": ");
    if (rule.id().empty())
      return absl::InvalidArgumentError(absl::StrCat(where, "empty id"));
    if (!ids.insert(rule.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, "duplicate id"));
    }
    if (rule.type() == forge::exec::v1::RISK_TYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(where, "no type"));
    }
    if (!(rule.score() >= 0.0 && rule.score() <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "score outside [0, 1]"));
    }
    for (const std::string& tag : rule.tags()) tags.insert(tag);
    const CarsTarget target = rule.target();
    if (target == forge::exec::v1::CARS_TARGET_ANALYSIS ||
        target == forge::exec::v1::CARS_TARGET_REQUEST) {
      const auto& known = target == forge::exec::v1::CARS_TARGET_ANALYSIS
                              ? KnownAnalyses()
                              : KnownRequestAnalyses();
      if (std::find(known.begin(), known.end(), rule.analysis()) ==
          known.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "unknown analysis \"", rule.analysis(), "\""));
      }
      out->by_analysis_[rule.analysis()].push_back(r);
      out->within_call_.push_back(nullptr);
      continue;
    }
    const std::vector<FactKind> kinds = KindsFor(target);
    if (kinds.empty())
      return absl::InvalidArgumentError(absl::StrCat(where, "no target"));
    RE2 check(rule.pattern(), PatternOptions());
    if (rule.pattern().empty() || !check.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          "bad pattern: ", rule.pattern().empty() ? "empty" : check.error()));
    }
    if (!rule.within_call().empty()) {
      auto within = std::make_unique<RE2>(rule.within_call(), PatternOptions());
      if (!within->ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "bad within_call: ", within->error()));
      }
      out->within_call_.push_back(std::move(within));
    } else {
      out->within_call_.push_back(nullptr);
    }
    for (Language language :
         {Language::kPython, Language::kJavaScript, Language::kBash}) {
      if (!out->Applies(r, language)) continue;
      const int l = LanguageIndex(language);
      auto add = [&](CompiledSet& set) {
        if (set.set == nullptr)
          set.set =
              std::make_unique<RE2::Set>(PatternOptions(), RE2::UNANCHORED);
        std::string error;
        set.set->Add(rule.pattern(), &error);
        set.rules.push_back(r);
      };
      for (FactKind kind : kinds) add(out->sets_[l][static_cast<int>(kind)]);
      if (target == forge::exec::v1::CARS_TARGET_CALL) {
        if (HasTag(rule, "download")) add(out->downloads_[l]);
        if (HasTag(rule, "spawn")) add(out->spawns_[l]);
        if (rule.sink() != forge::exec::v1::CARS_SINK_UNSPECIFIED)
          add(out->sinks_[l]);
      }
    }
  }
  for (int c = 0; c < rules.combinations_size(); ++c) {
    const auto& combo = rules.combinations(c);
    const std::string where =
        absl::StrCat("combinations[", c, "] \"", combo.id(), "\": ");
    if (combo.id().empty() || !ids.insert(combo.id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "empty or duplicate id"));
    }
    if (combo.all_of().empty())
      return absl::InvalidArgumentError(absl::StrCat(where, "no all_of"));
    if (combo.type() == forge::exec::v1::RISK_TYPE_UNSPECIFIED ||
        !(combo.score() >= 0.0 && combo.score() <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "no type or bad score"));
    }
    for (const std::string& tag : combo.all_of()) {
      if (!tags.contains(tag)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "no rule has tag \"", tag, "\""));
      }
    }
    for (const std::string& tag : combo.tags()) tags.insert(tag);
  }
  for (auto& per_language : out->sets_) {
    for (CompiledSet& set : per_language) {
      if (!set.empty() && !set.set->Compile()) {
        return absl::ResourceExhaustedError(
            "CARS rules: RE2 set too large to compile");
      }
    }
  }
  for (auto* group : {&out->downloads_, &out->spawns_, &out->sinks_}) {
    for (CompiledSet& set : *group) {
      if (!set.empty() && !set.set->Compile()) {
        return absl::ResourceExhaustedError(
            "CARS rules: RE2 set too large to compile");
      }
    }
  }
  return out;
}

bool RuleSet::Applies(int rule, Language language) const {
  const auto& languages = proto_.rules(rule).languages();
  if (languages.empty()) return true;
  return std::find(languages.begin(), languages.end(), ToProto(language)) !=
         languages.end();
}

void RuleSet::MatchText(Language language, FactKind kind,
                        absl::string_view text, std::vector<int>* out) const {
  const CompiledSet& set =
      sets_[LanguageIndex(language)][static_cast<int>(kind)];
  if (set.empty()) return;
  const uint8_t space = static_cast<uint8_t>(LanguageIndex(language) * 16 +
                                             static_cast<int>(kind));
  std::vector<int> rules;
  if (cache_.Find(space, text, &rules)) {
    out->insert(out->end(), rules.begin(), rules.end());
    return;
  }
  std::vector<int> hits;
  if (set.set->Match(re2::StringPiece(text.data(), text.size()), &hits)) {
    for (int hit : hits) rules.push_back(set.rules[hit]);
  }
  out->insert(out->end(), rules.begin(), rules.end());
  cache_.Store(space, text, std::move(rules));
}

bool RuleSet::AcceptsContext(int rule,
                             const std::vector<std::string>& context) const {
  const RE2* within = within_call_[rule].get();
  if (within == nullptr) return true;
  for (const std::string& call : context) {
    if (RE2::PartialMatch(call, *within)) return true;
  }
  return false;
}

void RuleSet::Match(Language language, const Fact& fact,
                    std::vector<int>* out) const {
  std::vector<int> hits;
  MatchText(language, fact.kind, fact.text, &hits);
  for (int r : hits) {
    if (AcceptsContext(r, fact.context)) out->push_back(r);
  }
}

std::vector<int> RuleSet::RulesForAnalysis(Language language,
                                           absl::string_view analysis) const {
  std::vector<int> out;
  auto it = by_analysis_.find(analysis);
  if (it == by_analysis_.end()) return out;
  for (int r : it->second) {
    if (Applies(r, language)) out.push_back(r);
  }
  return out;
}

bool RuleSet::AnyMatch(const CompiledSet& set, absl::string_view text) const {
  if (set.empty()) return false;
  std::vector<int> hits;
  return set.set->Match(re2::StringPiece(text.data(), text.size()), &hits);
}

bool RuleSet::CachedAnyMatch(uint8_t space, const CompiledSet& set,
                             absl::string_view text) const {
  std::vector<int> known;
  if (cache_.Find(space, text, &known)) return !known.empty();
  const bool hit = AnyMatch(set, text);
  cache_.Store(space, text, hit ? std::vector<int>{1} : std::vector<int>{});
  return hit;
}

bool RuleSet::IsDownload(Language language, absl::string_view chain) const {
  return CachedAnyMatch(static_cast<uint8_t>(200 + LanguageIndex(language)),
                        downloads_[LanguageIndex(language)], chain);
}

bool RuleSet::IsSpawn(Language language, absl::string_view chain) const {
  return CachedAnyMatch(static_cast<uint8_t>(210 + LanguageIndex(language)),
                        spawns_[LanguageIndex(language)], chain);
}

SinkInfo RuleSet::SinkFor(Language language, absl::string_view chain) const {
  const CompiledSet& set = sinks_[LanguageIndex(language)];
  if (set.empty()) return {};
  // Memoised as the index of the deciding rule (none when no sink matches).
  const uint8_t space = static_cast<uint8_t>(220 + LanguageIndex(language));
  std::vector<int> deciding;
  if (!cache_.Find(space, chain, &deciding)) {
    std::vector<int> hits;
    if (set.set->Match(re2::StringPiece(chain.data(), chain.size()), &hits)) {
      deciding.push_back(
          set.rules[*std::min_element(hits.begin(), hits.end())]);
    }
    cache_.Store(space, chain, deciding);
  }
  if (deciding.empty()) return {};
  const CarsRule& rule = proto_.rules(deciding[0]);
  SinkInfo info;
  info.kind = rule.sink() == forge::exec::v1::CARS_SINK_CODE ? SinkKind::kCode
                                                             : SinkKind::kShell;
  info.payload_arg = rule.payload_arg();
  info.payload_is_last = rule.payload_is_last();
  info.string_payload_only = rule.string_payload_only();
  return info;
}

}  // namespace forge::cars
