// The cgroup v2 code against FakeCgroupFs: detection, limits, kill, usage,
// removal and stale cleanup on a pure v2 host.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fake_fs.h"
#include "sandbox/cgroup_tree.h"

namespace forge::sandbox {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kRoot[] = "/sys/fs/cgroup";
constexpr char kInstance[] = "/sys/fs/cgroup/forge-exec/100";
constexpr char kSandbox[] = "/sys/fs/cgroup/forge-exec/100/sbx";

std::map<std::string, std::string> V2InterfaceFiles() {
  return {
      {"cgroup.procs", ""},
      {"cgroup.subtree_control", ""},
      {"cgroup.kill", ""},
      {"cgroup.freeze", "0\n"},
      {"cgroup.events", "populated 0\nfrozen 0\n"},
      {"memory.max", "max\n"},
      {"memory.swap.max", "max\n"},
      {"memory.oom.group", "0\n"},
      {"memory.peak", "0\n"},
      {"memory.events",
       "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"},
      {"pids.max", "max\n"},
      {"pids.events", "max 0\n"},
      {"cpu.max", "max 100000\n"},
      {"cpu.weight", "100\n"},
      {"cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"},
  };
}

// A pure v2 host whose root delegates memory, pids and cpu.
class CgroupV2Test : public ::testing::Test {
 protected:
  CgroupV2Test() {
    fs_.AddDir(kRoot);
    fs_.SetFile("/proc/self/mounts",
                "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nsdelegate 0 0\n");
    fs_.SetFile(std::string(kRoot) + "/cgroup.controllers",
                "cpuset cpu io memory hugetlb pids rdma misc\n");
    fs_.SetFile(std::string(kRoot) + "/cgroup.subtree_control", "");
    fs_.SetFile(std::string(kRoot) + "/cgroup.procs", "1\n");
    fs_.SetNewDirFiles(V2InterfaceFiles());
  }

  CgroupTree OpenTree(const std::string& instance = "100") {
    CgroupTreeOptions options;
    options.instance = instance;
    absl::StatusOr<CgroupTree> tree = CgroupTree::Open(fs_, options);
    EXPECT_TRUE(tree.ok()) << tree.status();
    return *std::move(tree);
  }

  bool WasWritten(const std::string& path, const std::string& data) {
    for (const FakeCgroupFs::Write& write : fs_.writes()) {
      if (write.path == path && write.data == data) return true;
    }
    return false;
  }

  FakeCgroupFs fs_;
};

TEST_F(CgroupV2Test, DetectsV2AndDelegatesControllersDownToTheInstance) {
  CgroupTree tree = OpenTree();
  EXPECT_EQ(tree.support().mode, CgroupMode::kV2);
  EXPECT_THAT(tree.support().MissingNames(), IsEmpty())
      << tree.support().Summary();
  EXPECT_EQ(tree.instance_dirs().unified, kInstance);
  for (const char* dir : {kRoot, "/sys/fs/cgroup/forge-exec", kInstance}) {
    EXPECT_EQ(fs_.GetFile(std::string(dir) + "/cgroup.subtree_control"),
              "cpu memory pids")
        << dir;
  }
}

TEST_F(CgroupV2Test, ControllerThatCannotBeDelegatedIsReportedMissing) {
  fs_.SetWriteHook([](absl::string_view path, absl::string_view data) {
    if (data == "+cpu" && path == "/sys/fs/cgroup/cgroup.subtree_control") {
      return absl::ErrnoToStatus(EBUSY, "write");
    }
    return absl::OkStatus();
  });
  CgroupTree tree = OpenTree();
  EXPECT_EQ(tree.support().mode, CgroupMode::kV2);
  EXPECT_FALSE(tree.support().Has(CgroupProtection::kCpu));
  EXPECT_TRUE(tree.support().Has(CgroupProtection::kMemory));
  EXPECT_THAT(tree.support().MissingNames(), Contains("cgroup-cpu"));
  EXPECT_THAT(tree.support().Summary(), HasSubstr("cannot enable cpu"));
}

TEST_F(CgroupV2Test, CreateWritesEveryLimit) {
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.memory_bytes = 64 << 20;
  limits.max_pids = 32;
  limits.cpu_quota = absl::Milliseconds(50);
  limits.cpu_period = absl::Milliseconds(100);
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", limits);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  const std::string dir = kSandbox;
  EXPECT_TRUE(fs_.HasDir(dir));
  EXPECT_EQ(fs_.GetFile(dir + "/memory.max"), "67108864");
  EXPECT_EQ(fs_.GetFile(dir + "/memory.swap.max"), "0");
  EXPECT_EQ(fs_.GetFile(dir + "/memory.oom.group"), "1");
  EXPECT_EQ(fs_.GetFile(dir + "/pids.max"), "32");
  EXPECT_EQ(fs_.GetFile(dir + "/cpu.max"), "50000 100000");
  EXPECT_GE(cgroup->clone_into_fd(), 0);
}

TEST_F(CgroupV2Test, UnlimitedFieldsAreNotWritten) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  EXPECT_EQ(fs_.GetFile(std::string(kSandbox) + "/memory.max"), "max\n");
  EXPECT_EQ(fs_.GetFile(std::string(kSandbox) + "/cpu.max"), "max 100000\n");
}

