// End-to-end tests of the launcher path: LauncherClient → forge-launcher →
// sandbox init → program, with real namespaces. Needs root (or the right to
// create user namespaces and write id maps); skips otherwise.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_client.h"

namespace forge::sandbox {
namespace {

using ::testing::HasSubstr;

std::string LauncherPath() {
  const char* build = std::getenv("FORGE_BUILD_DIR");
  return absl::StrCat(build ? build : "build", "/sandbox/forge-launcher");
}

SandboxSpec TestSpec(const std::string& id) {
  SandboxSpec spec;
  spec.sandbox_id = id;
  spec.host_uid = 65534;
  spec.host_gid = 65534;
  for (const char* dir :
       {"/usr/bin", "/usr/lib", "/usr/lib64", "/etc/alternatives"}) {
    if (::access(dir, F_OK) == 0) spec.binds.push_back({dir, dir});
  }
  return spec;
}

JobSpec Shell(const std::string& script) {
  JobSpec job;
  job.argv = {"/usr/bin/bash", "-c", script};
  job.env = {"PATH=/usr/bin:/bin", "HOME=/workspace"};
  return job;
}

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to map sandbox ids onto host ids";
    auto client = LauncherClient::Start(LauncherPath());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  CollectedRun Run(const JobSpec& job, ResourceLimits limits = {},
                   absl::string_view stdin_data = "") {
    auto sandbox = client_->CreateSync(TestSpec(absl::StrCat("t", counter_++)));
    EXPECT_TRUE(sandbox.ok()) << sandbox.status();
    if (!sandbox.ok()) return {};
    auto run = RunAndCollect(**sandbox, job, limits, stdin_data);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : CollectedRun{};
  }

  std::unique_ptr<LauncherClient> client_;
  int counter_ = 0;
};

TEST_F(LauncherTest, RunsProgramAndReportsExitCode) {
  CollectedRun run = Run(Shell("echo hello; echo oops >&2; exit 3"));
  EXPECT_EQ(run.result.termination, Termination::kExited) << run.result.message;
  EXPECT_EQ(run.result.exit_code, 3);
  EXPECT_EQ(run.stdout_data, "hello\n");
  EXPECT_EQ(run.stderr_data, "oops\n");
}

TEST_F(LauncherTest, ProgramSeesItsOwnWorldOnly) {
  CollectedRun run = Run(
      Shell("id -u; id -g; hostname; pwd; echo $$; ls /; test -e /work && echo "
            "HOST-WORK; "
            "test -e /root && echo HOST-ROOT; ls /proc | grep -c '^[0-9]'"));
  ASSERT_EQ(run.result.termination, Termination::kExited)
      << run.result.message << run.stderr_data;
  std::vector<std::string> lines = absl::StrSplit(run.stdout_data, '\n');
  ASSERT_GE(lines.size(), 5u) << run.stdout_data;
  EXPECT_EQ(lines[0], "1000");
  EXPECT_EQ(lines[1], "1000");
  EXPECT_EQ(lines[2], "sandbox");
  EXPECT_EQ(lines[3], "/workspace");
  EXPECT_EQ(lines[4], "2");  // pid 1 is the sandbox init
  EXPECT_THAT(run.stdout_data, Not(HasSubstr("HOST-")));
}

TEST_F(LauncherTest, InputFilesAndStdinArrive) {
  JobSpec job =
      Shell("cat data/in.txt; cat; stat -c %a data/run.sh; ./data/run.sh");
  job.files = {{"data/in.txt", "file-content\n", 0644},
               {"data/run.sh", "#!/bin/sh\necho ran\n", 0755}};
  CollectedRun run = Run(job, {}, "from-stdin\n");
  EXPECT_EQ(run.stdout_data, "file-content\nfrom-stdin\n755\nran\n")
      << run.stderr_data;
}

TEST_F(LauncherTest, WallTimeoutKillsTheWholeTree) {
  ResourceLimits limits;
  limits.wall_time = absl::Milliseconds(300);
  CollectedRun run = Run(Shell("(sleep 100 &) ; sleep 100"), limits);
  EXPECT_EQ(run.result.termination, Termination::kWallTimeout);
  EXPECT_LT(run.result.wall_time, absl::Seconds(5));
}

// Host processes whose command line contains `needle`.
int CountHostProcesses(const std::string& needle) {
  int count = 0;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  while (dirent* entry = ::readdir(proc)) {
    const std::string path = absl::StrCat("/proc/", entry->d_name, "/cmdline");
    std::ifstream in(path);
    std::string cmdline((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) ++count;
  }
  ::closedir(proc);
  return count;
}

TEST_F(LauncherTest, ProcessesLeftBehindEndWithTheJob) {
  // The left-behind process holds stdout open: its end is what ends the
  // output, and the job's result is the program's own exit, not a kill.
  const std::string marker = absl::StrCat("forge-leftover-", ::getpid());
  CollectedRun run = Run(
      Shell(absl::StrCat("(exec -a ", marker, " sleep 300 &) ; echo left")));
  EXPECT_EQ(run.result.termination, Termination::kExited) << run.result.message;
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.stdout_data, "left\n");
  // Killed, not merely detached: gone from the host shortly after.
  int left = CountHostProcesses(marker);
  for (int i = 0; i < 500 && left > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    left = CountHostProcesses(marker);
  }
  EXPECT_EQ(left, 0);
}

TEST_F(LauncherTest, KillEndsARunningSandbox) {
  auto sandbox = client_->CreateSync(TestSpec("kill-me"));
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  Sandbox* raw = sandbox->get();
  std::thread killer([raw] {
    absl::SleepFor(absl::Milliseconds(200));
    raw->Kill();
  });
  auto run = RunAndCollect(*raw, Shell("sleep 100"), ResourceLimits{});
  killer.join();
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->result.termination, Termination::kKilled);
}

