// forge-launcher: the single-threaded helper that does every clone, mount,
// cgroup and seccomp step for forge-execd. Started by the server with its
// end of a SOCK_SEQPACKET socketpair as file descriptor 3; dies with the
// server (PR_SET_PDEATHSIG) and takes every sandbox with it.
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "sandbox/launcher_loop.h"

int main() {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() == 1) {
    std::fprintf(stderr, "forge-launcher: parent already gone\n");
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  char staging[] = "/tmp/forge-launcher-XXXXXX";
  if (::mkdtemp(staging) == nullptr || ::chmod(staging, 0755) != 0) {
    std::perror("forge-launcher: staging directory");
    return 1;
  }
  forge::sandbox::LauncherOptions options;
  options.staging_dir = staging;
  absl::Status status =
      forge::sandbox::RunLauncher(forge::UniqueFd(3), options);
  ::rmdir(staging);
  if (!status.ok()) {
    std::fprintf(stderr, "forge-launcher: %s\n",
                 std::string(status.ToString()).c_str());
    return 1;
  }
  return 0;
}