TEST_F(CgroupV2Test, CpuWeightIsWrittenAndRaised) {
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.cpu_weight = kBackgroundCpuWeight;
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", limits);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  EXPECT_EQ(fs_.GetFile(std::string(kSandbox) + "/cpu.weight"), "1");
  CgroupLimits running;
  running.cpu_weight = kNormalCpuWeight;
  ASSERT_TRUE(cgroup->SetLimits(running).ok());
  EXPECT_EQ(fs_.GetFile(std::string(kSandbox) + "/cpu.weight"), "100");
}

TEST_F(CgroupV2Test, CpuWeightAboveTheKernelsRangeIsRejected) {
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.cpu_weight = 10001;
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", limits);
  EXPECT_EQ(cgroup.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs_.HasDir(kSandbox));
}

TEST_F(CgroupV2Test, CreateRejectsIdsThatAreNotOneComponent) {
  CgroupTree tree = OpenTree();
  for (const char* id : {"", ".", "..", "a/b", "../x", "a b"}) {
    EXPECT_EQ(tree.Create(id, CgroupLimits{}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << id;
  }
}

TEST_F(CgroupV2Test, CreateFailsOnAnIdInUse) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> first = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(
      absl::IsAlreadyExists(tree.Create("sbx", CgroupLimits{}).status()));
  EXPECT_TRUE(fs_.HasDir(kSandbox));  // the failed attempt left it alone
}

TEST_F(CgroupV2Test, RejectedLimitRemovesTheHalfMadeCgroup) {
  fs_.SetWriteHook([](absl::string_view path, absl::string_view) {
    if (absl::EndsWith(path, "/pids.max")) {
      return absl::InvalidArgumentError("EINVAL");
    }
    return absl::OkStatus();
  });
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.max_pids = 5;
  EXPECT_TRUE(absl::IsInvalidArgument(tree.Create("sbx", limits).status()));
  EXPECT_FALSE(fs_.HasDir(kSandbox));
}

TEST_F(CgroupV2Test, InvalidCpuPeriodIsRejectedBeforeTouchingTheTree) {
  CgroupTree tree = OpenTree();
  CgroupLimits limits;
  limits.cpu_quota = absl::Milliseconds(10);
  limits.cpu_period = absl::Seconds(5);
  EXPECT_TRUE(absl::IsInvalidArgument(tree.Create("sbx", limits).status()));
  EXPECT_FALSE(fs_.HasDir(kSandbox));
}

TEST_F(CgroupV2Test, AddProcessAndKill) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  ASSERT_TRUE(cgroup->AddProcess(4242).ok());
  EXPECT_EQ(fs_.GetFile(std::string(kSandbox) + "/cgroup.procs"), "4242\n");
  EXPECT_EQ(cgroup->IsEmpty().value_or(true), false);

  ASSERT_TRUE(cgroup->Kill().ok());
  EXPECT_TRUE(WasWritten(std::string(kSandbox) + "/cgroup.kill", "1"));
  EXPECT_EQ(cgroup->IsEmpty().value_or(false), true);
}

