// The functions and methods the constant folder evaluates: decoders
// (base64, hex, rot13, %-escapes), character-code builders (chr,
// String.fromCharCode), string and list methods (join, replace, split,
// reverse, format, ...), getattr and module loaders. Internal to
// ExpressionEvaluator.
#ifndef FORGE_CARS_FOLD_BUILTINS_H_
#define FORGE_CARS_FOLD_BUILTINS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "cars/expression_evaluator.h"
#include "cars/folded_value.h"

namespace forge::cars {

class FoldBuiltins {
 public:
  // Evaluates a call of the resolved `chain` with the arguments of the call
  // whose '(' is at `open`. Returns false when `chain` is not a builtin.
  // Module loaders record an ImportSite in `rec` when it is non-null.
  static bool Call(ExpressionEvaluator& ev, const std::string& chain,
                   uint32_t callee_flags, int name_token, int open, int depth,
                   ChainWalk* rec, FoldedValue* out);

  // The same for a single, already folded argument (map(chr, codes)).
  static bool CallWithValue(const std::string& chain, const FoldedValue& arg,
                            FoldedValue* out);

  // Evaluates receiver.name(args) for a string, list or number receiver.
  static bool Method(ExpressionEvaluator& ev, const FoldedValue& receiver,
                     absl::string_view name, int open, int depth,
                     FoldedValue* out);

  // Python's "fmt" % args.
  static FoldedValue PercentFormat(const FoldedValue& fmt,
                                   const FoldedValue& args, uint32_t flags);

  // FoldFlag bits a call of `chain` gives its result (kFoldDecoded for
  // decoders, kFoldOpaqueDecoder for decompressors and unpicklers,
  // kFoldObfuscated for chr-like builders); 0 for anything else.
  static uint32_t DecoderFlags(absl::string_view chain);
};

}  // namespace forge::cars

#endif  // FORGE_CARS_FOLD_BUILTINS_H_
