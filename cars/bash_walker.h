// BashWalker: the Bash analysis. It turns a BashScript (bash_script.h) into
// Evidence: calls (command names, wrappers such as sudo), commands and
// pipelines for the rules, arguments and redirection targets as strings,
// and detections for what a pipeline or an inline script runs (curl | sh,
// base64 -d | bash, bash -c "$x", eval, here-documents fed to
// interpreters, text written into startup files), loops and fork bombs.
// Command substitutions are analysed in place, with their real positions.
//
// Internal to the analysis; not thread-safe, one per analysed text.
#ifndef FORGE_CARS_BASH_WALKER_H_
#define FORGE_CARS_BASH_WALKER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "cars/analysis.h"
#include "cars/bash_script.h"
#include "cars/evidence.h"

namespace forge::cars {

class BashWalker {
 public:
  BashWalker(absl::string_view code, const AnalysisContext& context,
             Evidence* out, int nesting);
  void Run();

 private:
  // bash_walker.cc: facts.
  const Token* TokenAt(int index) const;
  Location Where(const Token* t) const;
  // Records a fact when the evidence filter wants it (evidence.h); `call`,
  // when given, is its context (the command it is an argument of).
  void AddFact(FactKind kind, absl::string_view text, const Token* t,
               uint32_t flags);
  void AddFact(FactKind kind, absl::string_view text, const Token* t,
               uint32_t flags, absl::string_view call);
  void AddFactWithContext(FactKind kind, absl::string_view text, const Token* t,
                          uint32_t flags, const absl::string_view* call);
  void Detect(absl::string_view analysis, int token, std::string detail);
  size_t CommandIndex(const BashCommand& cmd, bool report);
  uint32_t NameFlags(const BashWord& word) const;
  void Pipeline(size_t begin, size_t end);
  // Records the facts of one command; returns its text as COMMAND rules
  // see it (from the command name on, with redirections).
  std::string Command(const BashCommand& cmd);
  void Substitutions();

  // bash_payloads.cc: what commands execute.
  void PipedIntoInterpreter(size_t begin, size_t end);
  void InlineScripts(const BashCommand& cmd, size_t at,
                     const std::string& name);
  void WrittenCode(size_t begin, size_t end);
  void DownloadedFiles();
  void DeferredCode(const BashCommand& cmd, size_t at, const std::string& name);
  bool ContainsDownload(absl::string_view text);
  void Sink(const std::string& interpreter, const BashWord& payload, int token);
  void Payload(const std::string& interpreter, const std::string& text,
               int token);
  void Loops();
  void Functions();

  absl::string_view code_;
  const AnalysisContext& context_;
  Evidence* out_;
  int nesting_;
  BashVariables vars_;
  BashScript script_;
};

// Interpreters whose code CARS analyses, and others it only recognises.
bool IsShell(const std::string& name);
bool IsInterpreter(const std::string& name);

}  // namespace forge::cars

#endif  // FORGE_CARS_BASH_WALKER_H_
