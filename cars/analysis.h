// Entry point of the per-language analyses: turns source code into Evidence
// (evidence.h). Python and JavaScript go through ScriptWalker (chains,
// constant folding, sinks); Bash through its own command analysis. Payloads
// that the code executes (eval of a constant, os.system, bash -c, a decoded
// blob piped to sh) are analysed recursively, in their own language, up to a
// fixed depth.
#ifndef FORGE_CARS_ANALYSIS_H_
#define FORGE_CARS_ANALYSIS_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "cars/evidence.h"
#include "cars/expression_evaluator.h"
#include "cars/language.h"
#include "cars/lexer.h"

namespace forge::cars {

// What a call does with its payload, as the rules define it.
enum class SinkKind : uint8_t { kNone, kCode, kShell };

struct SinkInfo {
  SinkKind kind = SinkKind::kNone;
  uint32_t payload_arg = 0;
  // The payload is the last positional argument.
  bool payload_is_last = false;
  // Only a string payload is code (setTimeout("...") vs setTimeout(fn)).
  bool string_payload_only = false;
};

// Rule-derived knowledge about calls that the analyses need while walking.
// Implemented by the compiled rule set. Thread-safe.
class CallKnowledge {
 public:
  virtual ~CallKnowledge() = default;
  // True when calling `chain` (a Bash command name) returns data read from
  // the network.
  virtual bool IsDownload(Language language, absl::string_view chain) const = 0;
  // Whether (and how) calling `chain` executes one of its arguments.
  virtual SinkInfo SinkFor(Language language,
                           absl::string_view chain) const = 0;
  // True when calling `chain` creates a process or thread.
  virtual bool IsSpawn(Language language, absl::string_view chain) const = 0;
};

struct AnalysisContext {
  const CallKnowledge* knowledge = nullptr;
  FoldBudget* budget = nullptr;
  LexLimits lex_limits;
  // Payload nesting: 0 for the submitted code.
  int depth = 0;
  // For payloads, the location of the call that runs them: every fact and
  // detection of the payload is reported there.
  std::optional<Location> origin;
  // For code embedded verbatim in the assessed source (a here-document, a
  // command substitution): where it starts, so positions stay exact.
  std::optional<Location> base;

  // The location of a token of the analysed text in the assessed source.
  Location Place(uint32_t offset, uint32_t line, uint32_t column) const {
    if (origin.has_value()) return *origin;
    if (!base.has_value()) return Location{offset, line, column};
    return Location{base->offset + offset, base->line + line - 1,
                    line == 1 ? base->column + column - 1 : column};
  }
};

// Most nested payload analysed; deeper ones produce a "payload_too_deep"
// detection instead.
inline constexpr int kMaxPayloadDepth = 4;

// Analyses `code` and appends to `out`. Never fails; bounded by the budget
// and lex limits in `context`.
void AnalyzeSource(Language language, absl::string_view code,
                   const AnalysisContext& context, Evidence* out);

}  // namespace forge::cars

#endif  // FORGE_CARS_ANALYSIS_H_
