#include "tests/security/hostile_harness.h"

#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"

namespace forge::testing::security {
namespace {

using ::google::protobuf::util::TimeUtil;

std::string ReadWholeFile(const std::string& path, bool* ok = nullptr) {
  std::ifstream file(path, std::ios::binary);
  if (ok != nullptr) *ok = file.good();
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string RuntimeForFile(const std::string& file) {
  if (absl::EndsWith(file, ".py")) return "python";
  if (absl::EndsWith(file, ".js")) return "javascript";
  if (absl::EndsWith(file, ".ts")) return "typescript";
  if (absl::EndsWith(file, ".sh")) return "bash";
  return "";
}

// The benign program's lines carry no long digit runs: the privacy filter
// holds back (and may redact) a chunk ending in six digits, which says
// nothing about isolation.
std::string BenignCode(int lines) {
  return absl::StrCat("import time\nfor i in range(", lines,
                      "):\n    print(f'benign line {i} of ", lines,
                      "', flush=True)\n    time.sleep(0.05)\n");
}

std::string BenignExpected(int lines) {
  std::string expected;
  for (int i = 0; i < lines; ++i)
    absl::StrAppend(&expected, "benign line ", i, " of ", lines, "\n");
  return expected;
}

}  // namespace

ExecuteRequest ProgramRequest(const std::string& file,
                              const std::vector<std::string>& args) {
  const std::string path =
      absl::StrCat(SourceDir(), "/tests/security/programs/", file);
  bool ok = false;
  std::string code = ReadWholeFile(path, &ok);
  if (!ok || code.empty()) {
    ADD_FAILURE() << "cannot read hostile program " << path
                  << " (is FORGE_SOURCE_DIR set?)";
  }
  ExecuteRequest request = Request(RuntimeForFile(file), code);
  for (const std::string& arg : args) request.add_args(arg);
  return request;
}

void SetWallTime(ExecuteRequest& request, absl::Duration wall) {
  *request.mutable_limits()->mutable_wall_time() =
      TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(wall));
}

void SetCpuTime(ExecuteRequest& request, absl::Duration cpu) {
  *request.mutable_limits()->mutable_cpu_time() =
      TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(cpu));
}

std::string UniqueMarker(const std::string& prefix) {
  static std::atomic<int> counter{0};
  // prefix (≤5) + pid in base 36 (≤4 for pids < 1.6M) + counter (≤6).
  std::string pid36;
  for (unsigned pid = static_cast<unsigned>(::getpid()); pid > 0; pid /= 36)
    pid36.insert(pid36.begin(),
                 "0123456789abcdefghijklmnopqrstuvwxyz"[pid % 36]);
  return absl::StrCat(prefix.substr(0, 5), pid36, "x", counter++).substr(0, 15);
}

int CountHostProcesses(const std::string& marker) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  int count = 0;
  while (dirent* entry = ::readdir(proc)) {
    int pid;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid == ::getpid()) continue;
    const std::string base = absl::StrCat("/proc/", pid);
    std::string cmdline = ReadWholeFile(base + "/cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (absl::StrContains(ReadWholeFile(base + "/comm"), marker) ||
        absl::StrContains(cmdline, marker)) {
      ++count;
    }
  }
  ::closedir(proc);
  return count;
}

int WaitUntilNoHostProcess(const std::string& marker, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  int count = CountHostProcesses(marker);
  while (count != 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
    count = CountHostProcesses(marker);
  }
  return count;
}

pid_t StartHostDecoy(const std::vector<std::string>& argv, uid_t uid) {
  std::vector<std::string> copy = argv;
  std::vector<char*> raw;
  for (std::string& arg : copy) raw.push_back(arg.data());
  raw.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls: this process has gRPC threads.
    if (::setgroups(0, nullptr) != 0 || ::setresgid(uid, uid, uid) != 0 ||
        ::setresuid(uid, uid, uid) != 0) {
      ::_exit(126);
    }
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  return pid;
}

