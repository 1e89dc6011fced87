// Soak: N executions (default 10,000) at concurrency C (default 16) against
// a real forge-execd, one in ten a hostile program from tests/security/
// programs (fork, memory, thread and output bombs, CPU spin, escapes, disk
// fill, network attempts), the rest benign programs in every runtime whose
// output is checked byte for byte. Afterwards, with the server settled:
//   - zero leaked processes (host uid of the sandbox), cgroups, mounts,
//     server/launcher fds and threads, and shared memory (tmpfs, memfds)
//     within 4 MiB;
//   - server RSS growth under 10% (measured after a warm-up);
//   - every benign output exact, every call finished with a typed outcome;
//   - the audit trail verifies and holds execution_start and execution_end
//     for every accepted execution.
// Exit status 0 when all hold. Needs root and FORGE_BUILD_DIR /
// FORGE_SOURCE_DIR (make soak sets them).
//
//   forge_soak [--executions N] [--concurrency C] [--hostile_every K]
#include <sys/sysinfo.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "server/audit/verify.h"
#include "tests/integration/server_process.h"
#include "tests/soak/host_census.h"

namespace forge::soak {
namespace {

using forge::exec::v1::ExecuteRequest;
using forge::testing::CollectedEvents;

constexpr uid_t kSandboxHostUid = 65534;  // deploy/config default host_uid

struct Options {
  int executions = 10000;
  int concurrency = 16;
  int hostile_every = 10;
  int warmup = 200;
};

struct Hostile {
  const char* file;
  std::vector<std::string> args;
};

const std::vector<Hostile>& HostilePrograms() {
  static const std::vector<Hostile> programs = {
      {"fork_bomb.py", {}},       {"memory_bomb.py", {}},
      {"cpu_spin.py", {}},        {"stdout_flood.sh", {}},
      {"connect_out.py", {}},     {"orphan_escape.sh", {"soakorphan"}},
      {"thread_bomb.py", {}},     {"fd_exhaustion.py", {}},
      {"disk_fill.py", {"/tmp"}}, {"kill_everything.sh", {}},
  };
  return programs;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RuntimeFor(const std::string& file) {
  if (absl::EndsWith(file, ".py")) return "python";
  if (absl::EndsWith(file, ".sh")) return "bash";
  if (absl::EndsWith(file, ".ts")) return "typescript";
  return "javascript";
}

// The i-th request and, for benign ones, the exact stdout expected.
ExecuteRequest RequestFor(int i, const Options& options, std::string* expect,
                          bool* hostile, std::string* label) {
  *hostile = options.hostile_every > 0 && i % options.hostile_every == 0;
  if (*hostile) {
    const auto& programs = HostilePrograms();
    const Hostile& h = programs[(i / options.hostile_every) % programs.size()];
    *label = h.file;
    ExecuteRequest request = forge::testing::Request(
        RuntimeFor(h.file),
        ReadWholeFile(absl::StrCat(forge::testing::SourceDir(),
                                   "/tests/security/programs/", h.file)));
    for (const auto& arg : h.args) request.add_args(arg);
    using google::protobuf::util::TimeUtil;
    *request.mutable_limits()->mutable_wall_time() =
        TimeUtil::MillisecondsToDuration(3000);
    *request.mutable_limits()->mutable_cpu_time() =
        TimeUtil::MillisecondsToDuration(1500);
    expect->clear();
    return request;
  }
  *label = "benign";
  const std::string token = absl::StrCat("soak-", i);
  *expect = token + "\n";
  switch (i % 7) {
    case 0:
    case 1:
    case 2:
      return forge::testing::Request("python",
                                     absl::StrCat("print('", token, "')"));
    case 3:
    case 4:
      return forge::testing::Request("bash", absl::StrCat("echo ", token));
    case 5:
      return forge::testing::Request(
          "javascript", absl::StrCat("console.log('", token, "')"));
    default: {
      // stdin and args round-trip too.
      ExecuteRequest request = forge::testing::Request(
          "python",
          "import sys\nprint(sys.stdin.read().strip() + '-' + sys.argv[1])");
      request.set_stdin(absl::StrCat("soak\n"));
      request.add_args(std::to_string(i));
      return request;
    }
  }
}

struct Tally {
  std::mutex mutex;
  std::set<std::string> accepted_ids;
  std::map<std::string, int> outcomes;
  std::vector<std::string> failures;
  int benign_exact = 0;
  int benign = 0;
  int hostile = 0;
};

void RunOne(forge::exec::v1::ExecutionService::Stub& stub, int i,
            const Options& options, Tally& tally) {
  std::string expect;
  bool hostile = false;
  std::string label;
  ExecuteRequest request = RequestFor(i, options, &expect, &hostile, &label);
  CollectedEvents run =
      forge::testing::Execute(stub, request, absl::Seconds(120));
  std::lock_guard<std::mutex> lock(tally.mutex);
  for (const auto& event : run.events) {
    if (event.has_accepted())
      tally.accepted_ids.insert(event.accepted().execution_id());
  }
  const std::string outcome =
      run.has_finished ? forge::exec::v1::Outcome_Name(run.finished.outcome())
                       : absl::StrCat("no finished event (",
                                      run.status.error_message(), ")");
  ++tally.outcomes[absl::StrCat(label, " ", outcome)];
  if (!run.status.ok() || !run.has_finished) {
    tally.failures.push_back(absl::StrCat("#", i, ": status ",
                                          run.status.error_code(), " ",
                                          run.status.error_message()));
    return;
  }
  if (hostile) {
    ++tally.hostile;
    return;
  }
  ++tally.benign;
  if (run.stdout_data == expect &&
      run.finished.outcome() == forge::exec::v1::OUTCOME_EXITED &&
      run.finished.exit_code() == 0) {
    ++tally.benign_exact;
  } else if (tally.failures.size() < 50) {
    tally.failures.push_back(
        absl::StrCat("#", i, ": expected \"", expect, "\" got \"",
                     run.stdout_data, "\" stderr \"",
                     run.stderr_data.substr(0, 200), "\" outcome ", outcome));
  }
}

void RunMany(forge::testing::ServerProcess& server, int first, int count,
             const Options& options, Tally& tally) {
  std::atomic<int> next{first};
  std::vector<std::thread> workers;
  for (int w = 0; w < options.concurrency; ++w) {
    workers.emplace_back([&] {
      auto stub = server.NewStub();
      for (int i = next++; i < first + count; i = next++) {
        RunOne(*stub, i, options, tally);
      }
    });
  }
  for (auto& worker : workers) worker.join();
}

// Waits until two censuses a second apart agree on the leak-relevant
// counts (ready pools refilled, sandboxes torn down), at most 20 s.
HostCensus SettledCensus(pid_t server, pid_t launcher) {
  HostCensus previous = HostCensus::Take(kSandboxHostUid, server, launcher);
  for (int i = 0; i < 20; ++i) {
    ::sleep(1);
    HostCensus now = HostCensus::Take(kSandboxHostUid, server, launcher);
    if (now.sandbox_uid_processes == previous.sandbox_uid_processes &&
        now.cgroups == previous.cgroups && now.mounts == previous.mounts &&
        now.server_fds == previous.server_fds &&
        now.launcher_fds == previous.launcher_fds) {
      return now;
    }
    previous = now;
  }
  return previous;
}

int Main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--executions"))
      options.executions = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--concurrency"))
      options.concurrency = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--hostile_every"))
      options.hostile_every = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "forge_soak: unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "forge_soak: needs root (the sandbox maps ids)\n");
    return 2;
  }
  char dir_template[] = "/tmp/forge-soak-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string audit_dir = dir + "/audit";
  auto server = forge::testing::ServerProcess::Start(absl::StrCat(
      "admission { max_concurrent: ", options.concurrency, " max_queued: ",
      options.concurrency * 4, " }\naudit { dir: \"", audit_dir, "\" }\n"));
  if (!server.ok()) {
    std::fprintf(stderr, "forge_soak: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  const pid_t server_pid = (*server)->pid();
  const pid_t launcher_pid = FindChild(server_pid, "forge-launcher");

  Tally warmup;
  RunMany(**server, 1'000'000, options.warmup, options, warmup);
  const HostCensus before = SettledCensus(server_pid, launcher_pid);

  Tally tally;
  const absl::Time start = absl::Now();
  std::thread progress([&] {
    for (;;) {
      ::sleep(10);
      std::lock_guard<std::mutex> lock(tally.mutex);
      const int done = tally.benign + tally.hostile +
                       static_cast<int>(tally.failures.size());
      std::fprintf(stderr, "forge_soak: %d/%d\n", done, options.executions);
      if (done >= options.executions) return;
    }
  });
  RunMany(**server, 0, options.executions, options, tally);
  const absl::Duration elapsed = absl::Now() - start;
  const HostCensus after = SettledCensus(server_pid, launcher_pid);
  progress.join();

  auto status = (*server)->Terminate(absl::Seconds(30));
  const std::vector<std::string> files =
      forge::testing::AuditLogFiles(audit_dir);
  audit::VerifyReport verified = audit::VerifyLogFiles(files, {});
  const std::set<std::string> audited =
      forge::testing::ExecutionsWithStartAndEnd(files);
  int missing_audit = 0;
  for (const auto* ids : {&tally.accepted_ids, &warmup.accepted_ids}) {
    for (const std::string& id : *ids) missing_audit += !audited.count(id);
  }

  std::printf(
      "forge_soak: %d executions at concurrency %d in %.1f s "
      "(%.1f/s), hostile 1 in %d\n",
      options.executions, options.concurrency, absl::ToDoubleSeconds(elapsed),
      options.executions / absl::ToDoubleSeconds(elapsed),
      options.hostile_every);
  std::printf("outcomes:\n");
  for (const auto& [name, count] : tally.outcomes)
    std::printf("  %-40s %d\n", name.c_str(), count);
  std::printf("benign exact: %d/%d\n", tally.benign_exact, tally.benign);
  std::printf("census (after warm-up -> after soak, settled):\n%s",
              HostCensus::Compare(before, after).c_str());
  std::printf(
      "audit: %s, %llu records, %zu accepted executions, %d without "
      "start+end records\n",
      verified.ok ? "verifies" : audit::FormatVerdict(verified).c_str(),
      static_cast<unsigned long long>(verified.records),
      tally.accepted_ids.size() + warmup.accepted_ids.size(), missing_audit);
  for (const std::string& failure : tally.failures)
    std::printf("failure %s\n", failure.c_str());

  std::vector<std::string> problems;
  if (!tally.failures.empty())
    problems.push_back(absl::StrCat(tally.failures.size(), " failed calls"));
  if (tally.benign_exact != tally.benign)
    problems.push_back("benign output not exact");
  if (after.sandbox_uid_processes > before.sandbox_uid_processes)
    problems.push_back("processes leaked");
  if (after.cgroups > before.cgroups) problems.push_back("cgroups leaked");
  if (after.mounts > before.mounts) problems.push_back("mounts leaked");
  if (after.server_fds > before.server_fds) problems.push_back("fds leaked");
  if (after.launcher_fds > before.launcher_fds)
    problems.push_back("launcher fds leaked");
  if (after.server_threads > before.server_threads ||
      after.launcher_threads > before.launcher_threads)
    problems.push_back("threads leaked");
  // gRPC's default and resolver executors: 2 threads per core each at most.
  if (after.grpc_executor_threads > 4 * static_cast<int>(get_nprocs()))
    problems.push_back("gRPC executor threads above their bound");
  if (after.shmem_kib > before.shmem_kib + 4096)
    problems.push_back("shared memory grew by more than 4 MiB");
  if (after.server_rss_kib * 10 > before.server_rss_kib * 11)
    problems.push_back("server RSS grew by 10% or more");
  if (!verified.ok) problems.push_back("audit trail does not verify");
  if (missing_audit > 0) problems.push_back("audit records missing");
  if (!status.ok()) problems.push_back("server did not stop cleanly");
  if (problems.empty()) {
    std::printf("forge_soak: PASS\n");
    return 0;
  }
  for (const std::string& problem : problems)
    std::printf("forge_soak: FAIL: %s\n", problem.c_str());
  return 1;
}

}  // namespace
}  // namespace forge::soak

int main(int argc, char** argv) { return forge::soak::Main(argc, argv); }
