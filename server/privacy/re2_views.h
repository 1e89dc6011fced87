// Conversions between absl::string_view and RE2's StringPiece, which are
// distinct types with Debian's abseil (no std::string_view aliasing).
#ifndef FORGE_SERVER_PRIVACY_RE2_VIEWS_H_
#define FORGE_SERVER_PRIVACY_RE2_VIEWS_H_

#include "absl/strings/string_view.h"
#include "re2/stringpiece.h"

namespace forge::privacy {

inline re2::StringPiece ToPiece(absl::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}
inline absl::string_view FromPiece(re2::StringPiece s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_RE2_VIEWS_H_
