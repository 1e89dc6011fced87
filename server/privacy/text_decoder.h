// Decodes the encodings program output commonly wraps values in — JSON
// string escapes (\" \/ \n \u0040 ...) and URL percent-encoding (%40) — so
// that "jane%40corp.com" and "-----BEGIN ...\nMII..." are matched like their
// plain forms. Pure functions; thread-safe.
#ifndef FORGE_SERVER_PRIVACY_TEXT_DECODER_H_
#define FORGE_SERVER_PRIVACY_TEXT_DECODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace forge::privacy {

// True when `text` contains a JSON escape or a %XX sequence worth decoding.
bool HasEncodedForms(absl::string_view text);

// Decodes JSON escapes and %XX sequences in one pass. `offsets` receives, for
// every byte of `*decoded` plus one past the end, the offset in `text` it
// came from, so decoded span [a, b) maps back to text [offsets[a],
// offsets[b]). Malformed escapes are copied as they are.
void DecodeForMatching(absl::string_view text, std::string* decoded,
                       std::vector<uint32_t>* offsets);

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_TEXT_DECODER_H_
