// Prefilter makes one cheap pass over a record and reports which rules are
// worth running on it: rules whose literal starts a token ("ghp_", "AKIA",
// "-----BEGIN"), rules whose word starts a word ("passport", "dob"), and
// rules of the built-in shapes that occur (a number with phone/card/SSN
// separators, a dotted quad, an '@' inside a token, "key = value" with a
// key-like name, ...). It is conservative: a rule it leaves out cannot
// match in that record; a rule it reports may still not match.
//
// Built once from a RuleSet; immutable and thread-safe.
#ifndef FORGE_SERVER_PRIVACY_PREFILTER_H_
#define FORGE_SERVER_PRIVACY_PREFILTER_H_

#include <bitset>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "server/privacy/block_classes.h"
#include "server/privacy/rule_set.h"
#include "server/privacy/types.h"

namespace forge::privacy {

// Where something worth matching starts. For a literal or a word, `id` is
// the rule bit it triggers; for a shape, the PrivacyShape. [begin, end) is
// the extent the trigger covers (the number group, the e-mail's local part
// through its domain, ...), used to bound the RE2::Set check.
struct Trigger {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint16_t id = 0;
  bool shape = false;
};

// "key = value": the key [key_begin, key_end) and where the value starts
// (after the operator and blanks; at its opening quote when quoted).
struct AssignmentKey {
  uint32_t key_begin = 0;
  uint32_t key_end = 0;
  uint32_t value_begin = 0;
  // Which key-anchored ASSIGNMENT rules' key words the key matches (see
  // RuleSet::assignment_key_words()).
  uint64_t rules = 0;
};

struct Candidates {
  // Rules (and block bits) reported by a literal or a word.
  RuleMask rules;
  // Shapes seen (bit 1 << PrivacyShape).
  uint32_t shapes = 0;
  // The record has JSON escapes or %XX worth decoding before matching.
  bool decode = false;
  // The record has an ASCII digit.
  bool digits = false;
  // Every trigger, in text order.
  std::vector<Trigger> triggers;
  // Key names before an assignment operator that matched a key word of some
  // ASSIGNMENT rule, in order.
  std::vector<AssignmentKey> keys;
  // Key names already matched against the assignment key words (made by the
  // first Scan that needs it; kept from record to record).
  std::unique_ptr<KeyWordMatcher::Cache> key_cache;

  bool empty() const { return shapes == 0 && rules.none(); }
};

class Prefilter {
 public:
  // `rules` must outlive the Prefilter.
  explicit Prefilter(const RuleSet& rules);

  // Scans `text` and fills `*out` (cleared first).
  void Scan(absl::string_view text, Candidates* out) const;

  // Sets in `*out` the rules (and block bits) one of whose literals occurs
  // whole at text[i].
  void LiteralsAt(absl::string_view text, size_t i, RuleMask* out) const;

 private:
  struct Entry {
    std::string text;  // literal, or lower-case word
    std::vector<uint16_t> bits;
  };

  void AddStart(const std::string& text, bool case_insensitive, uint16_t bit);
  size_t Visit(const uint8_t* s, size_t n, size_t i, Candidates* out) const;
  void CheckStart(const uint8_t* s, size_t n, size_t i, Candidates* out) const;
  size_t ScanNumber(const uint8_t* s, size_t n, size_t i,
                    Candidates* out) const;
  void AddShape(int shape, size_t begin, size_t end, Candidates* out) const;
  size_t CheckColon(const uint8_t* s, size_t n, size_t i,
                    Candidates* out) const;
  void CheckAssignment(const uint8_t* s, size_t n, size_t op, size_t op_len,
                       Candidates* out) const;
  void CheckAt(const uint8_t* s, size_t n, size_t i, Candidates* out) const;
  void CheckUrl(const uint8_t* s, size_t n, size_t i, Candidates* out) const;

  const RuleSet& rules_;
  const BlockClassifier classify_;
  // The first two bytes of every literal and word, lower-cased (exact), then
  // their hashed first four bytes (three for shorter entries): a start that
  // misses needs no lookup.
  bool MayStart(const uint8_t* s, size_t n, size_t i) const {
    uint32_t four = 0;
    if (i + 4 <= n) {
      std::memcpy(&four, s + i, 4);
    } else {
      std::memcpy(&four, s + i, n - i);
    }
    return MayStartWith(four);
  }
  // The same for the four bytes at the start (zeros past the text).
  bool MayStartWith(uint32_t four) const {
    four |= 0x20202020u;
    if (!start2_[four & 0xffffu]) return false;
    if (start3_[((four & 0x00ffffffu) * 0x9E3779B1u) >> 16]) return true;
    return start4_[(four * 0x9E3779B1u) >> 16];
  }
  std::bitset<65536> start2_;
  std::bitset<65536> start3_;
  std::bitset<65536> start4_;
  absl::flat_hash_map<uint16_t, std::vector<Entry>> literals_;
  absl::flat_hash_map<uint16_t, std::vector<Entry>> words_;
  // The same lists indexed by bigram without hashing (CheckStart): 0 for
  // none, else 1 + the index into start_lists_. Empty when the lists are
  // too many for the index.
  std::vector<uint16_t> literal_list_;
  std::vector<uint16_t> word_list_;
  std::vector<std::vector<Entry>> start_lists_;
  bool has_always_ = false;
};

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_PREFILTER_H_
