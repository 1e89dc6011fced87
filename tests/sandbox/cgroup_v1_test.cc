// The cgroup v1 and hybrid code against FakeCgroupFs: detection, limits,
// the order processes are added, usage parsing and the freezer kill. The
// same code runs against the real kernel in cgroup_host_test.cc.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fake_fs.h"
#include "sandbox/cgroup_tree.h"

namespace forge::sandbox {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kControllers[] = {"memory", "pids", "cpu", "cpuacct",
                                        "freezer"};

std::string SandboxDir(const std::string& hierarchy) {
  return absl::StrCat("/sys/fs/cgroup/", hierarchy, "/forge-exec/7/sbx");
}

// Interface files of every hierarchy at once; each code path reads only
// the ones of its own hierarchy.
std::map<std::string, std::string> V1InterfaceFiles() {
  return {
      {"cgroup.procs", ""},
      {"memory.limit_in_bytes", "9223372036854771712\n"},
      {"memory.memsw.limit_in_bytes", "9223372036854771712\n"},
      {"memory.swappiness", "60\n"},
      {"memory.max_usage_in_bytes", "0\n"},
      {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"},
      {"pids.max", "max\n"},
      {"pids.current", "0\n"},
      {"pids.peak", "0\n"},
      {"pids.events", "max 0\n"},
      {"cpu.cfs_period_us", "100000\n"},
      {"cpu.cfs_quota_us", "-1\n"},
      {"cpu.shares", "1024\n"},
      {"cpuacct.usage", "0\n"},
      {"freezer.state", "THAWED\n"},
      // unified
      {"cgroup.kill", ""},
      {"cpu.stat", "usage_usec 0\n"},
  };
}

class CgroupV1Test : public ::testing::Test {
 protected:
  CgroupV1Test() {
    std::string mounts;
    for (const char* controller : kControllers) {
      fs_.AddDir(absl::StrCat("/sys/fs/cgroup/", controller));
      absl::StrAppend(&mounts, "cgroup /sys/fs/cgroup/", controller,
                      " cgroup rw,relatime,", controller, " 0 0\n");
    }
    v1_mounts_ = mounts;
    fs_.AddDir("/sys/fs/cgroup/unified");
    fs_.SetFile("/sys/fs/cgroup/unified/cgroup.controllers", "");
    absl::StrAppend(&mounts,
                    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n");
    fs_.SetFile("/proc/self/mounts", mounts);
    fs_.SetFile("/v1-only-mounts", v1_mounts_);
    fs_.SetNewDirFiles(V1InterfaceFiles());
  }

  CgroupTree OpenTree(const std::string& mounts = "/proc/self/mounts") {
    CgroupTreeOptions options;
    options.instance = "7";
    options.proc_mounts = mounts;
    absl::StatusOr<CgroupTree> tree = CgroupTree::Open(fs_, options);
    EXPECT_TRUE(tree.ok()) << tree.status();
    return *std::move(tree);
  }

  // Paths written, in order, whose file name is `name`.
  std::vector<std::string> WritesTo(const std::string& name) {
    std::vector<std::string> paths;
    for (const FakeCgroupFs::Write& write : fs_.writes()) {
      if (absl::EndsWith(write.path, "/" + name)) paths.push_back(write.path);
    }
    return paths;
  }

  FakeCgroupFs fs_;
  std::string v1_mounts_;
};

TEST_F(CgroupV1Test, DetectsHybrid) {
  CgroupTree tree = OpenTree();
  EXPECT_EQ(tree.support().mode, CgroupMode::kHybrid);
  EXPECT_THAT(tree.support().MissingNames(), IsEmpty())
      << tree.support().Summary();
  EXPECT_EQ(tree.instance_dirs().unified,
            "/sys/fs/cgroup/unified/forge-exec/7");
  EXPECT_EQ(tree.instance_dirs().memory, "/sys/fs/cgroup/memory/forge-exec/7");
}

TEST_F(CgroupV1Test, DetectsV1OnlyWithFreezerKill) {
  CgroupTree tree = OpenTree("/v1-only-mounts");
  EXPECT_EQ(tree.support().mode, CgroupMode::kV1);
  EXPECT_TRUE(tree.support().Has(CgroupProtection::kKill));
  EXPECT_TRUE(tree.instance_dirs().unified.empty());
}

TEST_F(CgroupV1Test, MissingHierarchiesAreNotedAndLeftOut) {
  fs_.SetFile("/v1-only-mounts",
              "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"
              "cgroup /nonexistent/pids cgroup rw,pids 0 0\n");
  CgroupTree tree = OpenTree("/v1-only-mounts");
  EXPECT_EQ(tree.support().mode, CgroupMode::kV1);
  EXPECT_THAT(tree.support().ActiveNames(),
              ElementsAre("cgroup-memory", "cgroup-swap"));
  EXPECT_THAT(tree.support().Summary(), HasSubstr("cgroup v1 pids unusable"));
  EXPECT_THAT(tree.support().Summary(), HasSubstr("no cgroup v1 freezer"));
}

TEST_F(CgroupV1Test, NoSwapAccountingIsNoted) {
  std::map<std::string, std::string> files = V1InterfaceFiles();
  files.erase("memory.memsw.limit_in_bytes");
  fs_.SetNewDirFiles(files);
  CgroupTree tree = OpenTree();
  EXPECT_TRUE(tree.support().Has(CgroupProtection::kMemory));
  EXPECT_FALSE(tree.support().Has(CgroupProtection::kSwapOff));
  EXPECT_THAT(tree.support().Summary(), HasSubstr("swap accounting off"));
}

TEST_F(CgroupV1Test, CreateWritesEveryLimitInItsHierarchy) {
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.memory_bytes = 100 << 20;
  limits.max_pids = 16;
  limits.cpu_quota = absl::Milliseconds(200);
  limits.cpu_period = absl::Milliseconds(100);
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", limits);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  const std::string memory = SandboxDir("memory");
  EXPECT_EQ(fs_.GetFile(memory + "/memory.limit_in_bytes"), "104857600");
  EXPECT_EQ(fs_.GetFile(memory + "/memory.memsw.limit_in_bytes"), "104857600");
  EXPECT_EQ(fs_.GetFile(memory + "/memory.swappiness"), "0");
  EXPECT_EQ(fs_.GetFile(SandboxDir("pids") + "/pids.max"), "16");
  EXPECT_EQ(fs_.GetFile(SandboxDir("cpu") + "/cpu.cfs_quota_us"), "200000");
  // The kernel checks the quota against the period already set.
  std::vector<std::string> cpu_writes;
  for (const FakeCgroupFs::Write& write : fs_.writes()) {
    if (absl::StartsWith(write.path, SandboxDir("cpu"))) {
      cpu_writes.push_back(write.path);
    }
  }
  EXPECT_THAT(cpu_writes, ElementsAre(SandboxDir("cpu") + "/cpu.cfs_period_us",
                                      SandboxDir("cpu") + "/cpu.cfs_quota_us"));
  // Only the hierarchy that owns a limit gets it.
  EXPECT_EQ(fs_.GetFile(SandboxDir("pids") + "/memory.limit_in_bytes"),
            "9223372036854771712\n");
}

TEST_F(CgroupV1Test, CpuWeightBecomesCpuShares) {
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.cpu_weight = kBackgroundCpuWeight;
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", limits);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  EXPECT_EQ(fs_.GetFile(SandboxDir("cpu") + "/cpu.shares"), "10");
  CgroupLimits running;
  running.cpu_weight = kNormalCpuWeight;
  ASSERT_TRUE(cgroup->SetLimits(running).ok());
  EXPECT_EQ(fs_.GetFile(SandboxDir("cpu") + "/cpu.shares"), "1024");
}

TEST_F(CgroupV1Test, UnsetCpuWeightIsNotWritten) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  EXPECT_EQ(fs_.GetFile(SandboxDir("cpu") + "/cpu.shares"), "1024\n");
}

TEST_F(CgroupV1Test, AddProcessGoesToV2FirstThenTheFreezer) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  EXPECT_GE(cgroup->clone_into_fd(), 0);  // hybrid has a v2 directory
  ASSERT_TRUE(cgroup->AddProcess(55).ok());
  // Empty the lists again: Destroy would otherwise signal pid 55 when the
  // v1 directories stay busy.
  for (const char* controller : kControllers) {
    fs_.SetFile(SandboxDir(controller) + "/cgroup.procs", "");
  }
  EXPECT_THAT(WritesTo("cgroup.procs"),
              ElementsAre(SandboxDir("unified") + "/cgroup.procs",
                          SandboxDir("freezer") + "/cgroup.procs",
                          SandboxDir("memory") + "/cgroup.procs",
                          SandboxDir("pids") + "/cgroup.procs",
                          SandboxDir("cpu") + "/cgroup.procs",
                          SandboxDir("cpuacct") + "/cgroup.procs"));
}

TEST_F(CgroupV1Test, AddProcessPlacedByCloneWritesOnlyTheV1Hierarchies) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  ASSERT_TRUE(cgroup->AddProcess(55, /*placed_by_clone=*/true).ok());
  for (const char* controller : kControllers) {
    fs_.SetFile(SandboxDir(controller) + "/cgroup.procs", "");
  }
  EXPECT_THAT(WritesTo("cgroup.procs"),
              ElementsAre(SandboxDir("freezer") + "/cgroup.procs",
                          SandboxDir("memory") + "/cgroup.procs",
                          SandboxDir("pids") + "/cgroup.procs",
                          SandboxDir("cpu") + "/cgroup.procs",
                          SandboxDir("cpuacct") + "/cgroup.procs"));
}