bool HostProcessAlive(pid_t pid) {
  std::string stat = ReadWholeFile(absl::StrCat("/proc/", pid, "/stat"));
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  const char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

std::string Describe(const CollectedEvents& run) {
  std::string files;
  for (const auto& file : run.finished.files()) {
    absl::StrAppend(&files, files.empty() ? "" : ", ", file.path(), " (",
                    file.content().size(), " bytes",
                    file.truncated() ? ", truncated" : "", ")");
  }
  auto head = [](const std::string& text) {
    return text.size() <= 1500 ? text
                               : absl::StrCat(text.substr(0, 1500), "[...]");
  };
  return absl::StrCat(
      "grpc=", run.status.error_code(), " ", run.status.error_message(),
      " outcome=", forge::exec::v1::Outcome_Name(run.finished.outcome()),
      " message=\"", run.finished.message(),
      "\" exit_code=", run.finished.exit_code(),
      " signal=", run.finished.signal(), " files=[", files, "]\n--- stdout:\n",
      head(run.stdout_data), "\n--- stderr:\n", head(run.stderr_data));
}

std::vector<std::string> StdoutLines(const CollectedEvents& run) {
  return absl::StrSplit(run.stdout_data, '\n', absl::SkipEmpty());
}

BenignExecution::BenignExecution(const ServerProcess& server, int lines)
    : lines_(lines) {
  thread_ = std::thread([this, &server] {
    auto stub = server.NewStub();
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    auto reader =
        stub->Execute(&context, Request("python", BenignCode(lines_)));
    forge::exec::v1::ExecuteEvent event;
    while (reader->Read(&event)) {
      if (event.has_output()) {
        (event.output().stream() == forge::exec::v1::STREAM_STDOUT
             ? run_.stdout_data
             : run_.stderr_data) += event.output().data();
        printed_ = true;
      }
      if (event.has_finished()) {
        run_.finished = event.finished();
        run_.has_finished = true;
      }
    }
    run_.status = reader->Finish();
    done_ = true;
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!printed_ && !done_ && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
}

BenignExecution::~BenignExecution() {
  if (thread_.joinable()) thread_.join();
}

void BenignExecution::ExpectExactOutput() {
  if (thread_.joinable()) thread_.join();
  EXPECT_TRUE(run_.status.ok() && run_.has_finished &&
              run_.finished.outcome() == forge::exec::v1::OUTCOME_EXITED &&
              run_.finished.exit_code() == 0 &&
              run_.stdout_data == BenignExpected(lines_) &&
              run_.stderr_data.empty())
      << "the benign execution running alongside was affected: "
      << Describe(run_);
}

ServerProcess* HostileProgramTest::server_ = nullptr;

void HostileProgramTest::StartServer(const std::string& config) {
  if (::geteuid() != 0) return;
  // ServerProcess relaxes the CARS gate (no level blocks or waits for an
  // approval): CARS is a gate, not the boundary, and every hostile program
  // must reach the sandbox.
  // Several suites' servers run at once: none may claim the fixed default
  // metrics port (an empty metrics_listen in the config overlay does not
  // override the default, the flag does).
  auto server = ServerProcess::Start(config, {"--metrics_listen="});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = server->release();
}

void HostileProgramTest::StopServer() {
  delete server_;
  server_ = nullptr;
}

void HostileProgramTest::SetUp() {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to create sandboxes with mapped ids";
  ASSERT_NE(server_, nullptr) << "forge-execd did not start";
  stub_ = server_->NewStub();
}

CollectedEvents HostileProgramTest::RunHostile(const ExecuteRequest& request,
                                               int benign_lines,
                                               absl::Duration deadline) {
  BenignExecution benign(*server_, benign_lines);
  const absl::Time start = absl::Now();
  CollectedEvents run = Execute(*stub_, request, deadline);
  std::printf(
      "  hostile %s program: %s \"%s\" after %ld ms\n",
      request.runtime().c_str(),
      forge::exec::v1::Outcome_Name(run.finished.outcome()).c_str(),
      run.finished.message().c_str(),
      static_cast<long>(absl::ToInt64Milliseconds(absl::Now() - start)));
  benign.ExpectExactOutput();
  EXPECT_TRUE(run.status.ok() && run.has_finished)
      << "the hostile execution did not end with finished and OK: "
      << Describe(run);
  const auto outcome = run.finished.outcome();
  EXPECT_FALSE(outcome == forge::exec::v1::OUTCOME_BLOCKED ||
               outcome == forge::exec::v1::OUTCOME_APPROVAL_PENDING)
      << "the risk policy stopped the program before it reached the sandbox; "
         "this suite tests the sandbox and needs every program to run";
  ExpectServiceAnswers();
  return run;
}

CollectedEvents HostileProgramTest::RunAlone(const ExecuteRequest& request,
                                             absl::Duration deadline) {
  return Execute(*stub_, request, deadline);
}

void HostileProgramTest::ExpectServiceAnswers() {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  forge::exec::v1::ListRuntimesResponse runtimes;
  grpc::Status status = stub_->ListRuntimes(&context, {}, &runtimes);
  EXPECT_TRUE(status.ok()) << "ListRuntimes after the hostile program: "
                           << status.error_message();
  CollectedEvents after =
      Execute(*stub_, Request("python", "print(54321)"), absl::Seconds(30));
  EXPECT_TRUE(after.status.ok() &&
              after.finished.outcome() == forge::exec::v1::OUTCOME_EXITED &&
              after.stdout_data == "54321\n")
      << "an execution after the hostile program: " << Describe(after);
}

const std::vector<std::string>& HostileProgramTest::ProtectionsOf(
    const std::string& runtime) {
  static std::mutex mutex;
  static auto* cache = new std::map<std::string, std::vector<std::string>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache->find(runtime);
  if (it != cache->end()) return it->second;
  std::vector<std::string>& protections = (*cache)[runtime];
  const char* code = runtime == "bash" ? "true" : "0";
  auto stub = server_->NewStub();
  CollectedEvents run = Execute(*stub, Request(runtime, code));
  for (const auto& event : run.events) {
    if (!event.has_started()) continue;
    for (const std::string& protection : event.started().protections())
      protections.push_back(protection);
  }
  return protections;
}

bool HostileProgramTest::HasProtection(const std::string& runtime,
                                       const std::string& protection) {
  for (const std::string& p : ProtectionsOf(runtime)) {
    if (p == protection) return true;
  }
  return false;
}

}  // namespace forge::testing::security
