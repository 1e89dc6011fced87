// The launcher's staging directory: an empty host directory each sandbox
// mounts its new root on (privately, in its own mount namespace, so the
// host's directory stays empty). It is named after the launcher's pid,
// `forge-launcher-<pid>-XXXXXX`, so that the directory of a launcher that
// died without removing it (kill -9) is recognised and removed by the next
// launcher, like that launcher's cgroups.
//
// Thread-compatible free functions.
#ifndef FORGE_SANDBOX_STAGING_DIR_H_
#define FORGE_SANDBOX_STAGING_DIR_H_

#include <sys/types.h>

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace forge::sandbox {

// Makes `parent`/forge-launcher-`pid`-XXXXXX, mode 0755; returns its path,
// or the error of mkdtemp or chmod.
absl::StatusOr<std::string> MakeStagingDir(const std::string& parent,
                                           pid_t pid);

// Removes the staging directories in `parent` whose launcher pid
// `is_dead` says no longer runs, other than `own_pid`'s. Only empty
// directories go (rmdir); anything else is left alone. Returns how many
// were removed; an error only if `parent` cannot be read.
absl::StatusOr<int> RemoveStaleStagingDirs(
    const std::string& parent, pid_t own_pid,
    absl::FunctionRef<bool(absl::string_view pid)> is_dead);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_STAGING_DIR_H_
