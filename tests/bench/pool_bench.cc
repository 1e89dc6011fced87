// Where a warm execution's time goes, and whether the warm path stays steady
// over a long run.
//
//   pool_bench --mode phases [--rounds N] [--code PYTHON]
//     sandbox: a warm Python sandbox made by the launcher (no server); its
//       job `print(1)` is timed from Run() to the first stdout byte, stdout
//       EOF and the Finished callback, next to the program's own time
//       (init: job delivery to reap).
//     server: warm Python Execute of `print(1)` (or --code) over gRPC on
//       loopback; the arrival of each
//       stream event (accepted, each audit record by type, started, output,
//       finished) and the end of the call, from the moment of the request.
//   pool_bench --mode drift [--seconds S] [--bucket B] [--interval-ms I]
//     warm Python Execute for S seconds (default 600), one request every I
//     ms (default 100; 0: back to back, which outruns the refills); per B
//     seconds (default 60): count, p50/p99 latency, warm share, and the
//     server's and launcher's RSS and the ready count at the bucket's end.
//
// Needs root (the sandbox maps ids), FORGE_BUILD_DIR (default ./build) and
// FORGE_SOURCE_DIR (default .). Prints what it measured; never part of ctest.
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_client.h"
#include "sandbox/warm_runner.h"
#include "tests/integration/server_process.h"

