// forge-launcher: the single-threaded helper that does every clone, mount,
// cgroup and seccomp step for forge-execd. Started by the server with its
// end of a SOCK_SEQPACKET socketpair as file descriptor 3; dies with the
// server (PR_SET_PDEATHSIG) and takes every sandbox with it.
//
//   forge-launcher [--cgroup-parent=NAME]
//
// At start it removes the cgroups and staging directories of launchers that
// died without cleaning up, and reports on stderr which protections the host
// allows.
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sandbox/cgroup_fs.h"
#include "sandbox/cgroup_tree.h"
#include "sandbox/launcher_loop.h"
#include "sandbox/process_title.h"
#include "sandbox/seccomp_sandbox_policy.h"
#include "sandbox/staging_dir.h"

namespace {

void Log(const std::string& line) {
  std::fprintf(stderr, "forge-launcher: %s\n", line.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace forge::sandbox;
  // Sandbox inits (clones of this process) overwrite it with a neutral name.
  RememberArgumentArea(argc, argv);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() == 1) {
    Log("parent already gone");
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::string cgroup_parent = "forge-exec";
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], "--cgroup-parent=")) {
      cgroup_parent = argv[i] + std::strlen("--cgroup-parent=");
    } else {
      Log(absl::StrCat("unknown argument ", argv[i]));
      return 2;
    }
  }

  absl::StatusOr<SeccompPolicy> seccomp = BuildSandboxSeccompPolicy();
  if (!seccomp.ok()) {
    Log(absl::StrCat("cannot build the seccomp policy: ",
                     seccomp.status().ToString()));
    return 1;
  }

  RealCgroupFs cgroup_fs;
  std::optional<CgroupTree> cgroups;
  CgroupTreeOptions tree_options;
  tree_options.parent = cgroup_parent;
  tree_options.instance = absl::StrCat(::getpid());
  absl::StatusOr<CgroupTree> tree = CgroupTree::Open(cgroup_fs, tree_options);
  if (!tree.ok()) {
    Log(absl::StrCat("WARNING: cgroups unusable (", tree.status().ToString(),
                     "); sandboxes have rlimits only"));
  } else {
    cgroups.emplace(std::move(*tree));
    absl::StatusOr<int> removed =
        cgroups->RemoveStaleInstances(IsDeadProcessName);
    if (removed.ok() && *removed > 0) {
      Log(absl::StrCat("removed the cgroups of ", *removed,
                       " launcher(s) that died"));
    } else if (!removed.ok()) {
      Log(absl::StrCat("stale cgroups not all removed: ",
                       removed.status().ToString()));
    }
    const CgroupSupport& support = cgroups->support();
    const bool degraded =
        support.mode == CgroupMode::kNone || !support.MissingNames().empty();
    Log(absl::StrCat(
        degraded ? "WARNING: degraded cgroup protection: " : "cgroups: ",
        support.Summary()));
  }

  absl::StatusOr<int> stale_staging =
      RemoveStaleStagingDirs("/tmp", ::getpid(), IsDeadProcessName);
  if (stale_staging.ok() && *stale_staging > 0) {
    Log(absl::StrCat("removed the staging directories of ", *stale_staging,
                     " launcher(s) that died"));
  }
  absl::StatusOr<std::string> staging = MakeStagingDir("/tmp", ::getpid());
  if (!staging.ok()) {
    Log(absl::StrCat("staging directory: ", staging.status().ToString()));
    return 1;
  }
  LauncherOptions options;
  options.staging_dir = *staging;
  options.cgroups = cgroups ? &*cgroups : nullptr;
  options.seccomp = &*seccomp;
  absl::Status status = RunLauncher(forge::UniqueFd(3), options);
  ::rmdir(staging->c_str());
  if (!status.ok()) {
    Log(status.ToString());
    return 1;
  }
  return 0;
}
