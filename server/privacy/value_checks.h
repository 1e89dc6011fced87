// Heuristics for values found next to a key name ("password: hunter2",
// "API_KEY=...") and for the key names themselves. Pure functions and an
// immutable matcher; thread-safe.
#ifndef FORGE_SERVER_PRIVACY_VALUE_CHECKS_H_
#define FORGE_SERVER_PRIVACY_VALUE_CHECKS_H_

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace forge::privacy {

// Decides whether an identifier-like key name ("DB_PASSWORD", "apiKey",
// "x-api-key", "client.secret") is one of a set of key words.
//
// A key is split into lower-case parts at non-alphanumerics, lower→upper
// and letter↔digit changes ("dbPassword2" → "db", "password", "2"). A word
// matches when it equals a part, or — for words of five or more characters —
// when it occurs anywhere in the key's alphanumerics joined ("dbpassword",
// "xapikey"). Words are normalised the same way ("api_key" → "apikey"). A
// key with a part in the excluded list never matches.
class KeyWordMatcher {
 public:
  KeyWordMatcher() = default;
  KeyWordMatcher(const std::vector<std::string>& words,
                 const std::vector<std::string>& excluded);

  bool empty() const { return short_words_.empty() && long_words_.empty(); }
  bool Matches(absl::string_view key) const;

 private:
  // Words under five letters: must equal a part.
  absl::flat_hash_set<std::string> short_words_;
  // Longer words, by the hash of their first three letters.
  absl::flat_hash_map<uint32_t, std::vector<std::string>> long_words_;
  absl::flat_hash_set<std::string> excluded_;
  // First three letters of the long words, hashed into 15 bits.
  std::bitset<32768> long_word_starts_;
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
