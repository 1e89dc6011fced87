// What a sandbox's init shows as its name. Init is a clone of
// forge-launcher that never execs, so without this its /proc/1/cmdline,
// /proc/1/comm and /proc/1/status would show the launcher's host path and
// flags to every program in the sandbox.
//
// Not thread-safe: for the single-threaded launcher and its clones.
#ifndef FORGE_SANDBOX_PROCESS_TITLE_H_
#define FORGE_SANDBOX_PROCESS_TITLE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace forge::sandbox {

// The name a sandbox's init goes by.
inline constexpr char kSandboxInitTitle[] = "sandbox-init";

// Records where the process's argument strings live (main's `argc`/`argv`),
// so SetProcessTitle can overwrite them later. Call once, early in main.
void RememberArgumentArea(int argc, char** argv);

// Overwrites the remembered argument area so /proc/self/cmdline reads
// exactly `title` and a NUL (the rest of the area is blanked, the old
// arguments are gone; a title longer than the area allows is cut), and sets
// the thread name (comm) to `title` (cut to 15 bytes). FAILED_PRECONDITION
// if no area was remembered; the error of prctl otherwise.
absl::Status SetProcessTitle(absl::string_view title);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_PROCESS_TITLE_H_
