// The structure of a Bash script as CARS needs it: simple commands (with
// assignments, expanded words and redirections) grouped into pipelines,
// plus the loops and functions around them. Built from the Bash lexer's
// tokens by BuildBashScript; words are expanded with the variables assigned
// earlier in the script and with command substitutions CARS can evaluate
// without running anything (echo, printf, base64 -d, rev, xxd -r, tr).
#ifndef FORGE_CARS_BASH_SCRIPT_H_
#define FORGE_CARS_BASH_SCRIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "cars/lexer.h"

namespace forge::cars {

struct BashWord {
  std::string text;    // expanded value
  uint32_t flags = 0;  // FoldFlag bits: obfuscated, decoded, partial, ...
  int token = -1;      // index into LexedSource::tokens
};

struct BashRedirect {
  std::string op;    // ">", ">>", "2>&", "<<", ...
  BashWord target;   // file, fd or here-document delimiter
  int heredoc = -1;  // token index of the here-document body
};

struct BashCommand {
  std::vector<BashWord> assignments;
  std::vector<BashWord> words;  // words[0] is the command name
  std::vector<BashRedirect> redirects;
  int pipeline = 0;         // index of its pipeline
  bool background = false;  // ends with &
  int first_token = -1;
};

struct BashLoop {
  int token = -1;         // the while/until/for keyword
  bool infinite = false;  // while true, until false, for ((;;))
  double iterations = 0;  // for-loops over {1..N} or $(seq N): about N
  size_t body_begin = 0;  // command indices [body_begin, body_end)
  size_t body_end = 0;
};

struct BashFunction {
  std::string name;
  int token = -1;
  size_t body_begin = 0;
  size_t body_end = 0;
};

struct BashScript {
  LexedSource lexed;
  std::vector<BashCommand> commands;  // in source order
  std::vector<BashLoop> loops;
  std::vector<BashFunction> functions;
};

// Variable values known while walking (name → value and FoldFlag bits).
struct BashValue {
  std::string text;
  uint32_t flags = 0;
};
using BashVariables = absl::flat_hash_map<std::string, BashValue>;

// What a pipeline of echo/printf and decoders produces, when CARS can tell.
struct StaticOutput {
  std::string text;
  uint32_t flags = 0;
  // False when a stage (gunzip, openssl enc -d, ...) hides the content.
  bool known = true;
};

// Lexes and structures `code`, which must outlive the result (its tokens
// view it). `variables` is updated with the script's
// simple assignments in order (and used to expand later words).
// `nesting` counts command substitutions being expanded; expansion stops
// at a fixed depth.
BashScript BuildBashScript(absl::string_view code, const LexLimits& limits,
                           BashVariables* variables, int nesting = 0);

// The output of commands [first, last] of one pipeline when they are
// echo/printf followed by decoders; nullopt otherwise.
std::optional<StaticOutput> EvaluateStatically(
    const std::vector<BashCommand>& commands, size_t first, size_t last);

// "/usr/bin/curl" → "curl".
std::string CommandBaseName(absl::string_view word);

}  // namespace forge::cars

#endif  // FORGE_CARS_BASH_SCRIPT_H_
