// What the constant folder (constant_folder.h) knows about an expression:
// a string, a number, a list, a name chain (an alias such as `os.system`),
// or nothing — plus how the value came to be (obfuscated, decoded,
// downloaded), which matters more to CARS than the value itself.
#ifndef FORGE_CARS_FOLDED_VALUE_H_
#define FORGE_CARS_FOLDED_VALUE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace forge::cars {

// Provenance bits of a folded value; they survive unknown operations, so an
// unknown function of a base64-decoded value is still "decoded".
// Built from pieces: concatenation, chr()/fromCharCode, join, reversal,
// replace, escapes spelling ASCII.
inline constexpr uint32_t kFoldObfuscated = 1 << 0;
// Passed through base64, hex, rot13, URL decoding and similar.
inline constexpr uint32_t kFoldDecoded = 1 << 1;
// Passed through a decoder that CARS does not evaluate (zlib, marshal,
// pickle, ...): the content is unknown but was hidden on purpose.
inline constexpr uint32_t kFoldOpaqueDecoder = 1 << 2;
// Read from the network.
inline constexpr uint32_t kFoldDownloaded = 1 << 3;
// Only partly known: `str` holds the known parts with {name} for the
// unknown ones.
inline constexpr uint32_t kFoldPartial = 1 << 4;
// Came from a binding (a variable) rather than only literals.
inline constexpr uint32_t kFoldFromVariable = 1 << 5;
// Read from a file or from standard input.
inline constexpr uint32_t kFoldReadFromFile = 1 << 6;
// A name reached through a computed attribute or subscript (getattr(o,
// "x"), o["x"]) rather than written out.
inline constexpr uint32_t kFoldComputedName = 1 << 7;
// A name spelled with escapes or compatibility characters.
inline constexpr uint32_t kFoldDisguisedName = 1 << 8;
// A subscript or attribute whose name could not be computed.
inline constexpr uint32_t kFoldUnknownName = 1 << 9;

// Flags that say a value was hidden from the reader on purpose.
inline constexpr uint32_t kFoldHiddenMask =
    kFoldObfuscated | kFoldDecoded | kFoldOpaqueDecoder | kFoldDisguisedName;

// A folded number as an integer: clamped to int64's range, NaN as 0 (the
// folder evaluates untrusted arithmetic; a plain cast would be undefined).
inline int64_t ClampToInt64(double d) {
  if (!(d == d)) return 0;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

struct FoldedValue {
  enum class Kind : uint8_t {
    kUnknown,
    kString,
    kNumber,
    kList,
    kAlias,
    // A lambda or arrow function with one parameter and an expression body,
    // kept as token indices so map()/comprehensions can apply it.
    kFunction,
  };

  Kind kind = Kind::kUnknown;
  uint32_t flags = 0;
  // kString: the value (also the best-effort text of a partial value);
  // kAlias: the resolved name chain, e.g. "os.system".
  std::string str;
  double number = 0;
  std::vector<FoldedValue> items;
  // kFunction: parameter token and body token range [fn_begin, fn_end).
  int fn_param = -1;
  int fn_begin = 0;
  int fn_end = 0;

  bool IsString() const { return kind == Kind::kString; }
  bool IsNumber() const { return kind == Kind::kNumber; }
  bool IsList() const { return kind == Kind::kList; }
  bool IsAlias() const { return kind == Kind::kAlias; }
  bool Has(uint32_t flag) const { return (flags & flag) != 0; }

  static FoldedValue String(std::string s, uint32_t flags = 0) {
    FoldedValue v;
    v.kind = Kind::kString;
    v.str = std::move(s);
    v.flags = flags;
    return v;
  }
  static FoldedValue Number(double n, uint32_t flags = 0) {
    FoldedValue v;
    v.kind = Kind::kNumber;
    v.number = n;
    v.flags = flags;
    return v;
  }
  static FoldedValue Alias(std::string chain, uint32_t flags = 0) {
    FoldedValue v;
    v.kind = Kind::kAlias;
    v.str = std::move(chain);
    v.flags = flags;
    return v;
  }
  static FoldedValue Unknown(uint32_t flags = 0) {
    FoldedValue v;
    v.flags = flags;
    return v;
  }
};

}  // namespace forge::cars

#endif  // FORGE_CARS_FOLDED_VALUE_H_
