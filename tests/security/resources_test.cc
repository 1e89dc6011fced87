// Hostile programs that attack the machine's resources: processes, threads,
// memory, CPU, time, output, disk space, inodes, file size, descriptors.
// Each must end with its typed outcome (or a refusal the program sees),
// while a benign execution alongside gets exactly its output.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/security/hostile_harness.h"

namespace forge::testing::security {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kTmpBytes = 16 * kMiB;
constexpr uint64_t kInodes = 2048;

std::string OutcomeName(const CollectedEvents& run) {
  return forge::exec::v1::Outcome_Name(run.finished.outcome());
}

// The number after `prefix` in the first stdout line that starts with it;
// -1 when there is none.
int64_t NumberAfter(const CollectedEvents& run, const std::string& prefix) {
  for (const std::string& line : StdoutLines(run)) {
    if (!absl::StartsWith(line, prefix)) continue;
    std::string rest = line.substr(prefix.size());
    rest = rest.substr(0, rest.find(' '));
    int64_t value;
    if (absl::SimpleAtoi(rest, &value)) return value;
  }
  return -1;
}

// Samples the number of host processes carrying `marker` while it lives.
class ProcessCountSampler {
 public:
  explicit ProcessCountSampler(const std::string& marker)
      : thread_([this, marker] {
          while (!stop_) {
            peak_ = std::max(peak_.load(), CountHostProcesses(marker));
            absl::SleepFor(absl::Milliseconds(2));
          }
        }) {}
  ~ProcessCountSampler() { Stop(); }
  int Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return peak_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> peak_{0};
  std::thread thread_;
};

class ResourcesTest : public HostileProgramTest {
 protected:
  static void SetUpTestSuite() {
    StartServer(absl::StrCat("sandbox { tmp_bytes: ", kTmpBytes,
                             " tmpfs_inodes: ", kInodes, " }\n"));
  }
  static void TearDownTestSuite() { StopServer(); }

