// SpanFinder finds the sensitive spans in one record (a line, or a bounded
// window of a long line): prefilter → RE2::Set per triggered shape → each
// reported rule's pattern → validators and allow lists → overlapping spans
// merged. Records that carry JSON escapes or %XX are matched a second time
// in decoded form and the spans mapped back.
//
// It also reports a multi-line block (PEM private key) that begins in the
// record and does not end there; the caller (RedactionStream) follows the
// block over the next records.
//
// Immutable after construction; thread-safe.
#ifndef FORGE_SERVER_PRIVACY_SPAN_FINDER_H_
#define FORGE_SERVER_PRIVACY_SPAN_FINDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/privacy/prefilter.h"
#include "server/privacy/rule_set.h"
#include "server/privacy/types.h"

namespace forge::privacy {

// Buffers SpanFinder reuses from record to record (so finding spans does
// not allocate once they have grown). One per caller thread.
struct FinderScratch {
  Candidates cands;
  std::vector<uint64_t> starts;
  std::vector<uint32_t> positions;
  std::vector<int> hits;
  std::string decoded;
  std::vector<uint32_t> offsets;
  std::vector<Span> decoded_spans;
  std::unique_ptr<FinderScratch> decoded_scratch;
};

struct RecordMatches {
  // Sorted, non-overlapping spans.
  std::vector<Span> spans;
  // A block rule's begin marker with no end marker after it in the record.
  bool block_opened = false;
  size_t block_begin = 0;
  uint16_t block = 0;  // index into RuleSet::blocks()
  FinderScratch scratch;

  void Clear() {
    spans.clear();
    block_opened = false;
  }
};

class SpanFinder {
 public:
  // `rules` must outlive the SpanFinder.
  explicit SpanFinder(const RuleSet& rules);

  // Finds the spans of the rules enabled in `enabled` in `text` and fills
  // `*out` (cleared first).
  void Find(absl::string_view text, const RuleMask& enabled,
            RecordMatches* out) const;

  // Whether text[begin, end) passes `rule`'s validators and allow lists;
  // may narrow the span. Exposed for tests.
  bool Validate(const CompiledRule& rule, absl::string_view text, size_t* begin,
                size_t* end) const;

  const RuleSet& rules() const { return rules_; }
  const Prefilter& prefilter() const { return prefilter_; }

 private:
  // `blocks` may be null (decoded text never opens a block); `decode` allows
  // one level of decoding.
  void FindIn(absl::string_view text, const RuleMask& enabled, bool decode,
              FinderScratch* scratch, std::vector<Span>* spans,
              RecordMatches* blocks) const;
  void RunCandidates(absl::string_view text, const RuleMask& enabled,
                     FinderScratch* scratch, std::vector<Span>* spans) const;
  // Validates a match of rule `index` at [match_begin, match_end) and adds
  // its span. Returns whether it was accepted.
  bool AcceptMatch(uint16_t index, absl::string_view text, size_t match_begin,
                   size_t match_end, std::vector<Span>* spans) const;
  // Matches rule `index` anchored at each of the sorted `starts` (or, for a
  // search_record rule, everywhere in the record).
  void MatchRuleFrom(uint16_t index, absl::string_view text,
                     const uint32_t* starts, size_t n_starts,
                     std::vector<Span>* spans) const;
  // Matches rule `index` (bit `bit` of AssignmentKey::rules) anchored at
  // each key whose name matches its key words.
  void MatchRuleAtKeys(uint16_t index, int bit, absl::string_view text,
                       const std::vector<AssignmentKey>& keys,
                       std::vector<Span>* spans) const;
  // Validates text[begin, end) as a value of rule `index` and adds its span.
  void AcceptValue(uint16_t index, absl::string_view text, size_t begin,
                   size_t end, std::vector<Span>* spans) const;
  void FindOpenBlock(absl::string_view text, const RuleMask& enabled,
                     const RuleMask& candidates, RecordMatches* out) const;

  const RuleSet& rules_;
  Prefilter prefilter_;
};

// The built-in assignment value at text[from]: a quoted string on one line
// (quotes included) or an unquoted run (see PrivacyRule.pattern). Returns
// false when there is none.
bool ParseAssignmentValue(absl::string_view text, size_t from, size_t* begin,
                          size_t* end);

// Sorts `spans` and merges overlapping ones; a merged span takes the type of
// its highest-priority part. Spans that only touch stay separate.
void MergeSpans(std::vector<Span>* spans);

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_SPAN_FINDER_H_
