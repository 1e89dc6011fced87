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
// Literal and word rules may start matching this far before their trigger
// ("https://" before "hooks.slack.com", "&" before "sig=").
constexpr uint32_t kLookback = 16;

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
  if (rule.value_pattern != nullptr &&
      !RE2::FullMatch(ToPiece(value), *rule.value_pattern)) {
    return false;
  }
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
  if (rule.allow != nullptr && RE2::FullMatch(ToPiece(value), *rule.allow)) {
    return false;
  }
  return true;
}

bool SpanFinder::AcceptMatch(uint16_t index, absl::string_view text,
                             size_t match_begin, size_t match_end,
                             std::vector<Span>* spans) const {
  const CompiledRule& rule = rules_.rules()[index];
  size_t begin = match_begin;
  size_t end = match_end;
  if (!rule.value_is_match) {
    // The match is known; recover its groups on just that span (anchored at
    // both ends, so cheap).
    re2::StringPiece groups[kMaxGroups];
    const int n = std::min(rule.groups + 1, kMaxGroups);
    if (!rule.pattern->Match(ToPiece(text), match_begin, match_end,
                             RE2::ANCHOR_BOTH, groups, n)) {
      return false;
    }
    if (rule.key_group >= 0 && rule.key_group < n && !rule.key_words.empty() &&
        !rule.key_words.Matches(FromPiece(groups[rule.key_group]))) {
      return false;
    }
    const re2::StringPiece v =
        rule.value_group < n ? groups[rule.value_group] : groups[0];
    if (v.data() == nullptr) return false;
    begin = v.data() - text.data();
    end = begin + v.size();
  }
  const size_t before = spans->size();
  AcceptValue(index, text, begin, end, spans);
  return spans->size() > before;
}

void SpanFinder::AcceptValue(uint16_t index, absl::string_view text,
                             size_t begin, size_t end,
                             std::vector<Span>* spans) const {
  const CompiledRule& rule = rules_.rules()[index];
  if (!Validate(rule, text, &begin, &end)) return;
  spans->push_back(Span{begin, end, rule.type, rule.priority, index});
}

bool ParseAssignmentValue(absl::string_view text, size_t from, size_t* begin,
                          size_t* end) {
  if (from >= text.size()) return false;
  const char q = text[from];
  if (q == '"' || q == '\'' || q == '`') {
    size_t i = from + 1;
    while (i < text.size() && text[i] != q && text[i] != '\n' &&
           text[i] != '\r') {
      ++i;
    }
    if (i >= text.size() || text[i] != q || i == from + 1) return false;
    *begin = from;
    *end = i + 1;
    return true;
  }
  auto stops = [](char c) {
    switch (c) {
      case ' ':
      case '\t':
      case '\n':
      case '\r':
      case '\f':
      case '\v':
      case '"':
      case '\'':
      case '`':
      case ',':
      case ';':
      case ')':
      case ']':
      case '}':
      case '&':
      case '<':
      case '>':
        return true;
      default:
        return false;
    }
  };
  if (stops(q) || q == '=' || q == '[' || q == '{') return false;
  size_t i = from + 1;
  while (i < text.size() && !stops(text[i])) ++i;
  *begin = from;
  *end = i;
  return true;
}

void SpanFinder::MatchRuleFrom(uint16_t index, absl::string_view text,
                               const uint32_t* starts, size_t n_starts,
                               std::vector<Span>* spans) const {
  const CompiledRule& rule = rules_.rules()[index];
  const re2::StringPiece piece = ToPiece(text);
  re2::StringPiece m;
  size_t searched_to = 0;  // no match starts in [.., searched_to) unseen
  for (size_t i = 0; i < n_starts; ++i) {
    const size_t from = std::max<size_t>(starts[i], searched_to);
    if (i > 0 && from < searched_to) continue;
    if (from > text.size()) break;
    if (!rule.pattern->Match(piece, from, text.size(), RE2::UNANCHORED, &m,
                             1)) {
      break;  // nothing from here to the end of the record
    }
    const size_t mb = m.data() - text.data();
    const size_t me = mb + m.size();
    AcceptMatch(index, text, mb, me, spans);
    searched_to = me > mb ? me : mb + 1;
    // Skip the starts the search already passed.
    while (i + 1 < n_starts && starts[i + 1] < searched_to &&
           starts[i + 1] <= mb) {
      ++i;
    }
  }
}