// A held job: stdout is a pipe the test reads; the release pipe's write end
// decides whether the program ever starts.
struct HeldJob {
  UniqueFd out_read, err_read, release_write;
  absl::Notification finished;
  SandboxResult result;

  // Sends the release byte; false if it could not be written.
  bool Release() {
    const bool sent = ::write(release_write.get(), "G", 1) == 1;
    release_write.Reset();
    return sent;
  }
  // Reads stdout and stderr to their end, waits for the result; returns
  // stdout.
  std::string Collect() {
    std::string out, err;
    EXPECT_TRUE(
        ReadUntilBothClose(out_read.get(), err_read.get(), &out, &err).ok());
    finished.WaitForNotification();
    return out;
  }
};

void StartHeld(Sandbox& sandbox, const JobSpec& job, HeldJob& held,
               const ResourceLimits& limits = {}) {
  // A release written after the sandbox died fails with EPIPE instead.
  ::signal(SIGPIPE, SIG_IGN);
  auto payload = WriteJobPayload(job);
  ASSERT_TRUE(payload.ok()) << payload.status();
  auto stdin_fd = MakeReadOnlyMemfd("stdin", "");
  ASSERT_TRUE(stdin_fd.ok()) << stdin_fd.status();
  int out[2], err[2], release[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(release, O_CLOEXEC), 0);
  held.out_read.Reset(out[0]);
  held.err_read.Reset(err[0]);
  held.release_write.Reset(release[1]);
  sandbox.Run(limits,
              {std::move(*payload), std::move(*stdin_fd), UniqueFd(out[1]),
               UniqueFd(err[1]), UniqueFd(release[0])},
              [&held](SandboxResult result) {
                held.result = std::move(result);
                held.finished.Notify();
              });
}

// Whether `fd` has data or EOF within `timeout`.
bool Readable(int fd, absl::Duration timeout) {
  pollfd poll_fd{fd, POLLIN, 0};
  return ::poll(&poll_fd, 1, absl::ToInt64Milliseconds(timeout)) > 0;
}

