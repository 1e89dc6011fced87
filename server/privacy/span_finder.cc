#include "server/privacy/span_finder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
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
  bool found = rule.value_is_match;
  if (!found && rule.value_prefix != nullptr) {
    // prefix(?P<value>...): the value starts where the prefix ends.
    re2::StringPiece prefix;
    const re2::StringPiece piece = ToPiece(text);
    if (rule.value_prefix->Match(piece, match_begin, match_end,
                                 RE2::ANCHOR_START, &prefix, 1) &&
        rule.value_only->Match(piece, match_begin + prefix.size(), match_end,
                               RE2::ANCHOR_BOTH, nullptr, 0)) {
      begin = match_begin + prefix.size();
      found = true;
    }
  }
  if (!found) {
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
    const void* close =
        std::memchr(text.data() + from + 1, q, text.size() - from - 1);
    if (close == nullptr) return false;
    const size_t i = static_cast<const char*>(close) - text.data();
    if (i == from + 1) return false;
    // One line only.
    const char* inside = text.data() + from + 1;
    const size_t inside_len = i - from - 1;
    if (std::memchr(inside, '\n', inside_len) != nullptr ||
        std::memchr(inside, '\r', inside_len) != nullptr) {
      return false;
    }
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
  if (rule.search_record) {
    size_t pos = 0;
    while (pos <= text.size() && rule.pattern->Match(piece, pos, text.size(),
                                                     RE2::UNANCHORED, &m, 1)) {
      const size_t mb = m.data() - text.data();
      const size_t me = mb + m.size();
      AcceptMatch(index, text, mb, me, spans);
      pos = me > mb ? me : mb + 1;
    }
    return;
  }
  // Anchored at each trigger; a trigger inside an accepted match is skipped.
  size_t covered = 0;
  for (size_t i = 0; i < n_starts; ++i) {
    const size_t p = starts[i];
    if (p < covered || (i > 0 && p == starts[i - 1])) continue;
    size_t end;
    if (rule.gap != nullptr) {
      if (!rule.gap->MatchAt(text, p, *rule.pattern, &end)) continue;
    } else {
      if (!rule.pattern->Match(piece, p, text.size(), RE2::ANCHOR_START, &m,
                               1)) {
        continue;
      }
      end = p + m.size();
    }
    if (AcceptMatch(index, text, p, end, spans)) covered = end;
  }
}

void SpanFinder::MatchRuleAtKeys(uint16_t index, int bit,
                                 absl::string_view text,
                                 const std::vector<AssignmentKey>& keys,
                                 std::vector<Span>* spans) const {
  const CompiledRule& rule = rules_.rules()[index];
  re2::StringPiece m;
  for (const AssignmentKey& key : keys) {
    if (!(key.rules & (uint64_t{1} << bit))) continue;
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
                               FinderScratch* scratch,
                               std::vector<Span>* spans) const {
  const Candidates& cands = scratch->cands;
  // (rule << 32 | position) for every rule to try at a position.
  std::vector<uint64_t>& starts = scratch->starts;
  std::vector<int>& hits = scratch->hits;
  starts.clear();
  bool keys_done = false;
  size_t covered[forge::exec::v1::PrivacyShape_ARRAYSIZE] = {};
  const size_t n_rules = rules_.rules().size();
  auto add = [&](uint16_t rule, uint32_t pos) {
    starts.push_back((uint64_t{rule} << 32) | pos);
  };
  for (const Trigger& t : cands.triggers) {
    if (!t.shape) {
      if (t.id < n_rules && enabled.test(t.id)) add(t.id, t.begin);
      continue;
    }
    const ShapeGroup& g = rules_.shape_group(t.id);
    if (t.id == forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT) {
      if (keys_done) continue;
      keys_done = true;
      for (size_t k = 0; k < g.key_rules.size(); ++k) {
        const uint16_t r = g.key_rules[k];
        if (enabled.test(r)) {
          MatchRuleAtKeys(r, static_cast<int>(k), text, cands.keys, spans);
        }
      }
      // Rules not anchored at a key run when some key matched their key
      // words (bit 63), searched over the whole record.
      bool any = false;
      for (const AssignmentKey& key : cands.keys) {
        any |= (key.rules >> 63) != 0;
      }
      for (uint16_t r : g.rules) {
        if (any && enabled.test(r)) add(r, 0);
      }
      continue;
    }
    // A trigger inside a value this shape already gave ("4111 1111 1111
    // 1111" has a trigger per digit group) needs no second look.
    if (t.begin < covered[t.id]) continue;
    int enabled_in_group = 0;
    for (uint16_t r : g.rules) enabled_in_group += enabled.test(r);
    if (enabled_in_group == 0) continue;
    const size_t before = spans->size();
    if (g.set != nullptr && enabled_in_group > 1) {
      // Which rules of the shape match at this trigger: one anchored pass.
      const size_t len = std::min<size_t>(text.size() - t.begin, 8192);
      hits.clear();
      if (!g.set->Match(ToPiece(text.substr(t.begin, len)), &hits)) continue;
      for (int h : hits) {
        const uint32_t at = t.begin;
        if (enabled.test(g.rules[h]))
          MatchRuleFrom(g.rules[h], text, &at, 1, spans);
      }
    } else {
      for (uint16_t r : g.rules) {
        const uint32_t at = t.begin;
        if (enabled.test(r)) MatchRuleFrom(r, text, &at, 1, spans);
      }
    }
    for (size_t k = before; k < spans->size(); ++k) {
      covered[t.id] = std::max<size_t>(covered[t.id], (*spans)[k].end);
    }
  }
  std::sort(starts.begin(), starts.end());
  std::vector<uint32_t>& positions = scratch->positions;
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
                        bool decode, FinderScratch* scratch,
                        std::vector<Span>* spans, RecordMatches* blocks) const {
  Candidates& cands = scratch->cands;
  prefilter_.Scan(text, &cands);
  if (!cands.empty()) {
    RunCandidates(text, enabled, scratch, spans);
    if (blocks != nullptr && !rules_.blocks().empty()) {
      FindOpenBlock(text, enabled, cands.rules, blocks);
    }
  }
  if (!decode || !cands.decode) return;
  DecodeForMatching(text, &scratch->decoded, &scratch->offsets);
  if (scratch->decoded.size() == text.size()) return;
  if (scratch->decoded_scratch == nullptr) {
    scratch->decoded_scratch = std::make_unique<FinderScratch>();
  }
  std::vector<Span>& inner = scratch->decoded_spans;
  inner.clear();
  FindIn(scratch->decoded, enabled, /*decode=*/false,
         scratch->decoded_scratch.get(), &inner, nullptr);
  for (Span s : inner) {
    s.begin = scratch->offsets[s.begin];
    s.end = scratch->offsets[s.end];
    if (s.end > s.begin) spans->push_back(s);
  }
}

void SpanFinder::Find(absl::string_view text, const RuleMask& enabled,
                      RecordMatches* out) const {
  out->Clear();
  FindIn(text, enabled, /*decode=*/true, &out->scratch, &out->spans, out);
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