namespace {

using forge::testing::ServerProcess;
using Stub = forge::exec::v1::ExecutionService::Stub;
using forge::UniqueFd;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index =
      std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Named samples, printed in the order their names first appeared.
class Samples {
 public:
  void Add(const std::string& name, double ms) {
    if (!values_.contains(name)) order_.push_back(name);
    values_[name].push_back(ms);
  }
  void Print(const char* title) const {
    std::printf("%s\n%-28s %8s %8s %8s %6s\n", title, "phase", "p50", "p90",
                "p99", "n");
    for (const std::string& name : order_) {
      const std::vector<double>& v = values_.at(name);
      std::printf("%-28s %8.2f %8.2f %8.2f %6zu\n", name.c_str(),
                  Percentile(v, 0.5), Percentile(v, 0.9), Percentile(v, 0.99),
                  v.size());
    }
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<double>> values_;
};

// --- sandbox phases (launcher only) --------------------------------------

forge::sandbox::SandboxSpec WarmPythonSpec(int n) {
  forge::sandbox::SandboxSpec spec;
  spec.sandbox_id = absl::StrCat("probe", n);
  spec.host_uid = spec.host_gid = 65534;
  for (const char* dir :
       {"/usr/bin", "/usr/lib", "/usr/lib64", "/etc/alternatives",
        "/etc/ld.so.cache", "/etc/python3", "/etc/python3.11"}) {
    if (::access(dir, F_OK) == 0) spec.binds.push_back({dir, dir});
  }
  spec.warm.argv = {"/usr/bin/python3", "-B"};
  for (const std::string& arg : forge::sandbox::WarmRunnerArgs(
           forge::sandbox::WarmRunnerKind::kPython, "/workspace/main.py"))
    spec.warm.argv.push_back(arg);
  spec.warm.env = {"PATH=/usr/bin:/bin", "HOME=/workspace", "LANG=C.UTF-8",
                   "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"};
  return spec;
}

void SandboxPhases(int rounds) {
  auto launcher = forge::sandbox::LauncherClient::Start(
      forge::testing::BuildDir() + "/sandbox/forge-launcher");
  if (!launcher.ok()) std::exit(1);
  Samples samples;
  for (int round = -3; round < rounds; ++round) {
    UniqueFd stdin_fd(::memfd_create("stdin", MFD_CLOEXEC));
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      std::exit(1);
    UniqueFd out_read(out[0]), err_read(err[0]);
    forge::sandbox::LauncherClient::WarmStdio stdio{
        std::move(stdin_fd), UniqueFd(out[1]), UniqueFd(err[1])};
    absl::Notification created;
    absl::StatusOr<std::unique_ptr<forge::sandbox::Sandbox>> sandbox;
    const absl::Time create_start = absl::Now();
    (*launcher)->CreateWarm(WarmPythonSpec(round + 3), std::move(stdio),
                            [&](auto made) {
                              sandbox = std::move(made);
                              created.Notify();
                            });
    created.WaitForNotification();
    const double create_ms = Ms(absl::Now() - create_start);
    if (!sandbox.ok()) {
      std::fprintf(stderr, "pool_bench: %s\n",
                   std::string(sandbox.status().message()).c_str());
      std::exit(1);
    }
    absl::SleepFor(absl::Milliseconds(30));  // a ready sandbox at rest
    forge::sandbox::JobSpec job;
    job.argv = {"/usr/bin/python3", "-B", "/workspace/main.py"};
    job.env = WarmPythonSpec(0).warm.env;
    job.files = {{"main.py", "print(1)\n", 0644}};
    auto payload = forge::sandbox::WriteJobPayload(job);
    if (!payload.ok()) std::exit(1);
    absl::Notification finished;
    absl::Time finished_at;
    forge::sandbox::SandboxResult result;
    const absl::Time start = absl::Now();
    (*sandbox)->Run({}, {std::move(*payload)},
                    [&](forge::sandbox::SandboxResult r) {
                      finished_at = absl::Now();
                      result = std::move(r);
                      finished.Notify();
                    });
    absl::Time first_byte, out_eof, err_eof;
    pollfd polls[2] = {{out_read.get(), POLLIN, 0},
                       {err_read.get(), POLLIN, 0}};
    int open_count = 2;
    char buffer[4096];
    while (open_count > 0) {
      if (::poll(polls, 2, -1) < 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (polls[i].fd < 0 || polls[i].revents == 0) continue;
        ssize_t n = ::read(polls[i].fd, buffer, sizeof(buffer));
        if (n > 0 && i == 0 && first_byte == absl::Time())
          first_byte = absl::Now();
        if (n <= 0) {
          (i == 0 ? out_eof : err_eof) = absl::Now();
          polls[i].fd = -1;
          --open_count;
        }
      }
    }
    finished.WaitForNotification();
    const absl::Time end = absl::Now();
    sandbox->reset();
    const absl::Time destroyed = absl::Now();
    if (round < 0) continue;
    samples.Add("create (not on the path)", create_ms);
    samples.Add("run -> first stdout byte", Ms(first_byte - start));
    samples.Add("run -> stdout EOF", Ms(out_eof - start));
    samples.Add("run -> stderr EOF", Ms(err_eof - start));
    samples.Add("run -> Finished", Ms(finished_at - start));
    samples.Add("run -> all done", Ms(end - start));
    samples.Add("program (delivery->reap)", Ms(result.wall_time));
    samples.Add("~Sandbox", Ms(destroyed - end));
  }
  samples.Print("sandbox: warm python print(1) through the launcher (ms)");
}

// --- server phases -------------------------------------------------------

std::unique_ptr<ServerProcess> StartServer(const std::string& config) {
  auto server = ServerProcess::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "pool_bench: server: %s\n",
                 std::string(server.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*server);
}

std::string EventName(const forge::exec::v1::ExecuteEvent& event) {
  if (event.has_audit()) return absl::StrCat("audit ", event.audit().type());
  if (event.has_output()) return "output";
  return std::string(
      event.GetDescriptor()->FindFieldByNumber(event.event_case())->name());
}

void ServerPhases(int rounds, const std::string& code) {
  auto server = StartServer("");
  auto stub = server->NewStub();
  Samples samples;
  for (int round = -5; round < rounds; ++round) {
    forge::testing::WaitForReadySandboxes(
        *stub, "python", 4,
        absl::Seconds(120));  // every round takes a warm sandbox
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    const absl::Time start = absl::Now();
    auto reader =
        stub->Execute(&context, forge::testing::Request("python", code));
    forge::exec::v1::ExecuteEvent event;
    std::vector<std::pair<std::string, double>> arrivals;
    bool warm = false;
    while (reader->Read(&event)) {
      if (event.has_started()) warm = event.started().warm();
      arrivals.emplace_back(EventName(event), Ms(absl::Now() - start));
    }
    grpc::Status status = reader->Finish();
    const double total = Ms(absl::Now() - start);
    if (!status.ok() || !warm) {
      std::fprintf(stderr, "pool_bench: execution failed or was not warm\n");
      std::exit(1);
    }
    if (round < 0) continue;
    int outputs = 0;
    for (const auto& [name, ms] : arrivals) {
      samples.Add(name == "output" ? absl::StrCat("output #", ++outputs) : name,
                  ms);
    }
    samples.Add("call done", total);
  }
  samples.Print(absl::StrCat("\nserver: warm python `", code,
                             "` over gRPC, arrival of each event from the "
                             "request (ms)")
                    .c_str());
}

// --- drift ---------------------------------------------------------------

uint64_t RssKib(pid_t pid) {
  for (absl::string_view line :
       absl::StrSplit(ReadFile(absl::StrCat("/proc/", pid, "/status")), '\n')) {
    if (!absl::StartsWith(line, "VmRSS:")) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t kib = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib;
  }
  return 0;
}

pid_t FirstChild(pid_t parent) {
  std::string children =
      ReadFile(absl::StrCat("/proc/", parent, "/task/", parent, "/children"));
  int pid = -1;
  std::vector<std::string> parts =
      absl::StrSplit(children, ' ', absl::SkipEmpty());
  if (!parts.empty()) (void)absl::SimpleAtoi(parts[0], &pid);
  return pid;
}

std::string LoadAverage() {
  std::string text = ReadFile("/proc/loadavg");
  return text.substr(0, text.find(' '));
}

void Drift(int seconds, int bucket_seconds, int interval_ms) {
  auto server = StartServer("");
  auto stub = server->NewStub();
  forge::testing::WaitForReadySandboxes(*stub, "python", 4, absl::Seconds(120));
  const pid_t launcher = FirstChild(server->pid());
  std::printf(
      "drift: warm python print(1) every %d ms for %d s, buckets of %d s\n"
      "%-6s %7s %8s %8s %6s %11s %13s %6s %5s\n",
      interval_ms, seconds, bucket_seconds, "t(s)", "count", "p50", "p99",
      "warm", "server KiB", "launcher KiB", "ready", "load");
  const absl::Time begin = absl::Now();
  std::vector<double> first_bucket_ms;
  int failures = 0;
  for (int b = 0; b * bucket_seconds < seconds; ++b) {
    const absl::Time bucket_end =
        begin + absl::Seconds((b + 1) * bucket_seconds);
    std::vector<double> ms;
    int warm = 0;
    while (absl::Now() < bucket_end) {
      const absl::Time start = absl::Now();
      const absl::Time next = start + absl::Milliseconds(interval_ms);
      forge::testing::CollectedEvents run = forge::testing::Execute(
          *stub, forge::testing::Request("python", "print(1)"));
      ms.push_back(Ms(absl::Now() - start));
      if (run.finished.outcome() != forge::exec::v1::OUTCOME_EXITED ||
          run.stdout_data != "1\n")
        ++failures;
      for (const auto& event : run.events)
        if (event.has_started() && event.started().warm()) ++warm;
      absl::SleepFor(next - absl::Now());
    }
    std::printf(
        "%-6d %7zu %8.2f %8.2f %5.0f%% %11lu %13lu %6u %5s\n",
        (b + 1) * bucket_seconds, ms.size(), Percentile(ms, 0.5),
        Percentile(ms, 0.99), 100.0 * warm / std::max<size_t>(1, ms.size()),
        RssKib(server->pid()), RssKib(launcher),
        forge::testing::ReadySandboxes(*stub, "python"), LoadAverage().c_str());
  }
  std::printf("failures: %d\n", failures);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "phases";
  int rounds = 200;
  int seconds = 600;
  int bucket = 60;
  int interval_ms = 100;
  std::string code = "print(1)";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mode") == 0) mode = argv[i + 1];
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--bucket") == 0) bucket = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--code") == 0) code = argv[i + 1];
    if (std::strcmp(argv[i], "--interval-ms") == 0)
      interval_ms = std::atoi(argv[i + 1]);
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "pool_bench: needs root\n");
    return 77;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("load average at start: %s", ReadFile("/proc/loadavg").c_str());
  if (mode == "phases") {
    SandboxPhases(rounds);
    ServerPhases(rounds, code);
  } else if (mode == "drift") {
    Drift(seconds, std::max(1, bucket), std::max(0, interval_ms));
  } else {
    std::fprintf(stderr, "pool_bench: --mode phases|drift\n");
    return 2;
  }
  std::printf("load average at end: %s", ReadFile("/proc/loadavg").c_str());
  return 0;
}