  // Runs a process or thread bomb limited to `max_processes`, checks the
  // typed outcome, that the bomb never had more processes on the host than
  // the limit, and that none is left afterwards.
  void ExpectBombStopped(ExecuteRequest request, const std::string& marker,
                         uint32_t max_processes) {
    request.mutable_limits()->set_max_processes(max_processes);
    SetWallTime(request, absl::Seconds(6));
    ProcessCountSampler sampler(marker);
    CollectedEvents run = RunHostile(request);
    const int peak = sampler.Stop();
    std::printf("  bomb: at most %d processes seen on the host (limit %u)\n",
                peak, max_processes);
    EXPECT_EQ(OutcomeName(run), "OUTCOME_PROCESS_LIMIT") << Describe(run);
    EXPECT_LE(peak, static_cast<int>(max_processes))
        << "the bomb had more processes on the host than its limit";
    EXPECT_EQ(WaitUntilNoHostProcess(marker, absl::Seconds(5)), 0)
        << "processes of the bomb survived its execution";
  }
};

// Property: a fork bomb cannot exhaust the host's process table; it ends
// typed PROCESS_LIMIT, never having more processes than the limit.
TEST_F(ResourcesTest, ForkBombIsHeldAtTheProcessLimit) {
  const std::string marker = UniqueMarker("fbomb");
  ExpectBombStopped(ProgramRequest("fork_bomb.py", {marker}), marker, 32);
}

// Property: same for the unbounded shell classic `bomb() { bomb|bomb& }`.
TEST_F(ResourcesTest, ClassicShellForkBombIsHeldAtTheProcessLimit) {
  if (!HasProtection("bash", "cgroup-pids")) {
    FAIL() << "not run: the sandbox reports no cgroup-pids protection, and "
              "an unbounded fork bomb without it would hurt this host";
  }
  const std::string marker = UniqueMarker("sbomb");
  ExpectBombStopped(ProgramRequest("fork_bomb_classic.sh", {marker}), marker,
                    32);
}

// Property: threads count against the same limit as processes.
TEST_F(ResourcesTest, PythonThreadBombIsHeldAtTheProcessLimit) {
  const std::string marker = UniqueMarker("tbomb");
  ExecuteRequest request = ProgramRequest("thread_bomb.py", {marker});
  request.mutable_limits()->set_max_processes(32);
  SetWallTime(request, absl::Seconds(6));
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_PROCESS_LIMIT") << Describe(run);
}

// Property: a JavaScript worker-thread bomb is held at the limit too.
TEST_F(ResourcesTest, NodeWorkerBombIsHeldAtTheProcessLimit) {
  ExecuteRequest request = ProgramRequest("thread_bomb.js");
  request.mutable_limits()->set_max_processes(24);
  SetWallTime(request, absl::Seconds(8));
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_PROCESS_LIMIT") << Describe(run);
}

// Property: a memory bomb is stopped by the memory limit, reported as
// MEMORY_LIMIT (the cgroup's OOM kill), not as a bare SIGKILL.
TEST_F(ResourcesTest, PythonMemoryBombEndsWithMemoryLimit) {
  ExecuteRequest request = ProgramRequest("memory_bomb.py");
  request.mutable_limits()->set_memory_bytes(128 * kMiB);
  SetWallTime(request, absl::Seconds(20));
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_MEMORY_LIMIT") << Describe(run);
}

// Property: memory outside the JavaScript heap (Buffers) is limited too.
TEST_F(ResourcesTest, NodeBufferBombEndsWithMemoryLimit) {
  ExecuteRequest request = ProgramRequest("memory_bomb.js");
  request.mutable_limits()->set_memory_bytes(256 * kMiB);
  SetWallTime(request, absl::Seconds(20));
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_MEMORY_LIMIT") << Describe(run);
}

// Property: the memory limit covers all of the program's processes
// together; splitting the allocation over processes does not escape it.
TEST_F(ResourcesTest, MemorySpreadOverProcessesEndsWithMemoryLimit) {
  ExecuteRequest request = ProgramRequest("memory_bomb_forks.py");
  request.mutable_limits()->set_memory_bytes(160 * kMiB);
  SetWallTime(request, absl::Seconds(20));
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_MEMORY_LIMIT") << Describe(run);
}

// Property: a CPU spin ends with CPU_TIMEOUT at its CPU limit, long before
// its wall-clock limit.
TEST_F(ResourcesTest, PythonCpuSpinEndsWithCpuTimeout) {
  ExecuteRequest request = ProgramRequest("cpu_spin.py");
  SetCpuTime(request, absl::Seconds(1));
  SetWallTime(request, absl::Seconds(30));
  const absl::Time start = absl::Now();
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_CPU_TIMEOUT") << Describe(run);
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
}

// Property: the same in TypeScript (Deno).
TEST_F(ResourcesTest, TypeScriptCpuSpinEndsWithCpuTimeout) {
  ExecuteRequest request = ProgramRequest("cpu_spin.ts");
  SetCpuTime(request, absl::Seconds(1));
  SetWallTime(request, absl::Seconds(30));
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_CPU_TIMEOUT") << Describe(run);
}

// Property: the CPU limit is on all processes together: four spinning
// processes with a 2 s limit use about 2 s of CPU in total, not 2 s each.
TEST_F(ResourcesTest, CpuLimitCoversAllProcessesTogether) {
  ExecuteRequest request = ProgramRequest("cpu_spin_processes.sh");
  SetCpuTime(request, absl::Seconds(2));
  SetWallTime(request, absl::Seconds(30));
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_CPU_TIMEOUT") << Describe(run);
  const absl::Duration cpu = absl::Milliseconds(
      TimeUtil::DurationToMilliseconds(run.finished.usage().cpu_time()));
  EXPECT_GE(cpu, absl::Milliseconds(1500)) << "CPU time not accounted";
  EXPECT_LE(cpu, absl::Seconds(4)) << "CPU time beyond the limit";
}

// Property: a program that sleeps (and whose children ignore SIGTERM) is
// ended at its wall-clock limit with WALL_TIMEOUT, promptly.
TEST_F(ResourcesTest, SleepPastTheDeadlineEndsWithWallTimeout) {
  ExecuteRequest request = ProgramRequest("sleep_past_deadline.sh");
  SetWallTime(request, absl::Seconds(1));
  const absl::Time start = absl::Now();
  CollectedEvents run = RunHostile(request, 10);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_WALL_TIMEOUT") << Describe(run);
  EXPECT_EQ(run.stdout_data, "started\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
}

// Property: a stdout flood is cut at max_output_bytes with OUTPUT_LIMIT and
// a visible marker, and the server does not buffer it.
TEST_F(ResourcesTest, StdoutFloodEndsWithOutputLimit) {
  for (const char* program : {"stdout_flood.sh", "stdout_flood_binary.sh"}) {
    ExecuteRequest request = ProgramRequest(program);
    request.mutable_limits()->set_max_output_bytes(kMiB);
    const uint64_t rss_before = server_->RssBytes();
    CollectedEvents run = RunHostile(request);
    EXPECT_EQ(OutcomeName(run), "OUTCOME_OUTPUT_LIMIT")
        << program << ": " << Describe(run);
    EXPECT_TRUE(run.finished.stdout_truncated()) << program;
    EXPECT_EQ(run.finished.stdout_bytes(), kMiB) << program;
    EXPECT_THAT(run.stdout_data,
                HasSubstr(absl::StrCat("[forge-exec: stdout truncated after ",
                                       kMiB, " bytes]")))
        << program;
    EXPECT_LT(server_->RssBytes(), rss_before + 64 * kMiB) << program;
  }
}

// Property: the same for stderr, which has its own cap.
TEST_F(ResourcesTest, StderrFloodEndsWithOutputLimit) {
  ExecuteRequest request = ProgramRequest("stderr_flood.py");
  request.mutable_limits()->set_max_output_bytes(kMiB);
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_OUTPUT_LIMIT") << Describe(run);
  EXPECT_TRUE(run.finished.stderr_truncated());
  EXPECT_EQ(run.finished.stderr_bytes(), kMiB);
  EXPECT_THAT(run.stderr_data,
              HasSubstr(absl::StrCat("[forge-exec: stderr truncated after ",
                                     kMiB, " bytes]")));
}

// Property: /workspace, /tmp and /dev/shm are capped in size: filling one
// gets ENOSPC at its cap, never more.
TEST_F(ResourcesTest, FillingWritableDirectoriesStopsAtTheirCaps) {
  const std::pair<const char*, uint64_t> caps[] = {
      {"/workspace", 8 * kMiB}, {"/tmp", kTmpBytes}, {"/dev/shm", kTmpBytes}};
  for (const auto& [directory, cap] : caps) {
    ExecuteRequest request = ProgramRequest("disk_fill.py", {directory});
    request.mutable_limits()->set_workspace_bytes(8 * kMiB);
    request.mutable_limits()->set_max_file_bytes(256 * kMiB);
    SetWallTime(request, absl::Seconds(20));
    CollectedEvents run = RunHostile(request);
    ASSERT_EQ(OutcomeName(run), "OUTCOME_EXITED")
        << directory << ": " << Describe(run);
    const std::string prefix = absl::StrCat(directory, ": ENOSPC after ");
    const int64_t written = NumberAfter(run, prefix);
    EXPECT_GE(written, 0) << directory << ": " << Describe(run);
    EXPECT_LE(written, static_cast<int64_t>(cap)) << directory;
  }
}

// Property: the same directories are capped in inodes.
TEST_F(ResourcesTest, FillingInodesStopsAtTheCap) {
  for (const char* directory : {"/workspace", "/tmp"}) {
    ExecuteRequest request = ProgramRequest("inode_fill.py", {directory});
    SetWallTime(request, absl::Seconds(20));
    CollectedEvents run = RunHostile(request);
    ASSERT_EQ(OutcomeName(run), "OUTCOME_EXITED")
        << directory << ": " << Describe(run);
    const int64_t created =
        NumberAfter(run, absl::StrCat(directory, ": ENOSPC after "));
    EXPECT_GE(created, 0) << directory << ": " << Describe(run);
    EXPECT_LE(created, static_cast<int64_t>(kInodes)) << directory;
  }
}

// Property: one file cannot grow past max_file_bytes (RLIMIT_FSIZE).
TEST_F(ResourcesTest, OneFileCannotPassTheFileSizeLimit) {
  ExecuteRequest request = ProgramRequest("file_size_limit.py");
  request.mutable_limits()->set_max_file_bytes(kMiB);
  CollectedEvents run = RunHostile(request);
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data, absl::StrCat("EFBIG after ", kMiB, " bytes\n"))
      << Describe(run);
}

// Property: descriptors are capped (RLIMIT_NOFILE from the config, 256 by
// default) and the program cannot raise its own cap.
TEST_F(ResourcesTest, DescriptorExhaustionStopsAtTheCap) {
  CollectedEvents run = RunHostile(ProgramRequest("fd_exhaustion.py"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  const int64_t opened = NumberAfter(run, "open: EMFILE after ");
  EXPECT_GE(opened, 200) << Describe(run);
  EXPECT_LE(opened, 256) << Describe(run);
  EXPECT_THAT(run.stdout_data, HasSubstr("raise limit: ValueError"));
}

}  // namespace
}  // namespace forge::testing::security
