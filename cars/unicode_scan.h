// Finds text aimed at a human or model reviewer that the reviewer cannot
// see: Unicode tag characters (which smuggle ASCII), bidi controls (which
// make code render differently from how it runs) and zero-width or filler
// characters. Appends detections, and the text hidden in tag characters as
// a string fact so the deception rules read it too.
#ifndef FORGE_CARS_UNICODE_SCAN_H_
#define FORGE_CARS_UNICODE_SCAN_H_

#include "absl/strings/string_view.h"
#include "cars/evidence.h"
#include "cars/language.h"

namespace forge::cars {

void ScanInvisibleUnicode(absl::string_view code, Language language,
                          Evidence* out);

}  // namespace forge::cars

#endif  // FORGE_CARS_UNICODE_SCAN_H_
