// Sandbox and end-to-end cost, against the bare interpreter, in one run:
//
// latency (interleaved, one round = one request of every mode):
//   <rt>-bare     posix_spawn + wait of `python3 -c`, `node -e`,
//                 `deno eval`, `bash -c` on the host
//   py-sandbox    LauncherClient: a fresh sandbox made and python3 -c run in
//                 it, no pool, no server
//   <rt>-cold     Execute over gRPC on loopback, server whose pools keep
//                 ready sandboxes without a pre-started interpreter
//   <rt>-warm     the same with warm pools (the interpreter waits for code)
//   py-warm-shm   py-warm with the server's audit log on tmpfs (no disk
//                 fsync): the audit commit's share of the overhead
// throughput: requests/s of warm Python Execute and of bare python3 at
//   concurrency 1, 4 and 16 (each for --seconds), with the warm hit ratio
//   and the queue wait the server reported (Started.queued).
// memory: PSS (/proc/<pid>/smaps_rollup) per ready warm Python sandbox
//   (its init and interpreter) and the server's and launcher's RSS with
//   pools of 0, 8 and 32.
//
//   execute_bench [--rounds N] [--seconds S] [--only latency|throughput|memory]
//                 [--runtime python|javascript|typescript|bash] (latency: the
//                 modes of that runtime alone)
//                 [--pause-ms MS] (latency: the pause after each request,
//                 default 50, so that the pool refill a request started is
//                 done before the next mode's request; 0 runs them back to
//                 back and each mode shares the CPUs with the refill before)
// Needs root (the sandbox maps ids), FORGE_BUILD_DIR (default ./build) and
// FORGE_SOURCE_DIR (default .).
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "sandbox/launcher_client.h"
#include "tests/integration/server_process.h"

extern char** environ;