// A held job is prepared but its program starts only on the release byte.
TEST_F(LauncherTest, HeldJobStartsOnlyWhenReleased) {
  auto sandbox = client_->CreateSync(TestSpec("held"));
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  HeldJob held;
  ASSERT_NO_FATAL_FAILURE(StartHeld(**sandbox, Shell("echo ran"), held));
  EXPECT_FALSE(Readable(held.out_read.get(), absl::Milliseconds(300)))
      << "the program ran before it was released";
  EXPECT_FALSE(held.finished.HasBeenNotified());
  ASSERT_TRUE(held.Release());
  EXPECT_EQ(held.Collect(), "ran\n");
  EXPECT_EQ(held.result.termination, Termination::kExited)
      << held.result.message;
}

// The wall-time limit of a held job counts from its release (the hold
// itself is bounded by the same limit): a hold does not eat into the
// program's time.
TEST_F(LauncherTest, HeldJobsWallTimeStartsAtTheRelease) {
  auto sandbox = client_->CreateSync(TestSpec("held-wall"));
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  ResourceLimits limits;
  limits.wall_time = absl::Milliseconds(400);
  HeldJob held;
  ASSERT_NO_FATAL_FAILURE(
      StartHeld(**sandbox, Shell("sleep 0.25; echo done"), held, limits));
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(held.Release());
  EXPECT_EQ(held.Collect(), "done\n");
  EXPECT_EQ(held.result.termination, Termination::kExited)
      << held.result.message;
}

// A held job whose release pipe closes without the byte never runs.
TEST_F(LauncherTest, WithdrawnHeldJobNeverRuns) {
  auto sandbox = client_->CreateSync(TestSpec("withdrawn"));
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  HeldJob held;
  ASSERT_NO_FATAL_FAILURE(StartHeld(**sandbox, Shell("echo ran"), held));
  held.release_write.Reset();  // withdrawn: closed without the byte
  EXPECT_EQ(held.Collect(), "");
  EXPECT_EQ(held.result.termination, Termination::kSetupError);
  EXPECT_THAT(held.result.message, HasSubstr("never released"));
}

// The pids whose parent is `parent` (from /proc/<pid>/stat).
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = ::readdir(proc)) {
    pid_t pid;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    // "pid (comm) state ppid ...": comm may hold spaces, so after the ')'.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields =
        absl::StrSplit(stat.substr(close + 2), ' ');
    pid_t ppid;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) &&
        ppid == parent) {
      children.push_back(pid);
    }
  }
  ::closedir(proc);
  return children;
}

// Whether `pid` exists and is not a zombie.
bool Running(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() &&
         stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

// A launcher killed with SIGKILL takes its sandboxes with it, without any
// help from the server: every sandbox init dies (PR_SET_PDEATHSIG, which
// must survive init's switch to the sandbox ids), and with it the whole pid
// namespace; the job's caller gets a setup error naming the launcher.
TEST_F(LauncherTest, SandboxesDieWithTheLauncher) {
  auto running = client_->CreateSync(TestSpec("orphan-running"));
  ASSERT_TRUE(running.ok()) << running.status();
  auto ready = client_->CreateSync(TestSpec("orphan-ready"));
  ASSERT_TRUE(ready.ok()) << ready.status();
  absl::StatusOr<CollectedRun> run;
  std::thread job([&] {
    run = RunAndCollect(**running,
                        Shell("(sleep 600 &); echo started; sleep 600; true"),
                        ResourceLimits{});
  });
  // Both inits are the launcher's children; wait for the job's processes.
  const pid_t launcher = client_->launcher_pid();
  std::vector<pid_t> inits = ChildrenOf(launcher);
  ASSERT_EQ(inits.size(), 2u);
  std::vector<pid_t> sandboxed;
  for (int i = 0; i < 200 && sandboxed.size() < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    sandboxed.clear();
    for (pid_t init : inits) {
      for (pid_t child : ChildrenOf(init)) {
        sandboxed.push_back(child);
        for (pid_t grandchild : ChildrenOf(child))
          sandboxed.push_back(grandchild);
      }
    }
  }
  ASSERT_GE(sandboxed.size(), 2u) << "the job did not start";
  sandboxed.insert(sandboxed.end(), inits.begin(), inits.end());

  ASSERT_EQ(::kill(launcher, SIGKILL), 0);
  std::vector<pid_t> survivors = sandboxed;
  for (int i = 0; i < 250 && !survivors.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    std::erase_if(survivors, [](pid_t pid) { return !Running(pid); });
  }
  // Whatever survived is killed here so the job thread can end.
  for (pid_t pid : survivors) ::kill(pid, SIGKILL);
  job.join();
  EXPECT_TRUE(survivors.empty())
      << survivors.size() << " sandbox processes outlived the launcher";
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->result.termination, Termination::kSetupError);
  EXPECT_THAT(run->result.message, HasSubstr("launcher"));
  EXPECT_EQ(run->stdout_data, "started\n");
  EXPECT_FALSE((*ready)->launcher_alive());
  EXPECT_FALSE(client_->alive());
}

