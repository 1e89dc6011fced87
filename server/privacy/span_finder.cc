#include "server/privacy/span_finder.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "server/privacy/re2_views.h"
#include "server/privacy/text_decoder.h"
#include "server/privacy/validators.h"
#include "server/privacy/value_checks.h"

namespace forge::privacy {
namespace {

using forge::exec::v1::PrivacyShape_ARRAYSIZE;
using forge::exec::v1::PrivacyValidator;

constexpr int kMaxGroups = 8;

}  // namespace

void MergeSpans(std::vector<Span>* spans) {
  if (spans->size() < 2) return;
  std::sort(spans->begin(), spans->end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  size_t out = 0;
  for (size_t i = 1; i < spans->size(); ++i) {
    Span& last = (*spans)[out];
    const Span& s = (*spans)[i];
    if (s.begin < last.end) {
      last.end = std::max(last.end, s.end);
      if (s.priority > last.priority) {
        last.type = s.type;
        last.priority = s.priority;
        last.rule = s.rule;
      }
    } else {
      (*spans)[++out] = s;
    }
  }
  spans->resize(out + 1);
}

SpanFinder::SpanFinder(const RuleSet& rules)
    : rules_(rules), prefilter_(rules) {}

bool SpanFinder::Validate(const CompiledRule& rule, absl::string_view text,
                          size_t* begin, size_t* end) const {
  const bool quoted = StripQuotes(text, begin, end);
  if (*begin >= *end) return false;
  absl::string_view value = text.substr(*begin, *end - *begin);
  if (rule.min_length > 0 && value.size() < rule.min_length) return false;
  if (rule.max_length > 0 && value.size() > rule.max_length) return false;
  if (rule.min_digits > 0 &&
      CountDigits(value) < static_cast<int>(rule.min_digits)) {
    return false;
  }
  bool ok = true;
  switch (rule.validator) {
    case PrivacyValidator::PRIVACY_VALIDATOR_LUHN:
      ok = IsCardNumber(value);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_IBAN:
      ok = IsIban(text, *begin, end);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_US_SSN:
      ok = IsUsSsn(value);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_NANP_PHONE:
      ok = IsNanpPhone(value);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_E164_PHONE:
      ok = IsE164Phone(text, *begin, end);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_PHONE_DIGITS:
      ok = IsPhoneDigits(text, *begin, end);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_IPV4:
      ok = IsReportableIpv4(text, *begin, *end);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_IPV6:
      ok = IsReportableIpv6(value);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_DATE:
      ok = IsPlausibleDate(value);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_JWT:
      ok = IsJwt(value);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_BASIC_AUTH:
      ok = IsBasicAuthCredential(value);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_PASSWORD:
      ok = IsPasswordValue(text, *begin, *end, quoted);
      break;
    case PrivacyValidator::PRIVACY_VALIDATOR_SECRET:
      ok = IsSecretValue(text, *begin, *end, quoted, rule.min_entropy);
      break;
    default:
      if (rule.min_entropy > 0) ok = ShannonEntropy(value) >= rule.min_entropy;
      break;
  }
  if (!ok) return false;
  value = text.substr(*begin, *end - *begin);
  for (const RE2* allow : rule.allow) {
    if (RE2::FullMatch(ToPiece(value), *allow)) return false;
  }
  return true;
}

void SpanFinder::MatchRule(uint16_t index, absl::string_view text,
                           std::vector<Span>* spans) const {
  const CompiledRule& rule = rules_.rules()[index];
  re2::StringPiece groups[kMaxGroups];
  const int n = std::min(rule.groups + 1, kMaxGroups);
  const re2::StringPiece piece = ToPiece(text);
  size_t pos = 0;
  while (pos <= text.size() &&
         rule.pattern->Match(piece, pos, text.size(), RE2::UNANCHORED, groups,
                             n)) {
    const size_t match_begin = groups[0].data() - text.data();
    const size_t match_end = match_begin + groups[0].size();
    pos = match_end > match_begin ? match_end : match_begin + 1;
    const re2::StringPiece v =
        rule.value_group < n ? groups[rule.value_group] : groups[0];
    if (v.data() == nullptr) continue;
    if (rule.key_group >= 0 && rule.key_group < n && !rule.key_words.empty() &&
        !rule.key_words.Matches(FromPiece(groups[rule.key_group]))) {
      continue;
    }
    size_t begin = v.data() - text.data();
    size_t end = begin + v.size();
    if (!Validate(rule, text, &begin, &end)) continue;
    spans->push_back(Span{begin, end, rule.type, rule.priority, index});
  }
}

void SpanFinder::FindOpenBlock(absl::string_view text, const RuleMask& enabled,
                               const RuleMask& candidates,
                               RecordMatches* out) const {
  const auto& blocks = rules_.blocks();
  for (size_t b = 0; b < blocks.size(); ++b) {
    const size_t bit = rules_.block_bit(b);
    if (!candidates.test(bit) || !enabled.test(bit)) continue;
    const re2::StringPiece piece = ToPiece(text);
    re2::StringPiece m;
    size_t pos = 0;
    while (pos < text.size() &&
           blocks[b].begin->Match(piece, pos, text.size(), RE2::UNANCHORED, &m,
                                  1)) {
      const size_t begin = m.data() - text.data();
      const size_t after = begin + m.size();
      re2::StringPiece e;
      if (blocks[b].end->Match(piece, after, text.size(), RE2::UNANCHORED, &e,
                               1)) {
        pos = (e.data() - text.data()) + e.size();
        continue;
      }
      if (!out->block_opened || begin < out->block_begin) {
        out->block_opened = true;
        out->block_begin = begin;
        out->block = static_cast<uint16_t>(b);
      }
      break;
    }
  }
}

void SpanFinder::FindIn(absl::string_view text, const RuleMask& enabled,
                        bool decode, std::vector<Span>* spans,
                        RecordMatches* blocks) const {
  Candidates cands;
  prefilter_.Scan(text, &cands);
  if (!cands.empty()) {
    RunCandidates(text, enabled, cands, spans);
    if (blocks != nullptr && !rules_.blocks().empty()) {
      FindOpenBlock(text, enabled, cands.rules, blocks);
    }
  }
  if (!decode || !cands.decode) return;
  std::string decoded;
  std::vector<uint32_t> offsets;
  DecodeForMatching(text, &decoded, &offsets);
  if (decoded.size() == text.size()) return;
  std::vector<Span> inner;
  FindIn(decoded, enabled, /*decode=*/false, &inner, nullptr);
  for (Span s : inner) {
    s.begin = offsets[s.begin];
    s.end = offsets[s.end];
    if (s.end > s.begin) spans->push_back(s);
  }
}

void SpanFinder::RunCandidates(absl::string_view text, const RuleMask& enabled,
                               const Candidates& cands,
                               std::vector<Span>* spans) const {
  RuleMask run = cands.rules & enabled;
  std::vector<int> hits;
  for (int s = 1; s < PrivacyShape_ARRAYSIZE; ++s) {
    if (!(cands.shapes & (1u << s))) continue;
    const ShapeGroup& g = rules_.shape_group(s);
    int enabled_in_group = 0;
    for (uint16_t r : g.rules) enabled_in_group += enabled.test(r);
    if (enabled_in_group == 0) continue;
    if (g.set != nullptr && enabled_in_group > 1) {
      hits.clear();
      if (!g.set->Match(ToPiece(text), &hits)) continue;
      for (int h : hits) {
        if (enabled.test(g.rules[h])) run.set(g.rules[h]);
      }
    } else {
      for (uint16_t r : g.rules) {
        if (enabled.test(r)) run.set(r);
      }
    }
  }
  const size_t n_rules = rules_.rules().size();
  for (size_t r = 0; r < n_rules; ++r) {
    if (run.test(r)) MatchRule(static_cast<uint16_t>(r), text, spans);
  }
}

void SpanFinder::Find(absl::string_view text, const RuleMask& enabled,
                      RecordMatches* out) const {
  out->Clear();
  FindIn(text, enabled, /*decode=*/true, &out->spans, out);
  MergeSpans(&out->spans);
  if (out->block_opened) {
    // Everything from the block's start on belongs to the block.
    while (!out->spans.empty() && out->spans.back().begin >= out->block_begin) {
      out->spans.pop_back();
    }
    if (!out->spans.empty() && out->spans.back().end > out->block_begin) {
      out->spans.back().end = out->block_begin;
    }
  }
}

}  // namespace forge::privacy
