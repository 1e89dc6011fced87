// Value helpers shared by the constant folder's builtins and methods
// (fold_builtins.cc, fold_methods.cc). Internal to the folder.
#ifndef FORGE_CARS_FOLD_VALUES_H_
#define FORGE_CARS_FOLD_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cars/folded_value.h"

namespace forge::cars::fold {

inline constexpr size_t kMaxString = 64 << 10;
inline constexpr size_t kMaxItems = 4096;
// Provenance a builtin passes from its arguments to its result.
inline constexpr uint32_t kCarried =
    kFoldDecoded | kFoldOpaqueDecoder | kFoldDownloaded | kFoldReadFromFile |
    kFoldObfuscated | kFoldFromVariable | kFoldPartial;

// The text of a value; unknown parts become "{name}" / "{?}" and set
// kFoldPartial in *flags.
std::string Text(const FoldedValue& v, uint32_t* flags);
// One code point as UTF-8 (empty when out of range).
std::string CodePointString(double n);
// A decoder's result: the value (or Unknown when decoding failed), marked
// decoded and carrying the argument's provenance.
FoldedValue Decoded(std::optional<std::string> value, uint32_t arg_flags);
// chr()/fromCharCode of several codes, marked obfuscated.
FoldedValue CharCodes(const std::vector<FoldedValue>& codes, uint32_t flags);
// items joined by sep; more than one item marks it obfuscated.
FoldedValue Join(const std::vector<FoldedValue>& items, const std::string& sep,
                 uint32_t flags);
// codecs.decode / Buffer.from encodings: rot13, hex, base64, utf-8, ...
FoldedValue ApplyCodec(const FoldedValue& value, absl::string_view codec,
                       uint32_t flags);

}  // namespace forge::cars::fold

#endif  // FORGE_CARS_FOLD_VALUES_H_
