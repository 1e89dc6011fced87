#include "cars/assessor.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cars/analysis.h"
#include "cars/evidence.h"
#include "cars/fact_matcher.h"
#include "cars/folded_value.h"
#include "cars/language.h"
#include "cars/request_risk.h"
#include "cars/source_text.h"
#include "cars/unicode_scan.h"
#include "cars/utf8.h"
#include "common/crypto.h"
#include "common/status_macros.h"

namespace forge::cars {
namespace {

using ::forge::exec::v1::CarsCombination;
using ::forge::exec::v1::CarsRule;
using ::forge::exec::v1::RiskAssessment;

// Names reached through obfuscation are reported when the name itself is at
// least this risky.
constexpr double kRiskyName = 0.3;
constexpr size_t kMaxMitigations = 8;
constexpr size_t kMaxDetail = 160;

// A finding before deduplication: a rule or a combination at a place.
struct Candidate {
  const CarsRule* rule = nullptr;
  const CarsCombination* combination = nullptr;
  Location where;
  std::string detail;
  int payload_depth = 0;

  const std::string& id() const {
    return rule ? rule->id() : combination->id();
  }
  double score() const { return rule ? rule->score() : combination->score(); }
};

std::string Quote(absl::string_view text) {
  std::string cut(text.substr(0, 80));
  if (text.size() > 80) cut += "…";
  return absl::StrCat("\"", cut, "\"");
}

std::string FactDetail(const Fact& fact) {
  std::string detail;
  switch (fact.kind) {
    case FactKind::kCall:
      detail = absl::StrCat("calls ", fact.text);
      break;
    case FactKind::kReference:
      detail = absl::StrCat("uses ", fact.text);
      break;
    case FactKind::kImport:
      detail = absl::StrCat("imports ", fact.text);
      break;
    case FactKind::kString:
      detail = Quote(fact.text);
      break;
    case FactKind::kCommand:
    case FactKind::kPipeline:
      detail = Quote(fact.text);
      break;
    case FactKind::kComment:
      detail = absl::StrCat("comment ", Quote(fact.text));
      break;
  }
  if (fact.flags & (kFoldDecoded | kFoldOpaqueDecoder)) {
    absl::StrAppend(&detail, " (decoded at run time)");
  } else if (fact.flags & (kFoldObfuscated | kFoldDisguisedName)) {
    absl::StrAppend(&detail, " (assembled or disguised to hide it)");
  }
  return detail;
}

}  // namespace

AssessmentInput InputFromRequest(const forge::exec::v1::AssessRequest& request,
                                 absl::string_view tenant) {
  return AssessmentInput{request.runtime(), request.code(), request.network(),
                         request.limits(), tenant};
}

AssessmentInput InputFromRequest(const forge::exec::v1::ExecuteRequest& request,
                                 absl::string_view tenant) {
  return AssessmentInput{request.runtime(), request.code(), request.network(),
                         request.limits(), tenant};
}

absl::StatusOr<std::unique_ptr<Assessor>> Assessor::Create(
    const forge::exec::v1::CarsRuleSet& rules,
    const forge::exec::v1::CarsPolicy& policy,
    std::shared_ptr<const SecretScanner> secrets) {
  FORGE_ASSIGN_OR_RETURN(std::unique_ptr<RuleSet> compiled,
                         RuleSet::Compile(rules));
  FORGE_ASSIGN_OR_RETURN(Policy resolved, Policy::Create(policy));
  if (secrets == nullptr) secrets = std::make_shared<FallbackSecretScanner>();
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  {
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    rules.SerializeToCodedStream(&coded);
    policy.SerializeToCodedStream(&coded);
  }
  std::string version =
      absl::StrCat(rules.version().empty() ? "rules" : rules.version(), "+",
                   Sha256Hex(bytes).substr(0, 12));
  return std::unique_ptr<Assessor>(
      new Assessor(std::move(compiled), std::move(resolved), std::move(secrets),
                   std::move(version)));
}

Assessor::Assessor(std::unique_ptr<RuleSet> rules, Policy policy,
                   std::shared_ptr<const SecretScanner> secrets,
                   std::string version)
    : rules_(std::move(rules)),
      policy_(std::move(policy)),
      secrets_(std::move(secrets)),
      policy_version_(std::move(version)) {}

absl::StatusOr<Assessment> Assessor::Assess(
    const AssessmentInput& input) const {
  FORGE_ASSIGN_OR_RETURN(const Language language,
                         LanguageForRuntime(input.runtime));
  const absl::string_view code = input.code;
  const absl::string_view tenant = input.tenant;
  const std::vector<SecretSpan> secrets = secrets_->FindSecrets(code);

  // Analyses build only the facts some rule's pattern matches; the matcher
  // remembers which rules each text matched for the scoring below.
  const FactMatcher matcher(*rules_);
  Evidence evidence;
  evidence.filter = &matcher;
  FoldBudget budget{static_cast<int64_t>(200000 + 16 * code.size())};
  AnalysisContext context;
  context.knowledge = rules_.get();
  context.budget = &budget;
  AnalyzeSource(language, code, context, &evidence);
  ScanInvisibleUnicode(code, language, &evidence);
  if (!secrets.empty()) {
    const LineIndex lines(code);
    absl::flat_hash_set<std::string> seen;
    for (const SecretSpan& s : secrets) {
      if (!seen.insert(absl::StrCat(s.type, "@", lines.Locate(s.begin).line))
               .second)
        continue;
      evidence.detections.push_back(
          {"secret_in_code", language,
           lines.Locate(static_cast<uint32_t>(s.begin)),
           absl::StrCat("a ", s.type, " written into the code"), 0});
    }
  }
  AddRequestRisk(input, policy_.default_limits(), language, &evidence);

  // Facts and detections → candidates.
  std::vector<Candidate> candidates;
  auto add = [&](int r, const Location& where, std::string detail, int depth) {
    const CarsRule& rule = rules_->rule(r);
    if (policy_.IsDisabled(rule.id(), tenant)) return;
    candidates.push_back({&rule, nullptr, where, std::move(detail), depth});
  };
  std::vector<int> matched;
  for (const Fact& fact : evidence.facts) {
    matched.clear();
    for (int r : matcher.Hits(fact.language, fact.kind, fact.text)) {
      if (rules_->AcceptsContext(r, fact.context)) matched.push_back(r);
    }
    if (matched.empty()) continue;
    double top = 0;
    for (int r : matched) {
      add(r, fact.where, FactDetail(fact), fact.payload_depth);
      top = std::max(top, rules_->rule(r).score());
    }
    const bool name = fact.kind == FactKind::kCall ||
                      fact.kind == FactKind::kReference ||
                      fact.kind == FactKind::kImport;
    if (name && top >= kRiskyName) {
      const char* analysis = nullptr;
      if (fact.flags & (kFoldObfuscated | kFoldDisguisedName | kFoldDecoded)) {
        analysis = "obfuscated_name";
      } else if (fact.flags & kFoldComputedName) {
        analysis = "computed_name";
      }
      if (analysis != nullptr) {
        for (int r : rules_->RulesForAnalysis(fact.language, analysis)) {
          add(r, fact.where, absl::StrCat("reaches ", fact.text),
              fact.payload_depth);
        }
      }
    }
  }
  for (const Detection& d : evidence.detections) {
    for (int r : rules_->RulesForAnalysis(d.language, d.analysis)) {
      add(r, d.where, d.detail, d.payload_depth);
    }
  }

  // Combinations of capabilities, in file order; a combination's own tags
  // can complete a later one.
  absl::flat_hash_map<std::string, const Candidate*>
      tags;  // tag → latest candidate
  auto note_tags = [&](const Candidate& c) {
    const auto& list = c.rule ? c.rule->tags() : c.combination->tags();
    for (const std::string& tag : list) {
      const Candidate*& slot = tags[tag];
      if (slot == nullptr || slot->where.offset < c.where.offset) slot = &c;
    }
  };
  candidates.reserve(candidates.size() + rules_->proto().combinations_size());
  for (const Candidate& c : candidates) note_tags(c);
  for (const CarsCombination& combo : rules_->proto().combinations()) {
    if (policy_.IsDisabled(combo.id(), tenant)) continue;
    const Candidate* last = nullptr;
    std::vector<std::string> parts;
    bool complete = true;
    for (const std::string& tag : combo.all_of()) {
      auto it = tags.find(tag);
      if (it == tags.end()) {
        complete = false;
        break;
      }
      if (std::find(parts.begin(), parts.end(), it->second->id()) ==
          parts.end()) {
        parts.push_back(it->second->id());
      }
      if (last == nullptr || last->where.offset < it->second->where.offset)
        last = it->second;
    }
    bool any = combo.any_of().empty();
    for (const std::string& tag : combo.any_of()) {
      if (auto it = tags.find(tag); it != tags.end()) {
        any = true;
        if (std::find(parts.begin(), parts.end(), it->second->id()) ==
            parts.end()) {
          parts.push_back(it->second->id());
        }
      }
    }
    if (!complete || !any) continue;
    candidates.push_back(
        {nullptr, &combo, last->where,
         absl::StrCat("together: ", absl::StrJoin(parts, ", ")), 0});
    note_tags(candidates.back());
  }

  // Strongest first; one finding per rule and line.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     return a.score() > b.score();
                   });
  Assessment result;
  RiskAssessment& out = result.assessment;
  absl::flat_hash_set<std::string> seen;
  absl::flat_hash_set<int> types;
  absl::flat_hash_set<std::string> mitigations;
  double score = 0;
  for (const Candidate& c : candidates) {
    score = std::max(score, c.score());
    if (!seen.insert(absl::StrCat(c.id(), "@", c.where.line)).second) continue;
    if (static_cast<size_t>(out.findings_size()) >= policy_.max_findings())
      continue;
    auto* finding = out.add_findings();
    finding->set_rule_id(c.id());
    const auto type = c.rule ? c.rule->type() : c.combination->type();
    finding->set_type(type);
    types.insert(type);
    finding->set_score(c.score());
    finding->set_line(c.where.line);
    finding->set_column(c.where.line == 0 ? 0 : c.where.column);
    if (c.where.line > 0) {
      finding->set_excerpt(MakeExcerpt(code, c.where.offset, secrets));
    } else {
      finding->set_excerpt("(request options)");
    }
    std::string description =
        c.rule ? c.rule->description() : c.combination->description();
    if (!c.detail.empty()) {
      std::string detail =
          c.detail.size() > kMaxDetail
              ? absl::StrCat(c.detail.substr(0, kMaxDetail), "…")
              : c.detail;
      absl::StrAppend(&description, ": ", detail);
    }
    if (c.payload_depth > 0)
      absl::StrAppend(&description, " (in code the program runs)");
    finding->set_description(EscapeForDisplay(
        MaskSecrets(description, secrets_->FindSecrets(description))));
    const std::string& mitigation =
        c.rule ? c.rule->mitigation() : c.combination->mitigation();
    if (!mitigation.empty() && mitigations.size() < kMaxMitigations &&
        mitigations.insert(mitigation).second) {
      out.add_mitigations(mitigation);
    }
  }
  std::vector<int> sorted_types(types.begin(), types.end());
  std::sort(sorted_types.begin(), sorted_types.end());
  for (int t : sorted_types)
    out.add_types(static_cast<forge::exec::v1::RiskType>(t));
  out.set_score(score);
  out.set_level(policy_.LevelFor(score, tenant));
  out.set_policy_version(policy_version_);
  result.action = policy_.ActionFor(out.level(), tenant);
  return result;
}

}  // namespace forge::cars