TEST_F(CgroupV2Test, ReadUsageParsesEventsPeakAndCpu) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  const std::string dir = kSandbox;
  fs_.SetFile(dir + "/memory.events",
              "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 1\n");
  fs_.SetFile(dir + "/pids.events", "max 3\n");
  fs_.SetFile(dir + "/memory.peak", "12345678\n");
  fs_.SetFile(dir + "/cpu.stat",
              "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");

  absl::StatusOr<CgroupUsage> usage = cgroup->ReadUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->cpu_time_ns, 1500000u);
  EXPECT_EQ(usage->peak_memory_bytes, 12345678u);
  EXPECT_EQ(usage->oom_kills, 2u);
  EXPECT_TRUE(usage->pids_limit_hit);
  EXPECT_EQ(cgroup->ReadCpuTimeNs().value_or(0), 1500000u);
}

TEST_F(CgroupV2Test, ReadUsageOfAQuietSandbox) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  absl::StatusOr<CgroupUsage> usage = cgroup->ReadUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->oom_kills, 0u);
  EXPECT_FALSE(usage->pids_limit_hit);
}

TEST_F(CgroupV2Test, PeakIsUnsetWithoutMemoryPeak) {
  std::map<std::string, std::string> files = V2InterfaceFiles();
  files.erase("memory.peak");  // Linux before 5.19
  fs_.SetNewDirFiles(files);
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  absl::StatusOr<CgroupUsage> usage = cgroup->ReadUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_FALSE(usage->peak_memory_bytes.has_value());
}

TEST_F(CgroupV2Test, DestroyKillsThenRemovesRetryingWhileBusy) {
  CgroupTree tree = OpenTree();
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  ASSERT_TRUE(cgroup->AddProcess(4242).ok());
  fs_.FailRemoveDir(kSandbox, 3);  // processes still exiting
  ASSERT_TRUE(cgroup->Destroy().ok());
  EXPECT_FALSE(fs_.HasDir(kSandbox));
  EXPECT_TRUE(WasWritten(std::string(kSandbox) + "/cgroup.kill", "1"));
  EXPECT_EQ(cgroup->clone_into_fd(), -1);
  EXPECT_TRUE(cgroup->Destroy().ok());  // idempotent
}

TEST_F(CgroupV2Test, DestructorRemovesTheCgroup) {
  CgroupTree tree = OpenTree();
  {
    absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
    ASSERT_TRUE(cgroup.ok());
    Cgroup moved = *std::move(cgroup);  // the moved-from one owns nothing
    EXPECT_TRUE(fs_.HasDir(kSandbox));
  }
  EXPECT_FALSE(fs_.HasDir(kSandbox));
}

TEST_F(CgroupV2Test, TreeDestructorRemovesTheEmptyInstance) {
  { CgroupTree tree = OpenTree(); }
  EXPECT_FALSE(fs_.HasDir(kInstance));
  EXPECT_TRUE(fs_.HasDir("/sys/fs/cgroup/forge-exec"));  // shared parent
}

// Lays out what a launcher that crashed leaves: an instance with a sandbox
// that still has a process.
void SeedCrashedInstance(FakeCgroupFs& fs, const std::string& instance) {
  const std::string dir = "/sys/fs/cgroup/forge-exec/" + instance;
  fs.AddDir(dir + "/sbx1");
  for (const std::string& d : {dir, dir + "/sbx1"}) {
    for (const auto& [name, contents] : V2InterfaceFiles()) {
      fs.SetFile(d + "/" + name, contents);
    }
  }
  fs.SetFile(dir + "/sbx1/cgroup.procs", "31337\n");
}

TEST_F(CgroupV2Test, RemoveStaleInstancesKillsAndRemovesOnlyStaleOnes) {
  CgroupTree tree = OpenTree();
  SeedCrashedInstance(fs_, "old");
  SeedCrashedInstance(fs_, "alive");
  absl::StatusOr<int> removed = tree.RemoveStaleInstances(
      [](absl::string_view name) { return name == "old" || name == "100"; });
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1);
  EXPECT_TRUE(
      WasWritten("/sys/fs/cgroup/forge-exec/old/sbx1/cgroup.kill", "1"));
  EXPECT_FALSE(fs_.HasDir("/sys/fs/cgroup/forge-exec/old"));
  EXPECT_TRUE(fs_.HasDir("/sys/fs/cgroup/forge-exec/alive/sbx1"));
  EXPECT_TRUE(fs_.HasDir(kInstance));  // never our own
}