namespace {

using forge::testing::ServerProcess;
using Stub = forge::exec::v1::ExecutionService::Stub;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index =
      std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A host interpreter run the way a shell would: the baseline.
struct Bare {
  std::vector<std::string> argv;
};

double BareRun(const Bare& bare) {
  const absl::Time start = absl::Now();
  std::vector<char*> argv;
  for (const std::string& arg : bare.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) ==
      0) {
    int status;
    waitpid(pid, &status, 0);
  }
  posix_spawn_file_actions_destroy(&actions);
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

struct Timed {
  double ms = 0;
  bool ok = false;
  bool warm = false;
  double queued_ms = 0;
  double program_ms = 0;  // Finished.usage.wall_time: delivery to exit
};

Timed ExecuteRun(Stub& stub, const std::string& runtime,
                 const std::string& code) {
  const absl::Time start = absl::Now();
  forge::testing::CollectedEvents run =
      forge::testing::Execute(stub, forge::testing::Request(runtime, code));
  Timed timed;
  timed.ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  timed.ok = run.finished.outcome() == forge::exec::v1::OUTCOME_EXITED &&
             run.stdout_data == "1\n";
  timed.program_ms = google::protobuf::util::TimeUtil::DurationToNanoseconds(
                         run.finished.usage().wall_time()) /
                     1e6;
  for (const auto& event : run.events) {
    if (!event.has_started()) continue;
    timed.warm = event.started().warm();
    timed.queued_ms = google::protobuf::util::TimeUtil::DurationToNanoseconds(
                          event.started().queued()) /
                      1e6;
  }
  return timed;
}

// The default config's runtimes with their pools resized/unwarmed.
std::string RuntimesConfig(bool warm, int python_pool = -1) {
  std::string text = ReadFile(forge::testing::SourceDir() +
                              "/deploy/config/default.textproto");
  std::string runtimes;
  for (size_t at = text.find("\nruntimes {"); at != std::string::npos;
       at = text.find("\nruntimes {", at + 1)) {
    const size_t end = text.find("\n}\n", at);
    absl::StrAppend(&runtimes, text.substr(at, end + 3 - at));
  }
  if (!warm) absl::StrReplaceAll({{"warm: true", "warm: false"}}, &runtimes);
  if (python_pool >= 0) {
    // Only the python pool, at the given size.
    std::string out;
    for (absl::string_view block : absl::StrSplit(runtimes, "runtimes {")) {
      if (block.find("pool_size: ") == absl::string_view::npos) continue;
      std::string b(block);
      const bool python = b.find("name: \"python\"") != std::string::npos;
      const size_t at = b.find("pool_size: ");
      const size_t end = b.find('\n', at);
      b.replace(at, end - at,
                absl::StrCat("pool_size: ", python ? python_pool : 0));
      absl::StrAppend(&out, "runtimes {", b);
    }
    runtimes = out;
  }
  return runtimes;
}

std::unique_ptr<ServerProcess> StartServer(const std::string& config) {
  auto server = ServerProcess::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "execute_bench: server: %s\n",
                 std::string(server.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*server);
}

// --- latency -------------------------------------------------------------

struct Mode {
  std::string name;
  std::function<Timed()> run;
  std::vector<double> ms;
  std::vector<double> program_ms;
  int warm_hits = 0;
};

void Latency(int rounds, const std::string& only_runtime,
             absl::Duration pause) {
  const std::string deno = forge::testing::SourceDir() + "/.deps/bin/deno";
  auto warm_server = StartServer(RuntimesConfig(/*warm=*/true));
  auto cold_server = StartServer(RuntimesConfig(/*warm=*/false));
  // The same warm server with its audit log on tmpfs: how much of the
  // Execute overhead is the audit fsync (two commits in every execution's
  // path: before the program starts and before `finished`).
  char audit_dir[] = "/dev/shm/forge-bench-audit-XXXXXX";
  if (::mkdtemp(audit_dir) == nullptr) std::exit(1);
  auto tmpfs_server = StartServer(absl::StrCat(
      RuntimesConfig(/*warm=*/true), "audit { dir: \"", audit_dir, "\" }\n"));
  auto warm_stub = warm_server->NewStub();
  auto cold_stub = cold_server->NewStub();
  auto tmpfs_stub = tmpfs_server->NewStub();
  auto launcher = forge::sandbox::LauncherClient::Start(
      forge::testing::BuildDir() + "/sandbox/forge-launcher");
  if (!launcher.ok()) std::exit(1);
  forge::sandbox::SandboxSpec spec;
  spec.host_uid = spec.host_gid = 65534;
  for (const char* dir : {"/usr/bin", "/usr/lib", "/usr/lib64",
                          "/etc/alternatives", "/etc/ld.so.cache"}) {
    spec.binds.push_back({dir, dir});
  }
  forge::sandbox::JobSpec job;
  job.argv = {"/usr/bin/python3", "-c", "print(1)"};
  job.env = {"PATH=/usr/bin"};
  int sandbox_round = 0;

  struct Runtime {
    std::string name, code;
    Bare bare;
    bool warm;
  };
  std::vector<Runtime> runtimes = {
      {"python", "print(1)", {{"/usr/bin/python3", "-c", "print(1)"}}, true},
      {"javascript",
       "console.log(1)",
       {{"/usr/bin/node", "-e", "console.log(1)"}},
       true},
      {"typescript",
       "console.log(1)",
       {{deno, "eval", "console.log(1)"}},
       true},
      {"bash", "echo 1", {{"/usr/bin/bash", "-c", "echo 1"}}, false}};
  if (!only_runtime.empty()) {
    std::erase_if(runtimes,
                  [&](const Runtime& rt) { return rt.name != only_runtime; });
  }
  std::vector<Mode> modes;
  auto add = [&modes](std::string name, std::function<Timed()> run) {
    Mode mode;
    mode.name = std::move(name);
    mode.run = std::move(run);
    modes.push_back(std::move(mode));
  };
  for (const Runtime& rt : runtimes) {
    const std::string short_name = rt.name.substr(0, 2);
    add(short_name + "-bare", [rt] {
      return Timed{BareRun(rt.bare), true, false, 0};
    });
    if (rt.name == "python") {
      add("py-sandbox", [&] {
        Timed t;
        spec.sandbox_id = absl::StrCat("bench", sandbox_round++);
        const absl::Time start = absl::Now();
        auto created = (*launcher)->CreateSync(spec);
        if (!created.ok()) return t;
        auto run = forge::sandbox::RunAndCollect(**created, job, {});
        t.ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        t.ok = run.ok() && run->stdout_data == "1\n";
        return t;
      });
    }
    add(short_name + "-cold",
        [&, rt] { return ExecuteRun(*cold_stub, rt.name, rt.code); });
    if (rt.warm) {
      add(short_name + "-warm",
          [&, rt] { return ExecuteRun(*warm_stub, rt.name, rt.code); });
    }
    if (rt.name == "python") {
      add("py-warm-shm",
          [&, rt] { return ExecuteRun(*tmpfs_stub, rt.name, rt.code); });
    }
  }
  forge::testing::WaitForReadySandboxes(*warm_stub, "python", 4,
                                        absl::Seconds(120));
  forge::testing::WaitForReadySandboxes(*cold_stub, "python", 4,
                                        absl::Seconds(120));
  forge::testing::WaitForReadySandboxes(*tmpfs_stub, "python", 4,
                                        absl::Seconds(120));
  for (int round = -5; round < rounds; ++round) {  // 5 warm-up rounds
    for (Mode& mode : modes) {
      Timed t = mode.run();
      absl::SleepFor(pause);
      if (!t.ok) {
        std::fprintf(stderr, "execute_bench: %s failed\n", mode.name.c_str());
        std::exit(1);
      }
      if (round < 0) continue;
      mode.ms.push_back(t.ms);
      mode.program_ms.push_back(t.program_ms);
      if (t.warm) ++mode.warm_hits;
    }
  }
  std::printf(
      "latency: %d interleaved rounds of print(1) per mode, %s after each "
      "(ms)\n",
      rounds, absl::FormatDuration(pause).c_str());
  std::printf("%-12s %8s %8s %8s %9s %9s %6s %9s\n", "mode", "p50", "p95",
              "p99", "p50/bare", "p50-bare", "warm", "prog p50");
  double bare_p50 = 0;
  for (const Mode& mode : modes) {
    const double p50 = Percentile(mode.ms, 0.5);
    if (mode.name.find("-bare") != std::string::npos) bare_p50 = p50;
    std::printf("%-12s %8.2f %8.2f %8.2f %8.2fx %+9.2f %5.0f%% %9.2f\n",
                mode.name.c_str(), p50, Percentile(mode.ms, 0.95),
                Percentile(mode.ms, 0.99), p50 / bare_p50, p50 - bare_p50,
                100.0 * mode.warm_hits / mode.ms.size(),
                Percentile(mode.program_ms, 0.5));
  }
  tmpfs_server.reset();
  std::filesystem::remove_all(audit_dir);
}

// --- throughput ----------------------------------------------------------

struct Throughput {
  double per_second = 0;
  int done = 0, warm = 0, failed = 0;
  std::vector<double> queued_ms;
};

Throughput RunFor(int concurrency, absl::Duration duration,
                  const std::function<Timed(int worker)>& one) {
  std::atomic<bool> stop{false};
  std::vector<Throughput> per_worker(concurrency);
  std::vector<std::thread> workers;
  const absl::Time start = absl::Now();
  for (int w = 0; w < concurrency; ++w) {
    workers.emplace_back([&, w] {
      while (!stop.load()) {
        Timed t = one(w);
        Throughput& mine = per_worker[w];
        t.ok ? ++mine.done : ++mine.failed;
        if (t.warm) ++mine.warm;
        mine.queued_ms.push_back(t.queued_ms);
      }
    });
  }
  absl::SleepFor(duration);
  stop = true;
  for (std::thread& worker : workers) worker.join();
  Throughput total;
  for (Throughput& mine : per_worker) {
    total.done += mine.done;
    total.warm += mine.warm;
    total.failed += mine.failed;
    total.queued_ms.insert(total.queued_ms.end(), mine.queued_ms.begin(),
                           mine.queued_ms.end());
  }
  total.per_second = total.done / absl::ToDoubleSeconds(absl::Now() - start);
  return total;
}

void ThroughputSuite(int seconds) {
  auto server = StartServer(RuntimesConfig(/*warm=*/true));
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int i = 0; i < 16; ++i) stubs.push_back(server->NewStub());
  const Bare bare{{"/usr/bin/python3", "-c", "print(1)"}};
  std::printf(
      "\nthroughput: python print(1), %d s per run (requests/s)\n"
      "%-4s %10s %10s %8s %9s %13s\n",
      seconds, "c", "bare", "warm", "ratio", "warm hits", "queued p50/p99");
  for (int concurrency : {1, 4, 16}) {
    Throughput b = RunFor(concurrency, absl::Seconds(seconds), [&](int) {
      return Timed{BareRun(bare), true, false, 0};
    });
    forge::testing::WaitForReadySandboxes(*stubs[0], "python", 4,
                                          absl::Seconds(120));
    Throughput w = RunFor(concurrency, absl::Seconds(seconds), [&](int worker) {
      return ExecuteRun(*stubs[worker], "python", "print(1)");
    });
    std::printf(
        "%-4d %10.1f %10.1f %7.2fx %8.0f%% %6.2f/%.2f ms%s\n", concurrency,
        b.per_second, w.per_second, w.per_second / b.per_second,
        100.0 * w.warm / std::max(1, w.done), Percentile(w.queued_ms, 0.5),
        Percentile(w.queued_ms, 0.99), w.failed ? " (failures!)" : "");
  }
}

