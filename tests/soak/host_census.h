// HostCensus: a count of what executions could leave behind on the host —
// processes running as the sandbox's host uid, forge cgroups, mounts, the
// server's and launcher's descriptors and threads, shared memory (tmpfs and
// memfd pages) — taken before and after a soak to prove nothing leaked.
// Scoped to one server: its launcher's cgroup subtree and the sandbox-uid
// processes under that launcher (or orphaned to the host's init), so other
// forge-execd instances on the machine do not disturb the count.
#ifndef FORGE_TESTS_SOAK_HOST_CENSUS_H_
#define FORGE_TESTS_SOAK_HOST_CENSUS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace forge::soak {

struct HostCensus {
  // Processes owned by the sandbox's host uid under the launcher, or whose
  // parent is the host's init (escaped orphans).
  int sandbox_uid_processes = 0;
  // Cgroup directories under forge-exec/<launcher pid>/ in every hierarchy.
  int cgroups = 0;
  int mounts = 0;  // lines of the host's /proc/self/mountinfo
  int server_fds = 0;
  // Server threads other than gRPC's executors (which grow on demand up to
  // a fixed bound of 2 per core each, and are counted apart).
  int server_threads = 0;
  int grpc_executor_threads = 0;
  int launcher_fds = 0;
  int launcher_threads = 0;
  uint64_t server_rss_kib = 0;
  uint64_t shmem_kib = 0;  // Shmem in /proc/meminfo

  // Takes the census; `launcher` may be -1 when unknown.
  static HostCensus Take(uid_t sandbox_host_uid, pid_t server, pid_t launcher);
  // One line per field: "name before → after (delta)".
  static std::string Compare(const HostCensus& before, const HostCensus& after);
};

// The first child of `parent` whose comm is `name`, or -1.
pid_t FindChild(pid_t parent, const std::string& name);

}  // namespace forge::soak

#endif  // FORGE_TESTS_SOAK_HOST_CENSUS_H_
