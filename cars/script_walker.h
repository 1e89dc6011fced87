// ScriptWalker: the analysis shared by Python and JavaScript. It lexes the
// source, walks its tokens once, and records
//   - every call, name chain and import, resolved through imports and
//     assignments (ExpressionEvaluator),
//   - every string with the calls it is an argument of, and every folded
//     constant (concatenation, decoding, ...) that reaches a call,
//   - what sinks (eval, exec, os.system, child_process.exec, ...) receive:
//     downloaded, decoded, obfuscated, unknown or constant payloads, the
//     constant ones analysed recursively in their own language.
// Subclasses add the statements of their language (imports, assignments)
// and the loop analysis.
//
// Not thread-safe; one per analysed source.
#ifndef FORGE_CARS_SCRIPT_WALKER_H_
#define FORGE_CARS_SCRIPT_WALKER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "cars/analysis.h"
#include "cars/expression_evaluator.h"
#include "cars/lexer.h"
#include "cars/token_view.h"

namespace forge::cars {

class ScriptWalker {
 public:
  ScriptWalker(Language language, absl::string_view code,
               const AnalysisContext& context, Evidence* out);
  virtual ~ScriptWalker() = default;

  ScriptWalker(const ScriptWalker&) = delete;
  ScriptWalker& operator=(const ScriptWalker&) = delete;

  void Run();

 protected:
  // Called at the first token of each statement. May bind names and emit
  // facts; returns the index the walk continues from (i to walk the
  // statement's tokens as expressions, more to skip them).
  virtual int Statement(int i) = 0;
  // Called after the walk, with every call recorded.
  virtual void FindResourceAbuse() = 0;

  Location Where(int token) const;
  // Records a fact at `token` (or `where`) when the evidence filter wants it
  // (evidence.h); callers that must build something for a fact first ask
  // out_->Wants themselves.
  void AddFact(FactKind kind, absl::string_view text, int token, uint32_t flags,
               std::vector<std::string> context = {});
  void AddFactAt(FactKind kind, absl::string_view text, const Location& where,
                 uint32_t flags, std::vector<std::string> context);
  void Detect(absl::string_view analysis, int token, std::string detail);
  // Binds `name`; hidden string values are reported as strings.
  void Bind(absl::string_view name, FoldedValue value, int token);
  void Import(const std::string& module, int token, uint32_t flags);
  // Index of the token ending the statement that starts at i (a newline or
  // ';' at bracket depth 0, or the end).
  virtual int StatementEnd(int i) const;
  // Evaluates a numeric constant expression in [begin, end), or -1.
  double NumberIn(int begin, int end);
  // Allocation of `count` units at `token` above the threshold is reported.
  void CheckAllocation(double count, int token, absl::string_view what);

  Language language_;
  absl::string_view code_;
  const AnalysisContext& context_;
  Evidence* out_;
  LexedSource lexed_;
  TokenView view_;
  Bindings bindings_;
  // Asks the rules about downloads in this walker's language.
  class LanguageClassifier : public ChainClassifier {
   public:
    LanguageClassifier(const CallKnowledge& knowledge, Language language)
        : knowledge_(knowledge), language_(language) {}
    void Reserve(size_t chains) { memo_.reserve(chains); }
    bool IsDownload(absl::string_view chain) const override {
      auto it = memo_.find(chain);
      if (it == memo_.end()) {
        it = memo_
                 .emplace(std::string(chain),
                          knowledge_.IsDownload(language_, chain))
                 .first;
      }
      return it->second;
    }

   private:
    const CallKnowledge& knowledge_;
    Language language_;
    mutable absl::flat_hash_map<std::string, bool> memo_;
  };
  LanguageClassifier classifier_;
  ExpressionEvaluator eval_;
  std::vector<CallSite> calls_;
  std::vector<std::string> star_modules_;
  absl::flat_hash_set<std::string> imported_;

 private:
  // Calls around a string or argument named in its fact's context.
  static constexpr size_t kMaxContext = 3;
  // Open brackets around the walk's position: (closing index, index in
  // calls_ of the call the bracket opens, or -1).
  using OpenBrackets = std::vector<std::pair<int, int>>;
  void WalkAt(int i, OpenBrackets* stack);
  void OnCall(const CallSite& call, const OpenBrackets& stack);
  // Appends the chains of the calls around the position, innermost first,
  // until `context` holds kMaxContext.
  void AddEnclosingCalls(const OpenBrackets& stack,
                         std::vector<std::string>* context) const;
  void OnSink(const CallSite& call, const SinkInfo& sink);
  // True for a bare identifier that can produce no fact.
  bool LoneName(int i) const;
  // Whether a name chain is reported as a REFERENCE fact (not bare locals).
  static bool ReportedReference(absl::string_view chain);
  // Whether folding an argument can show more than its literal tokens.
  bool WorthFolding(const Argument& arg) const;
  // open(path, "w"/"a"/"x"/"+"): reports the path as written ("write_file").
  void WriteModeOpen(const CallSite& call);
  bool ChainStart(int i) const;
  // Disguised and machine-generated identifiers.
  void IdentifierChecks();

  // SinkFor answers by chain (rules are matched once per distinct chain).
  absl::flat_hash_map<std::string, SinkInfo> sinks_;
  // The chain WalkAt is looking at, and the arguments of the call OnCall is
  // looking at (members so their storage is reused).
  ChainWalk walk_;
  std::vector<Argument> call_args_;
  // Index in calls_ of the call each recorded '(' belongs to.
  absl::flat_hash_map<int, int> call_at_open_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_SCRIPT_WALKER_H_
