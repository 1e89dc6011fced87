// The worker pool through the real server: executions taken from the same
// pool cannot see each other's files, processes or interpreter state; warm
// interpreters share nothing predictable (RNG state, hash seed); a program
// that poisons its interpreter cannot reach the next one; the warm path
// behaves like the cold one; and shutdown leaves no sandbox behind.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::ExecuteRequest;
using ::testing::HasSubstr;

// Marks this suite's warm interpreters on the host (python -X accepts any
// option), so the shutdown test counts only its own.
const std::string& Marker() {
  static const std::string* const kMarker =
      new std::string(absl::StrCat("forge_pool_test_", ::getpid()));
  return *kMarker;
}

// Deno's pool, when Deno is installed (scripts/install-deps), with the
// default config's flags.
std::string DenoRuntime() {
  const std::string deno = SourceDir() + "/.deps/bin/deno";
  if (::access(deno.c_str(), X_OK) != 0) return "";
  return absl::StrReplaceAll(R"(
runtimes {
  name: "typescript"
  binary: "$DENO"
  args: "run"
  args: "--quiet"
  args: "--no-prompt"
  args: "--no-config"
  args: "--no-npm"
  args: "--no-remote"
  args: "--allow-read=/workspace,/tmp"
  args: "--allow-write=/workspace,/tmp"
  script_name: "main.ts"
  env { key: "DENO_DIR" value: "/tmp/.deno" }
  env { key: "DENO_NO_UPDATE_CHECK" value: "1" }
  env { key: "NO_COLOR" value: "1" }
  version_args: "--version"
  pool_size: 2
  warm: true
}
)",
                             {{"$DENO", deno}});
}

std::string PoolConfig() {
  return absl::StrCat(R"(
runtimes {
  name: "python"
  binary: "/usr/bin/python3"
  args: "-B"
  args: "-X"
  args: ")",
                      Marker(), R"("
  script_name: "main.py"
  binds: "/etc/python3"
  binds: "/etc/python3.11"
  env { key: "PYTHONUNBUFFERED" value: "1" }
  version_args: "--version"
  pool_size: 2
  warm: true
}
runtimes {
  name: "javascript"
  binary: "/usr/bin/node"
  script_name: "main.js"
  version_args: "--version"
  pool_size: 2
  warm: true
}
runtimes {
  name: "bash"
  binary: "/usr/bin/bash"
  script_name: "main.sh"
  version_args: "--version"
  pool_size: 1
  warm: false
}
)",
                      DenoRuntime());
}

class PoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    auto server = ServerProcess::Start(PoolConfig());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to create sandboxes with mapped ids";
    ASSERT_NE(server_, nullptr);
    stub_ = server_->NewStub();
  }

  // ListRuntimes' view of one runtime.
  forge::exec::v1::Runtime Describe(const std::string& name) {
    grpc::ClientContext context;
    forge::exec::v1::ListRuntimesResponse response;
    grpc::Status status = stub_->ListRuntimes(
        &context, forge::exec::v1::ListRuntimesRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& runtime : response.runtimes()) {
      if (runtime.name() == name) return runtime;
    }
    return {};
  }

  // Waits until the pool of `runtime` is full again (refill is background).
  void WaitForReady(const std::string& runtime, uint32_t count) {
    ASSERT_TRUE(
        WaitForReadySandboxes(*stub_, runtime, count, absl::Seconds(20)))
        << runtime << " never refilled";
  }

  // Runs `code` in a sandbox taken from the full pool; expects exit 0.
  CollectedEvents RunFromPool(const std::string& runtime,
                              const std::string& code, bool expect_warm) {
    WaitForReady(runtime, 2);
    CollectedEvents run = Execute(*stub_, Request(runtime, code));
    EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED)
        << run.finished.message() << run.stderr_data;
    EXPECT_EQ(run.finished.exit_code(), 0) << run.stderr_data;
    for (const auto& event : run.events) {
      if (event.has_started()) {
        EXPECT_EQ(event.started().warm(), expect_warm) << runtime;
      }
    }
    return run;
  }

  static ServerProcess* server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};
ServerProcess* PoolTest::server_ = nullptr;

TEST_F(PoolTest, ListRuntimesReportsTheRealPool) {
  WaitForReady("python", 2);
  EXPECT_TRUE(Describe("python").warm());
  EXPECT_TRUE(Describe("javascript").warm());
  WaitForReady("bash", 1);
  EXPECT_FALSE(Describe("bash").warm());
}

