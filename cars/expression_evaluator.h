// ExpressionEvaluator: a small, bounded evaluator over Python and JavaScript
// tokens. It resolves name chains through imports and assignments
// (`sp.run` → "subprocess.run", `getattr(os, 'sys'+'tem')` → "os.system"),
// folds constants through the tricks used to hide them (concatenation, chr()
// joins, String.fromCharCode, reversal, replace, %-formatting, base64, hex,
// rot13) and tracks where values came from (decoded, downloaded, read from a
// file) even when their content is unknown.
//
// It never executes anything and never fails: what it cannot evaluate is
// Unknown. Work is bounded by a shared FoldBudget, recursion by a fixed
// depth, values by fixed sizes.
//
// Not thread-safe; one per analysed source.
#ifndef FORGE_CARS_EXPRESSION_EVALUATOR_H_
#define FORGE_CARS_EXPRESSION_EVALUATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "cars/folded_value.h"
#include "cars/language.h"
#include "cars/token_view.h"

namespace forge::cars {

// Work left for all folding of one assessment. Each evaluation step costs
// one unit, building strings one unit per 64 bytes.
struct FoldBudget {
  int64_t steps = 0;
  bool Spend(int64_t n) {
    steps -= n;
    return steps >= 0;
  }
};

// Variables and import aliases known at the current point of the walk.
using Bindings = absl::flat_hash_map<std::string, FoldedValue>;

// Answers questions about call chains that the rules decide.
class ChainClassifier {
 public:
  virtual ~ChainClassifier() = default;
  // True when calling `chain` returns data read from the network.
  virtual bool IsDownload(absl::string_view chain) const = 0;
};

// A call found by WalkChain.
struct CallSite {
  std::string chain;
  // FoldFlag bits of the callee's name (computed, obfuscated, disguised).
  uint32_t flags = 0;
  int name_token = 0;  // first token of the chain, for the position
  int open = 0;        // the '(' token
  int close = 0;       // its partner
};

// A module imported by __import__, importlib.import_module, require or
// import(); `module` is empty when the name could not be computed.
struct ImportSite {
  std::string module;
  uint32_t flags = 0;
  int token = 0;
};

// A name chain used (called or not).
struct ReferenceSite {
  std::string chain;
  uint32_t flags = 0;
  int token = 0;
};

// A method called on a known string value ("~/.ssh/id_rsa".read_text()):
// the value is an argument of that method in all but syntax.
struct ReceiverSite {
  std::string value;
  uint32_t flags = 0;
  std::string method;  // ".read_text"
  int token = 0;
};

struct ChainWalk {
  std::vector<CallSite> calls;
  std::vector<ReceiverSite> receivers;
  std::vector<ImportSite> imports;
  std::vector<ReferenceSite> references;

  // Empties the lists, keeping their capacity for the next walk.
  void Clear() {
    calls.clear();
    receivers.clear();
    imports.clear();
    references.clear();
  }
};

// One argument of a call: tokens [begin, end), `name` for keyword arguments
// (a view of the name token's value).
struct Argument {
  absl::string_view name;
  int begin = 0;
  int end = 0;
};

class ExpressionEvaluator {
 public:
  // All references must outlive the evaluator; `bindings` may change
  // between calls (the analysis updates it as it walks).
  ExpressionEvaluator(const TokenView& view, Language language,
                      const Bindings& bindings,
                      const ChainClassifier& classifier, FoldBudget* budget);

  // Evaluates tokens [begin, end) as one expression.
  FoldedValue Fold(int begin, int end);

  // Provenance of anything in [begin, end) — variables with flags, decoder
  // and download calls — without evaluating it; used where Fold gives up.
  uint32_t RangeFlags(int begin, int end);

  // Walks the postfix chain (name, attributes, subscripts, calls) starting
  // at token `start` and records its calls, imports and references. Returns
  // the index after the chain (> start).
  int WalkChain(int start, ChainWalk* out);

  // Splits the arguments of the call whose '(' is at `open`.
  std::vector<Argument> Arguments(int open) const;
  // The same into *out (replacing what was there), reusing its capacity.
  void Arguments(int open, std::vector<Argument>* out) const;

  // Evaluates one argument; a bare generator expression (f(x for x in y))
  // is evaluated as a list.
  FoldedValue ArgumentValue(const Argument& arg, int depth);

  // "builtins.eval" → "eval", "window.fetch" → "fetch", ...
  static std::string NormalizeChain(std::string chain);

  // Whether a name chain is worth a REFERENCE fact: attribute chains,
  // subscripts, dunder names and the runtime's namespace objects, not bare
  // local names. A chain that is not reported normalises to itself, so
  // WalkChain records only the references this accepts.
  static bool ReportedReference(absl::string_view chain);

 private:
  friend class FoldBuiltins;

  static constexpr int kMaxDepth = 40;
  static constexpr size_t kMaxString = 64 << 10;
  static constexpr size_t kMaxItems = 4096;
  // Provenance that survives operations on a value.
  static constexpr uint32_t kProvenanceMask =
      kFoldDecoded | kFoldOpaqueDecoder | kFoldDownloaded | kFoldReadFromFile |
      kFoldObfuscated | kFoldFromVariable;

  // A value as text inside a concatenation: strings as they are, numbers
  // printed, names as "{name}", anything else "{?}".
  static std::string Placeholder(const FoldedValue& v);

  FoldedValue Expr(int& i, int end, int depth, ChainWalk* rec);
  // Operators of `min_level` and tighter (see kBinaryLevels).
  FoldedValue Binary(int& i, int end, int min_level, int depth, ChainWalk* rec);
  FoldedValue Unary(int& i, int end, int depth, ChainWalk* rec);
  FoldedValue Postfix(int& i, int end, int depth, ChainWalk* rec);
  FoldedValue Primary(int& i, int end, int depth, ChainWalk* rec);
  FoldedValue Group(int open, int depth);
  FoldedValue Comprehension(int begin, int end, int for_token, int depth);
  FoldedValue Lookup(absl::string_view name, int token) const;
  FoldedValue CallAlias(const FoldedValue& callee, int name_token, int open,
                        int depth, ChainWalk* rec);
  FoldedValue Subscript(const FoldedValue& base, int open, int depth);
  FoldedValue Apply(const FoldedValue& fn, const FoldedValue& arg, int depth);
  FoldedValue Combine(absl::string_view op, FoldedValue a, FoldedValue b);
  int Next(int i, int end) const;

  const TokenView& view_;
  Language language_;
  const Bindings& bindings_;
  const ChainClassifier& classifier_;
  FoldBudget* budget_;
  // Comprehension and lambda parameters bound while applying them.
  std::vector<std::pair<std::string, FoldedValue>> locals_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_EXPRESSION_EVALUATOR_H_
