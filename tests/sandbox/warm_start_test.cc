// Warm sandboxes end to end: LauncherClient::CreateWarm → forge-launcher →
// init starts the interpreter's warm runner under the program's confinement
// → the job is delivered over the runner's channel. Needs root (id maps);
// skips otherwise, and skips a runtime whose interpreter is not installed.
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_client.h"
#include "sandbox/warm_runner.h"

namespace forge::sandbox {
namespace {

using ::testing::HasSubstr;

std::string LauncherPath() {
  const char* build = std::getenv("FORGE_BUILD_DIR");
  return absl::StrCat(build ? build : "build", "/sandbox/forge-launcher");
}

const std::vector<std::string> kEnv = {"PATH=/usr/bin:/bin", "HOME=/workspace",
                                       "LANG=C.UTF-8"};

SandboxSpec WarmSpec(const std::string& id, const std::string& binary,
                     std::vector<std::string> args,
                     const std::string& script = "main.py") {
  SandboxSpec spec;
  spec.sandbox_id = id;
  spec.host_uid = 65534;
  spec.host_gid = 65534;
  for (const char* dir : {"/usr/bin", "/usr/lib", "/usr/lib64",
                          "/etc/alternatives", "/etc/ld.so.cache"}) {
    if (::access(dir, F_OK) == 0) spec.binds.push_back({dir, dir});
  }
  auto kind = WarmRunnerFor(binary);
  spec.warm.argv = {binary};
  for (const std::string& arg : args) spec.warm.argv.push_back(arg);
  for (const std::string& arg :
       WarmRunnerArgs(*kind, absl::StrCat("/workspace/", script)))
    spec.warm.argv.push_back(arg);
  spec.warm.env = kEnv;
  return spec;
}

struct WarmRun {
  absl::Status created;
  SandboxResult result;
  std::string out;
  std::string err;
};

class WarmStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to map sandbox ids onto host ids";
    auto client = LauncherClient::Start(LauncherPath());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  // Creates a warm sandbox for `binary`, then runs `code` as `script`.
  WarmRun Run(const std::string& binary, std::vector<std::string> args,
              const std::string& script, const std::string& code,
              ResourceLimits limits = {}, const std::string& stdin_data = "",
              std::vector<std::string> env = kEnv) {
    WarmRun run;
    if (::access(binary.c_str(), X_OK) != 0) {
      run.created = absl::NotFoundError(binary);
      return run;
    }
    UniqueFd stdin_fd(::memfd_create("stdin", MFD_CLOEXEC));
    (void)!::write(stdin_fd.get(), stdin_data.data(), stdin_data.size());
    ::lseek(stdin_fd.get(), 0, SEEK_SET);
    int out[2], err[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    UniqueFd out_read(out[0]), err_read(err[0]);
    LauncherClient::WarmStdio stdio{std::move(stdin_fd), UniqueFd(out[1]),
                                    UniqueFd(err[1])};
    absl::Notification created;
    absl::StatusOr<std::unique_ptr<Sandbox>> sandbox;
    client_->CreateWarm(
        WarmSpec(absl::StrCat("w", counter_++), binary, args, script),
        std::move(stdio), [&](absl::StatusOr<std::unique_ptr<Sandbox>> made) {
          sandbox = std::move(made);
          created.Notify();
        });
    created.WaitForNotification();
    run.created = sandbox.status();
    if (!sandbox.ok()) return run;
    JobSpec job;
    job.argv = {binary};
    for (const std::string& arg : args) job.argv.push_back(arg);
    job.argv.push_back(absl::StrCat("/workspace/", script));
    job.argv.push_back("first-arg");
    job.env = env;
    job.files = {{script, code, 0644}};
    auto payload = WriteJobPayload(job);
    EXPECT_TRUE(payload.ok());
    absl::Notification finished;
    (*sandbox)->Run(limits, {std::move(*payload)}, [&](SandboxResult result) {
      run.result = std::move(result);
      finished.Notify();
    });
    EXPECT_TRUE(
        ReadUntilBothClose(out_read.get(), err_read.get(), &run.out, &run.err)
            .ok());
    finished.WaitForNotification();
    return run;
  }

  std::unique_ptr<LauncherClient> client_;
  int counter_ = 0;
};

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kNode[] = "/usr/bin/node";

TEST_F(WarmStartTest, PythonRunsTheScriptAsMain) {
  WarmRun run = Run(kPython, {"-B"}, "main.py",
                    "import sys, os\n"
                    "print(__name__, sys.argv, os.getcwd(), sys.path[0])\n"
                    "print(sys.stdin.read())\n"
                    "sys.exit(4)\n",
                    {}, "from stdin");
  ASSERT_TRUE(run.created.ok()) << run.created;
  EXPECT_EQ(run.result.termination, Termination::kExited) << run.result.message;
  EXPECT_EQ(run.result.exit_code, 4) << run.err;
  EXPECT_EQ(run.out,
            "__main__ ['/workspace/main.py', 'first-arg'] /workspace "
            "/workspace\nfrom stdin\n");
}

TEST_F(WarmStartTest, PythonTracebackShowsOnlyTheProgram) {
  WarmRun run = Run(kPython, {"-B"}, "main.py", "x = 1\nraise KeyError(x)\n");
  ASSERT_TRUE(run.created.ok()) << run.created;
  EXPECT_EQ(run.result.exit_code, 1);
  EXPECT_EQ(run.err,
            "Traceback (most recent call last):\n"
            "  File \"/workspace/main.py\", line 2, in <module>\n"
            "    raise KeyError(x)\n"
            "KeyError: 1\n");
}

TEST_F(WarmStartTest, WarmProgramIsConfinedAndGetsTheJobsLimits) {
  ResourceLimits limits;
  limits.max_open_files = 77;
  limits.cpu_time = absl::Seconds(120);  // above the default
  limits.max_file_bytes = 5 << 20;
  WarmRun run = Run(kPython, {"-B"}, "main.py",
                    "import resource\n"
                    "print(resource.getrlimit(resource.RLIMIT_NOFILE))\n"
                    "print(resource.getrlimit(resource.RLIMIT_CPU))\n"
                    "print(resource.getrlimit(resource.RLIMIT_FSIZE))\n"
                    "status = open('/proc/self/status').read().splitlines()\n"
                    "print([l for l in status if l.startswith(('Seccomp:', "
                    "'NoNewPrivs:', 'CapEff:', 'CapBnd:', 'Uid:'))])\n",
                    limits);
  ASSERT_TRUE(run.created.ok()) << run.created;
  EXPECT_EQ(run.result.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("(77, 77)\n(120, 121)\n(5242880, 5242880)"));
  EXPECT_THAT(run.out, HasSubstr("'Seccomp:\\t2'"));
  EXPECT_THAT(run.out, HasSubstr("'NoNewPrivs:\\t1'"));
  EXPECT_THAT(run.out, HasSubstr("'CapEff:\\t0000000000000000'"));
  EXPECT_THAT(run.out, HasSubstr("'CapBnd:\\t0000000000000000'"));
  EXPECT_THAT(run.out, HasSubstr("'Uid:\\t1000\\t1000\\t1000\\t1000'"));
}

TEST_F(WarmStartTest, WallTimeCountsFromDelivery) {
  ResourceLimits limits;
  limits.wall_time = absl::Milliseconds(300);
  WarmRun run =
      Run(kPython, {"-B"}, "main.py", "import time\ntime.sleep(30)\n", limits);
  ASSERT_TRUE(run.created.ok()) << run.created;
  EXPECT_EQ(run.result.termination, Termination::kWallTimeout);
}

TEST_F(WarmStartTest, OtherEnvironmentStartsTheInterpreterAfresh) {
  std::vector<std::string> env = kEnv;
  env.push_back("PYTHONHASHSEED=123");
  WarmRun run = Run(kPython, {"-B"}, "main.py",
                    "import os, sys\nprint(os.environ['PYTHONHASHSEED'], "
                    "sys.flags.hash_randomization, sys.argv)\n",
                    {}, "", env);
  ASSERT_TRUE(run.created.ok()) << run.created;
  EXPECT_EQ(run.out, "123 1 ['/workspace/main.py', 'first-arg']\n") << run.err;
}

TEST_F(WarmStartTest, NodeRunsTheScriptAsMain) {
  WarmRun run = Run(kNode, {}, "main.js",
                    "console.log(process.argv.slice(1).join(' '), "
                    "require.main === module, typeof globalThis.require, "
                    "process.cwd());\nprocess.exitCode = 5;\n");
  if (absl::IsNotFound(run.created)) GTEST_SKIP() << "node not installed";
  ASSERT_TRUE(run.created.ok()) << run.created;
  EXPECT_EQ(run.result.exit_code, 5) << run.err;
  EXPECT_EQ(run.out,
            "/workspace/main.js first-arg true undefined /workspace\n");
}

TEST_F(WarmStartTest, AFailedWarmStartFailsTheCreation) {
  SandboxSpec spec = WarmSpec("broken", kPython, {});
  spec.warm.argv[0] = "/usr/bin/no-such-interpreter";
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd out_read(out[0]);
  LauncherClient::WarmStdio stdio{UniqueFd(::memfd_create("s", MFD_CLOEXEC)),
                                  UniqueFd(out[1]), UniqueFd(::dup(out[1]))};
  absl::Notification created;
  absl::Status status;
  client_->CreateWarm(spec, std::move(stdio),
                      [&](absl::StatusOr<std::unique_ptr<Sandbox>> made) {
                        status = made.status();
                        created.Notify();
                      });
  created.WaitForNotification();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("no-such-interpreter"));
}

}  // namespace
}  // namespace forge::sandbox