TEST_F(PoolTest, ConsecutiveExecutionsSeeNoFilesProcessesOrStateOfEachOther) {
  // The first leaves everything it can behind: files in the workspace, /tmp
  // and /dev/shm, a detached process, interpreter state.
  RunFromPool("python",
              "import builtins, os, subprocess, sys\n"
              "open('/workspace/left.txt', 'w').write('x')\n"
              "open('/tmp/left.txt', 'w').write('x')\n"
              "open('/dev/shm/left', 'w').write('x')\n"
              "subprocess.Popen(['/usr/bin/sleep', '30'], "
              "start_new_session=True)\n"
              "builtins.LEFT_BEHIND = 1\n"
              "sys.modules['left_module'] = sys\n"
              "os.environ['LEFT_ENV'] = '1'\n",
              /*expect_warm=*/true);
  CollectedEvents second = RunFromPool(
      "python",
      "import builtins, os, sys\n"
      "print(sorted(os.listdir('/workspace')))\n"
      "print(os.path.exists('/tmp/left.txt'), "
      "os.path.exists('/dev/shm/left'))\n"
      "cmds = []\n"
      "for pid in os.listdir('/proc'):\n"
      "    if pid.isdigit():\n"
      "        try:\n"
      "            cmds.append(open(f'/proc/{pid}/cmdline').read())\n"
      "        except OSError:\n"
      "            pass\n"
      "print(any('sleep' in c for c in cmds), len(cmds))\n"
      "print(hasattr(builtins, 'LEFT_BEHIND'), 'left_module' in sys.modules, "
      "'LEFT_ENV' in os.environ)\n",
      /*expect_warm=*/true);
  std::vector<std::string> lines = absl::StrSplit(second.stdout_data, '\n');
  ASSERT_GE(lines.size(), 4u) << second.stdout_data;
  EXPECT_EQ(lines[0], "['main.py']");
  EXPECT_EQ(lines[1], "False False");
  // Only init and the program itself.
  EXPECT_EQ(lines[2], "False 2");
  EXPECT_EQ(lines[3], "False False False");
}

TEST_F(PoolTest, WarmPythonInterpretersShareNoRandomStateOrHashSeed) {
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    CollectedEvents run = RunFromPool(
        "python",
        // As letters: the privacy filter takes long digit runs for numbers
        // worth redacting.
        "import random, sys\n"
        "def word(n):\n"
        "    return ''.join(chr(97 + int(d)) for d in str(n))\n"
        "print(word(int(random.random() * 10**12)), word(hash('x') % 10**12),"
        " sys.flags.hash_randomization)\n",
        /*expect_warm=*/true);
    EXPECT_THAT(run.stdout_data, ::testing::EndsWith(" 1\n"));
    EXPECT_TRUE(seen.insert(run.stdout_data).second)
        << "repeated: " << run.stdout_data;
  }
  std::set<std::string> random_values, hashes;
  for (const std::string& line : seen) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    random_values.insert(parts[0]);
    hashes.insert(parts[1]);
  }
  EXPECT_EQ(random_values.size(), 4u);
  EXPECT_EQ(hashes.size(), 4u);
}

TEST_F(PoolTest, WarmNodeInterpretersShareNoRandomState) {
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    CollectedEvents run =
        RunFromPool("javascript",
                    "const word = (n) => [...String(n)].map((d) => "
                    "String.fromCharCode(97 + Number(d))).join('');\n"
                    "console.log(word(Math.floor(Math.random() * 1e12)))\n",
                    /*expect_warm=*/true);
    EXPECT_TRUE(seen.insert(run.stdout_data).second)
        << "repeated: " << run.stdout_data;
  }
}

TEST_F(PoolTest, WarmDenoRunsTheProgramAsMainWithNoSharedRandomState) {
  if (::access((SourceDir() + "/.deps/bin/deno").c_str(), X_OK) != 0)
    GTEST_SKIP() << "deno not installed (scripts/install-deps)";
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    CollectedEvents run =
        RunFromPool("typescript",
                    "const word = (n: number) => [...String(n)].map((d) => "
                    "String.fromCharCode(97 + Number(d))).join('');\n"
                    "console.log(import.meta.main, Deno.mainModule, "
                    "word(Math.floor(Math.random() * 1e12)));\n",
                    /*expect_warm=*/true);
    EXPECT_THAT(run.stdout_data,
                ::testing::StartsWith("true file:///workspace/main.ts "));
    EXPECT_TRUE(seen.insert(run.stdout_data).second)
        << "repeated: " << run.stdout_data;
  }
}

TEST_F(PoolTest, PoisonedInterpreterCannotAffectTheNext) {
  // Both pool sandboxes of a runtime get poisoned, so the next execution
  // surely comes from a pool whose neighbours were poisoned.
  const std::string poison =
      "import builtins, os, sys, threading, time\n"
      "builtins.print = lambda *a, **k: sys.stdout.write('POISONED\\n')\n"
      "builtins.abs = lambda x: -1\n"
      "sys.path.insert(0, '/tmp')\n"
      "open('/tmp/json.py', 'w').write('raise SystemExit(99)')\n"
      "threading.Thread(target=lambda: time.sleep(60), daemon=True).start()\n"
      "import random; random.seed(42)\n";
  RunFromPool("python", poison, true);
  RunFromPool("python", poison, true);
  CollectedEvents clean =
      RunFromPool("python",
                  "import json, random, sys, threading\n"
                  "print('clean', abs(-3), threading.active_count(),\n"
                  "      '/tmp' in sys.path, random.random() != "
                  "random.Random(42).random())\n",
                  true);
  EXPECT_EQ(clean.stdout_data, "clean 3 1 False True\n");
}

