// Sandbox and end-to-end cost, interleaved with the baseline in one run:
//   bare      posix_spawn + wait of `python3 -c <code>` on the host
//   sandbox   LauncherClient: a fresh sandbox (namespaces, mounts, cgroup,
//             seccomp) made and the same program run in it, no pool
//   execute   Execute over gRPC on loopback through a real forge-execd
//             (CARS, audit fsync, privacy filter included)
// Prints p50/p95/p99 per mode and the ratios against bare.
//
//   execute_bench [--rounds N] [--code 'print(1)']
// Needs root (the sandbox maps ids) and FORGE_BUILD_DIR (default ./build).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sandbox/launcher_client.h"
#include "tests/integration/server_process.h"

extern char** environ;

namespace {

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t index =
      std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

double BareRun(const std::string& code) {
  const absl::Time start = absl::Now();
  const char* argv[] = {"/usr/bin/python3", "-c", code.c_str(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  posix_spawn(&pid, argv[0], &actions, nullptr, const_cast<char**>(argv),
              environ);
  posix_spawn_file_actions_destroy(&actions);
  int status;
  waitpid(pid, &status, 0);
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 200;
  std::string code = "print(1)";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--code") == 0) code = argv[i + 1];
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "execute_bench: needs root\n");
    return 77;
  }
  using forge::sandbox::LauncherClient;
  auto launcher = LauncherClient::Start(forge::testing::BuildDir() +
                                        "/sandbox/forge-launcher");
  auto server = forge::testing::ServerProcess::Start();
  if (!launcher.ok() || !server.ok()) {
    std::fprintf(stderr,
                 "execute_bench: cannot start the launcher or the server\n");
    return 1;
  }
  auto stub = (*server)->NewStub();
  forge::sandbox::SandboxSpec spec;
  spec.host_uid = spec.host_gid = 65534;
  for (const char* dir :
       {"/usr/bin", "/usr/lib", "/usr/lib64", "/etc/alternatives"}) {
    spec.binds.push_back({dir, dir});
  }
  forge::sandbox::JobSpec job;
  job.argv = {"/usr/bin/python3", "-c", code};
  job.env = {"PATH=/usr/bin"};

  std::vector<double> bare, sandbox, execute;
  for (int round = -5; round < rounds; ++round) {  // 5 warm-up rounds
    const double b = BareRun(code);
    spec.sandbox_id = absl::StrCat("bench", round + 5);
    absl::Time start = absl::Now();
    auto created = (*launcher)->CreateSync(spec);
    if (!created.ok()) return 1;
    auto run = forge::sandbox::RunAndCollect(**created, job, {});
    const double s = absl::ToDoubleMilliseconds(absl::Now() - start);
    start = absl::Now();
    auto collected =
        forge::testing::Execute(*stub, forge::testing::Request("python", code));
    const double e = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!run.ok() || collected.stdout_data.empty()) {
      std::fprintf(stderr, "execute_bench: a run failed\n");
      return 1;
    }
    if (round < 0) continue;
    bare.push_back(b);
    sandbox.push_back(s);
    execute.push_back(e);
  }
  std::printf("%d interleaved rounds of python3 -c '%s' (ms)\n", rounds,
              code.c_str());
  std::printf("%-10s %8s %8s %8s %10s\n", "mode", "p50", "p95", "p99",
              "p50/bare");
  const double bare_p50 = Percentile(bare, 0.5);
  for (const auto& [name, values] :
       {std::pair{"bare", &bare}, std::pair{"sandbox", &sandbox},
        std::pair{"execute", &execute}}) {
    std::printf("%-10s %8.2f %8.2f %8.2f %9.2fx\n", name,
                Percentile(*values, 0.5), Percentile(*values, 0.95),
                Percentile(*values, 0.99), Percentile(*values, 0.5) / bare_p50);
  }
  std::printf("sandbox setup added at p50: %.2f ms\n",
              Percentile(sandbox, 0.5) - bare_p50);
  return 0;
}
