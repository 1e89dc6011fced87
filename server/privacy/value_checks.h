// Heuristics for values found next to a key name ("password: hunter2",
// "API_KEY=...") and for the key names themselves. Pure functions and an
// immutable matcher; thread-safe.
#ifndef FORGE_SERVER_PRIVACY_VALUE_CHECKS_H_
#define FORGE_SERVER_PRIVACY_VALUE_CHECKS_H_

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace forge::privacy {

// Decides which of a set of key-word lists an identifier-like key name
// ("DB_PASSWORD", "apiKey", "x-api-key", "client.secret") belongs to.
//
// A key is split into lower-case parts at non-alphanumerics, lower→upper
// and letter↔digit changes ("dbPassword2" → "db", "password", "2"). A word
// matches when it equals a part, or — for words of five or more characters —
// when it occurs anywhere in the key's alphanumerics joined ("dbpassword",
// "xapikey"). Words are normalised the same way ("api_key" → "apikey"). A
// list does not match a key that has a part among that list's exclusions.
// Up to 64 lists, each a bit of the result; one pass serves them all.
class KeyWordMatcher {
 public:
  KeyWordMatcher();
  // A matcher of one list (bit 0).
  KeyWordMatcher(const std::vector<std::string>& words,
                 const std::vector<std::string>& excluded);

  // Adds a list as bit `bit` (< 64).
  void Add(const std::vector<std::string>& words,
           const std::vector<std::string>& excluded, int bit);

  bool empty() const { return short_words_.empty() && long_words_.empty(); }
  // Bits of the lists `key` matches.
  uint64_t Match(absl::string_view key) const;
  // Recent keys and their matches (program output repeats its key names
  // line after line). Owned by one caller thread; may serve any matchers.
  struct Cache {
    struct Entry {
      uint64_t owner = 0;
      uint64_t lo = 0;
      uint64_t hi = 0;
      uint64_t size = 0;
      uint64_t mask = 0;
    };
    static constexpr size_t kEntries = 512;
    Entry entries[kEntries];
  };
  // Match through `cache` (keys over 16 bytes are not cached).
  uint64_t MatchCached(absl::string_view key, Cache* cache) const;
  // Match through a per-thread cache.
  uint64_t MatchCached(absl::string_view key) const;
  bool Matches(absl::string_view key) const { return Match(key) != 0; }

 private:
  // Words under five letters: must equal a part.
  absl::flat_hash_map<std::string, uint64_t> short_words_;
  // Longer words, by the hash of their first three letters.
  absl::flat_hash_map<uint32_t, std::vector<std::pair<std::string, uint64_t>>>
      long_words_;
  absl::flat_hash_map<std::string, uint64_t> excluded_;
  // First three letters of the long words, hashed into 15 bits.
  std::bitset<32768> long_word_starts_;
  // Distinguishes this matcher's entries in the per-thread cache.
  uint64_t id_;
};

// If text[*begin, *end) is wrapped in a pair of the same quote character
// (" ' `), narrows the span to the inside and returns true.
bool StripQuotes(absl::string_view text, size_t* begin, size_t* end);

// Shannon entropy of the bytes of `value`, in bits per byte.
double ShannonEntropy(absl::string_view value);

// Number of ASCII digits in `value`.
int CountDigits(absl::string_view value);

// Whether text[begin, end) — a value assigned to a password-like key — looks
// like a real password rather than code or a placeholder: not empty, not one
// repeated character, not a variable or environment reference ("$PASS",
// "%PASS%", "${...}", "os.environ", "config.db.password"), not a call
// (followed by '('), not an identifier passed on in code ("password=password,")
// and not an absolute path. `quoted` says the value was inside quotes, which
// makes it data even when it looks like a name.
bool IsPasswordValue(absl::string_view text, size_t begin, size_t end,
                     bool quoted);

// Whether text[begin, end) looks like a secret token: IsPasswordValue, at
// least two character classes, entropy >= `min_entropy`, and not a plain
// word or phrase, a number, a path, a URL or a version.
bool IsSecretValue(absl::string_view text, size_t begin, size_t end,
                   bool quoted, double min_entropy);

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_VALUE_CHECKS_H_