TEST_F(CgroupV1Test, ReadUsageParsesEveryHierarchy) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  fs_.SetFile(SandboxDir("memory") + "/memory.oom_control",
              "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  fs_.SetFile(SandboxDir("memory") + "/memory.max_usage_in_bytes", "5242880\n");
  fs_.SetFile(SandboxDir("cpuacct") + "/cpuacct.usage", "987654321\n");
  fs_.SetFile(SandboxDir("pids") + "/pids.events", "max 4\n");
  absl::StatusOr<CgroupUsage> usage = cgroup->ReadUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->cpu_time_ns, 987654321u);
  EXPECT_EQ(usage->peak_memory_bytes, 5242880u);
  EXPECT_EQ(usage->oom_kills, 1u);
  EXPECT_TRUE(usage->pids_limit_hit);
}

TEST_F(CgroupV1Test, PidsLimitHitFallsBackToPeakWithoutEvents) {
  std::map<std::string, std::string> files = V1InterfaceFiles();
  files.erase("pids.events");
  fs_.SetNewDirFiles(files);
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.max_pids = 8;
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", limits);
  ASSERT_TRUE(cgroup.ok());
  fs_.SetFile(SandboxDir("pids") + "/pids.peak", "3\n");
  EXPECT_FALSE(cgroup->ReadUsage()->pids_limit_hit);
  fs_.SetFile(SandboxDir("pids") + "/pids.peak", "8\n");
  EXPECT_TRUE(cgroup->ReadUsage()->pids_limit_hit);
}