TEST_F(PoolTest, WarmPathMatchesTheColdPath) {
  // A request with env of its own gets a cold sandbox (and the same env is
  // harmless), so the two paths can be compared side by side.
  const std::string code =
      "import sys\n"
      "print(sorted(m for m in sys.modules if not m.startswith('_')))\n"
      "print(__name__, sys.argv, sys.path[0], sorted(globals()))\n"
      "def f():\n"
      "    raise ValueError('boom')\n"
      "f()\n";
  WaitForReady("python", 2);
  ExecuteRequest warm_request = Request("python", code);
  warm_request.add_args("an-arg");
  ExecuteRequest cold_request = warm_request;
  (*cold_request.mutable_env())["PATH_HINT"] = "x";
  CollectedEvents warm = Execute(*stub_, warm_request);
  CollectedEvents cold = Execute(*stub_, cold_request);
  bool warm_flag = false, cold_flag = true;
  for (const auto& event : warm.events)
    if (event.has_started()) warm_flag = event.started().warm();
  for (const auto& event : cold.events)
    if (event.has_started()) cold_flag = event.started().warm();
  EXPECT_TRUE(warm_flag);
  EXPECT_FALSE(cold_flag);
  EXPECT_EQ(warm.finished.exit_code(), 1);
  EXPECT_EQ(cold.finished.exit_code(), 1);
  EXPECT_EQ(warm.stdout_data, cold.stdout_data);
  EXPECT_EQ(warm.stderr_data, cold.stderr_data);
  EXPECT_THAT(warm.stderr_data, HasSubstr("ValueError: boom"));
}

TEST_F(PoolTest, StdinArgsAndExitCodeOnTheWarmPath) {
  WaitForReady("javascript", 2);
  ExecuteRequest request =
      Request("javascript",
              "let data = require('fs').readFileSync(0, 'utf8');\n"
              "console.log(process.argv.slice(2).join(','), data.trim());\n"
              "process.exit(7);\n");
  request.set_stdin("from stdin\n");
  request.add_args("a");
  request.add_args("b");
  CollectedEvents run = Execute(*stub_, request);
  EXPECT_EQ(run.finished.exit_code(), 7) << run.stderr_data;
  EXPECT_EQ(run.stdout_data, "a,b from stdin\n");
}

TEST_F(PoolTest, BurstBeyondThePoolIsServedFresh) {
  WaitForReady("bash", 1);
  std::vector<std::thread> threads;
  std::vector<CollectedEvents> runs(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto stub = server_->NewStub();
      runs[i] = Execute(*stub, Request("bash", "echo $$ $(ls /workspace)"));
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> sandboxes;
  for (const CollectedEvents& run : runs) {
    EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED);
    EXPECT_EQ(run.stdout_data, "2 main.sh\n");
    for (const auto& event : run.events)
      if (event.has_started()) sandboxes.insert(event.started().sandbox_id());
  }
  EXPECT_EQ(sandboxes.size(), 6u);  // no sandbox served two executions
}

// The launcher: the server's child process.
pid_t LauncherOf(pid_t server) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    int pid;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)),
                     std::istreambuf_iterator<char>());
    const size_t paren = text.rfind(')');
    if (paren == std::string::npos) continue;
    std::vector<std::string> fields =
        absl::StrSplit(text.substr(paren + 2), ' ');
    int parent;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &parent) &&
        parent == server) {
      return pid;
    }
  }
  return -1;
}

// The sandbox cgroups (sub-directories) under the launcher's own cgroup, in
// every hierarchy it uses; -1 when the launcher has no cgroup directory.
int SandboxCgroups(pid_t launcher) {
  int found = -1;
  for (const char* root :
       {"/sys/fs/cgroup/memory/forge-exec", "/sys/fs/cgroup/pids/forge-exec",
        "/sys/fs/cgroup/forge-exec"}) {
    const std::filesystem::path dir =
        std::filesystem::path(root) / std::to_string(launcher);
    std::error_code error;
    if (!std::filesystem::is_directory(dir, error)) continue;
    found = std::max(found, 0);
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      if (entry.is_directory()) ++found;
    }
  }
  return found;
}

// Last: stops the suite's server and proves its ready sandboxes (processes
// and cgroups) died with it.
TEST_F(PoolTest, ZzShutdownLeavesNoReadySandbox) {
  WaitForReady("python", 2);
  ASSERT_GE(CountProcessesMatching(Marker()), 2);
  const pid_t launcher = LauncherOf(server_->pid());
  ASSERT_GT(launcher, 0);
  const int cgroups_before = SandboxCgroups(launcher);
  absl::StatusOr<int> status = server_->Terminate(absl::Seconds(30));
  ASSERT_TRUE(status.ok()) << status.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (CountProcessesMatching(Marker()) > 0 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(CountProcessesMatching(Marker()), 0);
  if (cgroups_before < 0) return;  // no cgroups on this host
  EXPECT_GE(cgroups_before, 2);    // the ready sandboxes had theirs
  EXPECT_LE(SandboxCgroups(launcher), 0);
}

}  // namespace
}  // namespace forge::testing
