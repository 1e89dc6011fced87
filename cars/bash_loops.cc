// BashWalker, part three: loops that never end or flood the process table,
// and functions that start copies of themselves.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cars/bash_walker.h"

namespace forge::cars {

void BashWalker::Loops() {
  const std::vector<BashCommand>& cmds = script_.commands;
  for (const BashLoop& loop : script_.loops) {
    bool exits = false;
    bool spawns = false;
    std::string spawned;
    for (size_t i = loop.body_begin; i < loop.body_end && i < cmds.size();
         ++i) {
      const BashCommand& cmd = cmds[i];
      if (cmd.words.empty()) continue;
      const std::string name = CommandBaseName(cmd.words[0].text);
      // A backgrounded sleep or read does not make the loop wait.
      if (!cmd.background &&
          (name == "break" || name == "exit" || name == "return" ||
           name == "sleep" || name == "read" || name == "wait" ||
           name == "select" || name == "inotifywait" || name == "nc" ||
           name == "curl" || name == "wget")) {
        exits = true;
      }
      if (cmd.background ||
          context_.knowledge->IsSpawn(Language::kBash, name)) {
        spawns = true;
        spawned = name;
      }
    }
    constexpr double kFlood = 10000;
    if (spawns && (loop.infinite || loop.iterations >= kFlood) && !exits) {
      Detect("fork_bomb", loop.token,
             absl::StrCat("starts ", spawned,
                          " in the background in a loop that never ends"));
    } else if (spawns) {
      Detect("spawn_in_loop", loop.token,
             absl::StrCat("starts ", spawned, " in a loop"));
    } else if (loop.infinite && !exits) {
      Detect("unbounded_loop", loop.token,
             "a loop that never ends, breaks or waits");
    }
  }
}

// f() { f | f & }: a function that starts copies of itself.
void BashWalker::Functions() {
  const std::vector<BashCommand>& cmds = script_.commands;
  for (const BashFunction& fn : script_.functions) {
    for (size_t i = fn.body_begin; i < fn.body_end && i < cmds.size(); ++i) {
      const BashCommand& cmd = cmds[i];
      if (cmd.words.empty() || cmd.words[0].text != fn.name) continue;
      const bool piped =
          (i + 1 < cmds.size() && cmds[i + 1].pipeline == cmd.pipeline) ||
          (i > 0 && cmds[i - 1].pipeline == cmd.pipeline);
      if (piped || cmd.background) {
        Detect("fork_bomb", fn.token,
               absl::StrCat("function ", fn.name, " starts copies of itself"));
        break;
      }
    }
  }
}

}  // namespace forge::cars