TEST_F(LauncherTest, MissingBinaryIsASetupError) {
  JobSpec job;
  job.argv = {"/usr/bin/definitely-not-here"};
  CollectedRun run = Run(job);
  EXPECT_EQ(run.result.termination, Termination::kSetupError);
  EXPECT_THAT(run.result.message, HasSubstr("definitely-not-here"));
}

JobSpec Python(const std::string& code) {
  JobSpec job;
  job.argv = {"/usr/bin/python3", "-c", code};
  job.env = {"PATH=/usr/bin:/bin", "HOME=/workspace"};
  return job;
}

TEST_F(LauncherTest, ReportsItsProtections) {
  auto sandbox = client_->CreateSync(TestSpec("protections"));
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  EXPECT_THAT((*sandbox)->protections(),
              ::testing::IsSupersetOf({"userns", "pidns", "mountns", "netns",
                                       "cgroupns", "seccomp", "no_new_privs"}));
}

TEST_F(LauncherTest, MemoryBombIsAMemoryLimitVerdict) {
  ResourceLimits limits;
  limits.memory_bytes = 64 << 20;
  CollectedRun run =
      Run(Python("x = []\nwhile True: x.append(bytearray(8 << 20))"), limits);
  EXPECT_EQ(run.result.termination, Termination::kMemoryLimit)
      << run.result.message << run.stderr_data;
  EXPECT_GT(run.result.peak_memory_bytes, 32u << 20);
}

TEST_F(LauncherTest, ForkBombIsAProcessLimitVerdict) {
  ResourceLimits limits;
  limits.max_processes = 16;
  CollectedRun run =
      Run(Shell("bomb() { bomb | bomb & }; bomb; sleep 5"), limits);
  EXPECT_EQ(run.result.termination, Termination::kProcessLimit)
      << run.result.message;
}

TEST_F(LauncherTest, CpuSpinAcrossProcessesIsACpuTimeoutVerdict) {
  // Two spinning processes: each stays under RLIMIT_CPU; together they
  // exceed the limit, which only the cgroup sees.
  ResourceLimits limits;
  limits.cpu_time = absl::Milliseconds(600);
  limits.wall_time = absl::Seconds(20);
  CollectedRun run =
      Run(Shell("(while :; do :; done) & while :; do :; done"), limits);
  EXPECT_EQ(run.result.termination, Termination::kCpuTimeout)
      << run.result.message;
  EXPECT_GE(run.result.cpu_time, absl::Milliseconds(600));
}

TEST_F(LauncherTest, ForbiddenSyscallIsAViolationNamingIt) {
  CollectedRun run = Run(Python(
      "import ctypes, signal\n"
      "signal.signal(signal.SIGSYS, signal.SIG_IGN)\n"  // cannot hide the
                                                        // report
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "print(libc.syscall(101, 0, 1, 0, 0))\n"));  // ptrace(PTRACE_TRACEME)
  EXPECT_EQ(run.result.termination, Termination::kViolation);
  EXPECT_THAT(run.result.message, HasSubstr("ptrace"));
}

TEST_F(LauncherTest, RefusesRootHostIds) {
  SandboxSpec spec = TestSpec("root-ids");
  spec.host_uid = 0;
  auto sandbox = client_->CreateSync(spec);
  EXPECT_EQ(sandbox.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace forge::sandbox
