// Hostile programs that play with processes: zombies, orphans that try to
// outlive their execution, kill -9 -1, and one execution looking for
// another's processes, files and sockets.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/security/hostile_harness.h"

namespace forge::testing::security {
namespace {

using ::testing::HasSubstr;

constexpr uid_t kSandboxHostUid = 65534;  // the server's default host_uid

std::string OutcomeName(const CollectedEvents& run) {
  return forge::exec::v1::Outcome_Name(run.finished.outcome());
}

// A host process running as the sandbox's host uid; killed and reaped when
// it goes out of scope.
class HostDecoy {
 public:
  HostDecoy()
      : pid_(StartHostDecoy(
            {"/usr/bin/sleep", absl::StrCat(600 + ::getpid() % 1000, ".5")},
            kSandboxHostUid)) {}
  ~HostDecoy() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  bool Alive() const { return pid_ > 0 && HostProcessAlive(pid_); }

 private:
  pid_t pid_;
};

// An execution streamed in the background until cancelled.
class BackgroundExecution {
 public:
  BackgroundExecution(const ServerProcess& server, ExecuteRequest request)
      : stub_(server.NewStub()), thread_([this, request] {
          auto reader = stub_->Execute(&context_, request);
          forge::exec::v1::ExecuteEvent event;
          while (reader->Read(&event)) {
            if (event.has_output()) {
              absl::MutexLock lock(&mutex_);
              stdout_ += event.output().data();
            }
          }
          reader->Finish();
          done_ = true;
        }) {}
  ~BackgroundExecution() {
    context_.TryCancel();
    thread_.join();
  }
  // Waits until stdout contains `text` or `limit` passed.
  bool WaitForOutput(const std::string& text, absl::Duration limit) {
    const absl::Time deadline = absl::Now() + limit;
    while (absl::Now() < deadline && !done_) {
      {
        absl::MutexLock lock(&mutex_);
        if (absl::StrContains(stdout_, text)) return true;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    absl::MutexLock lock(&mutex_);
    return absl::StrContains(stdout_, text);
  }

 private:
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
  grpc::ClientContext context_;
  absl::Mutex mutex_;
  std::string stdout_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

class ProcessesTest : public HostileProgramTest {
 protected:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { StopServer(); }
};

// Property: zombies left behind (never reaped, parent gone) do not survive
// the execution on the host.
TEST_F(ProcessesTest, ZombiePileDoesNotOutliveTheExecution) {
  const std::string marker = UniqueMarker("zomb");
  CollectedEvents run = RunHostile(ProgramRequest("zombie_pile.py", {marker}));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data, "zombies: 40\n") << Describe(run);
  EXPECT_EQ(WaitUntilNoHostProcess(marker, absl::Seconds(5)), 0)
      << "zombies of the execution are still on the host";
}

// Property: a setsid + double-fork daemon that ignores signals dies with
// its execution, whether it let go of the output pipes or holds them; the
// execution ends when its program does, not at the wall-clock limit.
TEST_F(ProcessesTest, DoubleForkedDaemonDiesWithItsExecution) {
  for (const char* mode : {"detached", "attached"}) {
    const std::string marker = UniqueMarker("orph");
    ExecuteRequest request = ProgramRequest("orphan_escape.py", {marker, mode});
    SetWallTime(request, absl::Seconds(30));
    const absl::Time start = absl::Now();
    CollectedEvents run = RunHostile(request, 10);
    EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << mode << Describe(run);
    EXPECT_EQ(run.finished.exit_code(), 0) << mode;
    EXPECT_EQ(run.stdout_data, "orphan started\n") << mode;
    EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << mode;
    EXPECT_EQ(WaitUntilNoHostProcess(marker, absl::Seconds(2)), 0)
        << mode << ": the daemon outlived its execution";
  }
}

// Property: the same for the shell idiom setsid -f + nohup.
TEST_F(ProcessesTest, ShellSetsidNohupDiesWithItsExecution) {
  const std::string marker = UniqueMarker("nohup");
  ExecuteRequest request = ProgramRequest("orphan_escape.sh", {marker});
  SetWallTime(request, absl::Seconds(30));
  CollectedEvents run = RunHostile(request, 10);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data, "orphan started\n") << Describe(run);
  EXPECT_EQ(WaitUntilNoHostProcess(marker, absl::Seconds(2)), 0)
      << "the nohup process outlived its execution";
}

// Property: kill -9 -1 reaches only the sandbox's own processes: a host
// process of the very same host uid, the benign execution alongside (same
// host uid too) and the server all survive; the program itself goes on.
TEST_F(ProcessesTest, KillMinusOneHitsOnlyTheSandbox) {
  HostDecoy decoy;
  ASSERT_TRUE(decoy.Alive());
  CollectedEvents run = RunHostile(ProgramRequest("kill_everything.sh"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data,
            "kill -9 -1: 0\nbackground sleep: status 137\nstill here\n")
      << Describe(run);
  EXPECT_TRUE(decoy.Alive()) << "a host process was killed from the sandbox";
}

// Property: signalling every pid number reaches nothing outside the
// sandbox (only pids of its own namespace exist for it) and the sandbox's
// init is immune.
TEST_F(ProcessesTest, SignallingEveryPidReachesOnlyTheSandbox) {
  HostDecoy decoy;
  ASSERT_TRUE(decoy.Alive());
  CollectedEvents run = RunHostile(ProgramRequest("kill_every_pid.py"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_THAT(run.stdout_data, HasSubstr("still here\n")) << Describe(run);
  // Only pid 1 (the sandbox's init, which ignores it) may be delivered to.
  EXPECT_THAT(run.stdout_data, HasSubstr("delivered to pids: [1]\n"))
      << Describe(run);
  EXPECT_TRUE(decoy.Alive()) << "a host process was killed from the sandbox";
}

// Property: one execution cannot see or reach another running at the same
// time: not its processes (/proc shows only its own pid namespace), not its
// files in /workspace, /tmp or /dev/shm, not its abstract unix socket, not
// its TCP port on loopback.
TEST_F(ProcessesTest, AnotherExecutionIsInvisible) {
  const std::string marker = UniqueMarker("hold");
  ExecuteRequest holder = ProgramRequest("secret_holder.py", {marker});
  SetWallTime(holder, absl::Seconds(30));
  {
    BackgroundExecution first(*server_, holder);
    ASSERT_TRUE(first.WaitForOutput("ready\n", absl::Seconds(20)));
    ASSERT_GE(CountHostProcesses(marker), 1)
        << "the first execution is not running on the host";
    CollectedEvents run =
        RunHostile(ProgramRequest("secret_seeker.py", {marker}));
    EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
    const std::vector<std::string> lines = StdoutLines(run);
    ASSERT_FALSE(lines.empty()) << Describe(run);
    int visible = -1;
    ASSERT_TRUE(absl::SimpleAtoi(
        absl::StripPrefix(lines[0], "processes visible: "), &visible))
        << lines[0];
    EXPECT_LE(visible, 3) << "more processes than its own init, itself and "
                             "one more are visible";
    EXPECT_THAT(
        lines,
        ::testing::ElementsAre(
            ::testing::_, "marker among them: no", "/workspace file: ENOENT",
            "/workspace holds: ['main.py']", "/tmp file: ENOENT",
            "/tmp holds: []", "/dev/shm file: ENOENT", "/dev/shm holds: []",
            "abstract socket: ECONNREFUSED", "loopback port: ECONNREFUSED"))
        << Describe(run);
  }
  EXPECT_EQ(WaitUntilNoHostProcess(marker, absl::Seconds(5)), 0)
      << "the cancelled first execution left processes";
}

}  // namespace
}  // namespace forge::testing::security
