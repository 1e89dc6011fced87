// What the language analyses find in a program, before any rule scores it:
// facts (calls, names, imports, strings, comments, shell commands) for the
// rules' patterns, and detections of built-in detectors (decode-then-execute,
// unbounded loops, ...) for the rules that name them.
#ifndef FORGE_CARS_EVIDENCE_H_
#define FORGE_CARS_EVIDENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cars/language.h"

namespace forge::cars {

// A position in the assessed code.
struct Location {
  uint32_t offset = 0;  // byte offset
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in code points
};

enum class FactKind : uint8_t {
  kCall,
  kReference,
  kImport,
  kString,
  kComment,
  kCommand,
  kPipeline,
};

struct Fact {
  FactKind kind;
  // Language of the code the fact was found in (payloads may differ from
  // the submitted code's).
  Language language = Language::kPython;
  // What the rules match: resolved chain, module, decoded string, comment,
  // normalised command line.
  std::string text;
  Location where;
  // FoldFlag bits (folded_value.h): how the text was obtained.
  uint32_t flags = 0;
  // For strings and commands: the chains of the calls the value is an
  // argument of, innermost first (for Bash, the command name).
  std::vector<std::string> context;
  // > 0 when the fact is inside a payload the program executes
  // (eval("..."), os.system("..."), bash -c, a decoded blob).
  int payload_depth = 0;
};

struct Detection {
  // Name of the detector; rules refer to it with `analysis`.
  std::string analysis;
  Language language = Language::kPython;
  Location where;
  // Human-readable specifics appended to the rule's description, e.g.
  // "exec() of a base64-decoded value". Never contains secrets unmasked:
  // the assessor masks it like an excerpt.
  std::string detail;
  int payload_depth = 0;
};

// Tells the analyses, before they build a fact, whether any rule can match
// it. Not thread-safe unless an implementation says so.
class FactFilter {
 public:
  virtual ~FactFilter() = default;
  // False when no rule's pattern matches `text` for a fact of this kind in
  // `language`, whatever the fact's context: recording it would change no
  // assessment.
  virtual bool MayMatch(Language language, FactKind kind,
                        absl::string_view text) const = 0;
};

struct Evidence {
  std::vector<Fact> facts;
  std::vector<Detection> detections;
  // When set, analyses record only the facts it may match (most facts of
  // ordinary code match no rule). Not owned.
  const FactFilter* filter = nullptr;

  // Whether a fact of this kind and text is worth recording.
  bool Wants(Language language, FactKind kind, absl::string_view text) const {
    return filter == nullptr || filter->MayMatch(language, kind, text);
  }
};

}  // namespace forge::cars

#endif  // FORGE_CARS_EVIDENCE_H_