// --- memory --------------------------------------------------------------

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = ::readdir(proc)) {
    int pid;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::vector<std::string> fields =
        absl::StrSplit(stat.substr(paren + 2), ' ');
    int ppid;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) &&
        ppid == parent) {
      children.push_back(pid);
    }
  }
  ::closedir(proc);
  return children;
}

// "Pss:" or "Rss:" of smaps_rollup, or VmRSS of status, in KiB.
uint64_t Kib(const std::string& file, const std::string& key) {
  for (absl::string_view line : absl::StrSplit(ReadFile(file), '\n')) {
    if (!absl::StartsWith(line, key)) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t kib = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib;
  }
  return 0;
}

void Memory() {
  std::printf(
      "\nmemory: ready warm Python sandboxes (KiB)\n"
      "%-5s %12s %14s %12s %12s %12s\n",
      "pool", "server RSS", "launcher RSS", "PSS/sandbox", "init PSS",
      "python PSS");
  for (int pool : {0, 8, 32}) {
    auto server = StartServer(RuntimesConfig(/*warm=*/true, pool));
    auto stub = server->NewStub();
    if (!forge::testing::WaitForReadySandboxes(*stub, "python", pool,
                                               absl::Seconds(120))) {
      std::fprintf(stderr, "execute_bench: pool of %d never filled\n", pool);
      std::exit(1);
    }
    absl::SleepFor(absl::Milliseconds(500));  // let refills settle
    std::vector<pid_t> launchers = ChildrenOf(server->pid());
    const pid_t launcher = launchers.empty() ? -1 : launchers[0];
    uint64_t init_pss = 0, program_pss = 0;
    int sandboxes = 0;
    for (pid_t init : ChildrenOf(launcher)) {
      ++sandboxes;
      init_pss += Kib(absl::StrCat("/proc/", init, "/smaps_rollup"), "Pss:");
      for (pid_t program : ChildrenOf(init)) {
        program_pss +=
            Kib(absl::StrCat("/proc/", program, "/smaps_rollup"), "Pss:");
      }
    }
    const int n = std::max(1, sandboxes);
    std::printf("%-5d %12lu %14lu %12lu %12lu %12lu\n", pool,
                Kib(absl::StrCat("/proc/", server->pid(), "/status"), "VmRSS:"),
                Kib(absl::StrCat("/proc/", launcher, "/status"), "VmRSS:"),
                (init_pss + program_pss) / n, init_pss / n, program_pss / n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 500;
  int seconds = 5;
  int pause_ms = 50;
  std::string only, only_runtime;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runtime") == 0) only_runtime = argv[i + 1];
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    if (std::strcmp(argv[i], "--pause-ms") == 0)
      pause_ms = std::atoi(argv[i + 1]);
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "execute_bench: needs root\n");
    return 77;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (only.empty() || only == "latency")
    Latency(rounds, only_runtime, absl::Milliseconds(pause_ms));
  if (only.empty() || only == "throughput") ThroughputSuite(seconds);
  if (only.empty() || only == "memory") Memory();
  return 0;
}