TEST_F(CgroupV1Test, CpuTimeFallsBackToV2CpuStatWithoutCpuacct) {
  fs_.SetFile("/proc/self/mounts",
              "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"
              "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n");
  CgroupTree tree = OpenTree();
  EXPECT_EQ(tree.support().mode, CgroupMode::kHybrid);
  EXPECT_TRUE(tree.support().Has(CgroupProtection::kCpuTime));
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  fs_.SetFile(SandboxDir("unified") + "/cpu.stat", "usage_usec 42\n");
  EXPECT_EQ(cgroup->ReadCpuTimeNs().value_or(0), 42000u);
}

TEST_F(CgroupV1Test, HybridKillUsesCgroupKill) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  ASSERT_TRUE(cgroup->Kill().ok());
  EXPECT_THAT(WritesTo("cgroup.kill"),
              ElementsAre(SandboxDir("unified") + "/cgroup.kill"));
  EXPECT_THAT(WritesTo("freezer.state"), IsEmpty());
}

TEST_F(CgroupV1Test, V1KillFreezesSignalsEveryListedProcessAndThaws) {
  CgroupTree tree = OpenTree("/v1-only-mounts");
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  pid_t child = fork();
  if (child == 0) {
    while (true) pause();
  }
  ASSERT_GT(child, 0);
  ASSERT_TRUE(cgroup->AddProcess(child).ok());

  ASSERT_TRUE(cgroup->Kill().ok());
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  std::vector<std::string> freezer_writes;
  for (const FakeCgroupFs::Write& write : fs_.writes()) {
    if (absl::EndsWith(write.path, "/freezer.state")) {
      freezer_writes.push_back(write.data);
    }
  }
  EXPECT_THAT(freezer_writes, ElementsAre("FROZEN", "THAWED"));
  // The fake does not model exits: empty the lists so Destroy can finish.
  for (const char* controller : kControllers) {
    fs_.SetFile(SandboxDir(controller) + "/cgroup.procs", "");
  }
}

}  // namespace
}  // namespace forge::sandbox