TEST_F(CgroupV2Test, OpenCleansLeftoversOfAnEarlierOwnerOfTheInstance) {
  SeedCrashedInstance(fs_, "100");
  CgroupTree tree = OpenTree("100");
  EXPECT_FALSE(fs_.HasDir("/sys/fs/cgroup/forge-exec/100/sbx1"));
  EXPECT_TRUE(fs_.HasDir(kInstance));
  EXPECT_TRUE(
      WasWritten("/sys/fs/cgroup/forge-exec/100/sbx1/cgroup.kill", "1"));
}

TEST_F(CgroupV2Test, LeftoverThatCannotBeRemovedIsANoteNotAFailure) {
  SeedCrashedInstance(fs_, "100");
  fs_.FailRemoveDir("/sys/fs/cgroup/forge-exec/100/sbx1", 1,
                    absl::ErrnoToStatus(EACCES, "rmdir"));
  CgroupTree tree = OpenTree("100");
  EXPECT_EQ(tree.support().mode, CgroupMode::kV2);
  EXPECT_THAT(tree.support().Summary(),
              HasSubstr("leftover cgroup sbx1 not removed"));
}

TEST_F(CgroupV2Test, UnwritableParentFallsBackToNone) {
  FakeCgroupFs readonly;
  readonly.SetFile("/proc/self/mounts",
                   "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
  readonly.SetFile("/sys/fs/cgroup/cgroup.controllers", "memory pids cpu\n");
  // No directory /sys/fs/cgroup in the fake: every mkdir below it fails.
  CgroupTreeOptions options;
  options.instance = "100";
  absl::StatusOr<CgroupTree> tree = CgroupTree::Open(readonly, options);
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(tree->support().mode, CgroupMode::kNone);
  EXPECT_THAT(tree->support().ActiveNames(), IsEmpty());
  EXPECT_THAT(tree->support().Summary(), HasSubstr("rlimits only"));
  EXPECT_TRUE(
      absl::IsFailedPrecondition(tree->Create("sbx", CgroupLimits{}).status()));
}

TEST_F(CgroupV2Test, OpenRejectsBadOptions) {
  CgroupTreeOptions options;
  options.instance = "";
  EXPECT_TRUE(absl::IsInvalidArgument(CgroupTree::Open(fs_, options).status()));
  options.instance = "1";
  options.parent = "a/../b";
  EXPECT_TRUE(absl::IsInvalidArgument(CgroupTree::Open(fs_, options).status()));
}

TEST_F(CgroupV2Test, KillWithoutCgroupKillFreezesAndSignals) {
  std::map<std::string, std::string> files = V2InterfaceFiles();
  files.erase("cgroup.kill");  // Linux before 5.14
  fs_.SetNewDirFiles(files);
  CgroupTree tree = OpenTree();
  EXPECT_TRUE(tree.support().Has(CgroupProtection::kKill));
  absl::StatusOr<Cgroup> cgroup = tree.Create("sbx", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok());
  ASSERT_TRUE(cgroup->Kill().ok());  // nothing listed, so nothing signalled
  EXPECT_TRUE(WasWritten(std::string(kSandbox) + "/cgroup.freeze", "1"));
  EXPECT_TRUE(WasWritten(std::string(kSandbox) + "/cgroup.freeze", "0"));
}

TEST(CgroupSupportTest, NamesAreStable) {
  CgroupSupport support;
  support.mode = CgroupMode::kHybrid;
  support.active = {CgroupProtection::kMemory, CgroupProtection::kKill};
  EXPECT_EQ(support.Summary(),
            "mode=hybrid active=cgroup-memory,cgroup-kill "
            "missing=cgroup-swap,cgroup-pids,cgroup-cpu,cgroup-cpu-time "
            "notes=\"\"");
}

TEST(IsDeadProcessNameTest, TellsLiveFromDeadPids) {
  EXPECT_FALSE(IsDeadProcessName(std::to_string(getpid())));
  EXPECT_FALSE(IsDeadProcessName("not-a-pid"));
  EXPECT_FALSE(IsDeadProcessName("0"));
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(IsDeadProcessName(std::to_string(child)));
}

}  // namespace
}  // namespace forge::sandbox