void SpanFinder::MatchRuleAtKeys(uint16_t index, absl::string_view text,
                                 const std::vector<AssignmentKey>& keys,
                                 std::vector<Span>* spans) const {
  const CompiledRule& rule = rules_.rules()[index];
  re2::StringPiece m;
  for (const AssignmentKey& key : keys) {
    if (!rule.key_words.Matches(
            text.substr(key.key_begin, key.key_end - key.key_begin))) {
      continue;
    }
    if (rule.builtin_assignment) {
      size_t begin, end;
      if (ParseAssignmentValue(text, key.value_begin, &begin, &end)) {
        AcceptValue(index, text, begin, end, spans);
      }
      continue;
    }
    if (rule.pattern->Match(ToPiece(text), key.key_begin, text.size(),
                            RE2::ANCHOR_START, &m, 1)) {
      AcceptMatch(index, text, key.key_begin, key.key_begin + m.size(), spans);
    }
  }
}

void SpanFinder::RunCandidates(absl::string_view text, const RuleMask& enabled,
                               const Candidates& cands,
                               std::vector<Span>* spans) const {
  // (rule, position to search from) pairs, then per rule in order.
  std::vector<uint64_t> starts;
  std::vector<int> hits;
  bool keys_done = false;
  for (const Trigger& t : cands.triggers) {
    if (!t.shape) {
      if (t.id < rules_.rules().size() && enabled.test(t.id)) {
        const uint32_t from = t.begin > kLookback ? t.begin - kLookback : 0;
        starts.push_back((uint64_t{t.id} << 32) | from);
      }
      continue;
    }
    const ShapeGroup& g = rules_.shape_group(t.id);
    if (!keys_done && t.id == forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT) {
      keys_done = true;
      for (uint16_t r : g.key_rules) {
        if (enabled.test(r)) MatchRuleAtKeys(r, text, cands.keys, spans);
      }
    }
    // Assignment rules that are not anchored at their key (connection
    // strings with a password field) can start anywhere before the key.
    const bool whole = t.id == forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT;
    const uint32_t from = whole ? 0 : t.begin > 2 ? t.begin - 2 : 0;
    int enabled_in_group = 0;
    for (uint16_t r : g.rules) enabled_in_group += enabled.test(r);
    if (enabled_in_group == 0) continue;
    if (g.set != nullptr && enabled_in_group > 1) {
      // Which rules of the shape can match around this trigger.
      const size_t wb = whole ? 0 : t.begin > 16 ? t.begin - 16 : 0;
      const size_t we = whole
                            ? text.size()
                            : std::min<size_t>(text.size(), size_t{t.end} + 16);
      hits.clear();
      if (!g.set->Match(ToPiece(text.substr(wb, we - wb)), &hits)) continue;
      for (int h : hits) {
        if (enabled.test(g.rules[h])) {
          starts.push_back((uint64_t{g.rules[h]} << 32) | from);
        }
      }
    } else {
      for (uint16_t r : g.rules) {
        if (enabled.test(r)) starts.push_back((uint64_t{r} << 32) | from);
      }
    }
  }
  std::sort(starts.begin(), starts.end());
  std::vector<uint32_t> positions;
  for (size_t i = 0; i < starts.size();) {
    const uint16_t rule = static_cast<uint16_t>(starts[i] >> 32);
    positions.clear();
    for (; i < starts.size() && (starts[i] >> 32) == rule; ++i) {
      positions.push_back(static_cast<uint32_t>(starts[i]));
    }
    MatchRuleFrom(rule, text, positions.data(), positions.size(), spans);
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
