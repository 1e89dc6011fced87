// Cgroups on the real kernel of this host (the v1/v2 hybrid of the
// development machines, or whatever the host has): processes put in a
// sandbox's cgroup hit its limits, are reported, and are killed; stale
// instances are cleaned. Each test uses its own parent directory and
// removes it. Skipped when not root or when no hierarchy is writable.
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "sandbox/cgroup.h"
#include "sandbox/cgroup_fs.h"
#include "sandbox/cgroup_mounts.h"
#include "sandbox/cgroup_tree.h"

namespace forge::sandbox {
namespace {

// A forked child that runs `body` once Start() is called and exits with its
// result; it can report a number back with Report().
class TestChild {
 public:
  explicit TestChild(std::function<int(int report_fd)> body) {
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(go[1]);
      close(report[0]);
      char byte;
      if (read(go[0], &byte, 1) != 1) _exit(120);
      _exit(body(report[1]));
    }
    close(go[0]);
    close(report[1]);
    go_fd_ = go[1];
    report_fd_ = report[0];
  }
  ~TestChild() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(go_fd_);
    close(report_fd_);
  }

  pid_t pid() const { return pid_; }
  void Start() { ASSERT_EQ(write(go_fd_, "g", 1), 1); }
  // The number the child wrote with Report(); nullopt if it exited first.
  std::optional<long> ReadReport() {
    long value;
    if (read(report_fd_, &value, sizeof(value)) != sizeof(value)) {
      return std::nullopt;
    }
    return value;
  }
  static void Report(int fd, long value) {
    if (write(fd, &value, sizeof(value)) != sizeof(value)) _exit(121);
  }
  // waitpid status.
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;
  int report_fd_ = -1;
  bool reaped_ = false;
};

bool KilledBySigkill(int status) {
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

[[noreturn]] void PauseForever() {
  while (true) pause();
}

// Touches `bytes` of fresh anonymous memory, page by page.
void TouchMemory(size_t bytes) {
  char* memory = static_cast<char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (memory == MAP_FAILED) _exit(122);
  for (size_t i = 0; i < bytes; i += 4096) memory[i] = 1;
}

// Polls until the cgroup has no process left; false after 5 s.
bool WaitUntilEmpty(Cgroup& cgroup) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    if (cgroup.IsEmpty().value_or(false)) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return false;
}

// Reaps every orphan that was re-parented to this (subreaper) process.
void ReapOrphans() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

class CgroupHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups";
    // Orphaned grandchildren come to us, so no zombie outlives a test.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    parent_ = absl::StrCat("forge-exec-test-", getpid(), "-",
                           absl::ToUnixNanos(absl::Now()));
    tree_ = OpenTree(std::to_string(getpid()), "/proc/self/mounts");
    if (!tree_ || tree_->support().mode == CgroupMode::kNone) {
      GTEST_SKIP() << "no writable cgroup hierarchy: "
                   << (tree_ ? tree_->support().Summary() : "open failed");
    }
    RecordProperty("cgroup_support", tree_->support().Summary());
  }

  void TearDown() override {
    tree_.reset();
    v1_tree_.reset();
    ReapOrphans();
    absl::StatusOr<std::string> table = fs_.ReadFile("/proc/self/mounts");
    if (!table.ok() || parent_.empty()) return;
    const CgroupMounts mounts = ParseCgroupMounts(*table);
    std::set<std::string> roots;
    if (!mounts.unified.empty()) roots.insert(mounts.unified);
    for (const auto& [controller, mount] : mounts.v1) roots.insert(mount);
    for (const std::string& root : roots) {
      fs_.RemoveDir(absl::StrCat(root, "/", parent_)).IgnoreError();
    }
  }

  std::optional<CgroupTree> OpenTree(const std::string& instance,
                                     const std::string& mounts) {
    CgroupTreeOptions options;
    options.parent = parent_;
    options.instance = instance;
    options.proc_mounts = mounts;
    absl::StatusOr<CgroupTree> tree = CgroupTree::Open(fs_, options);
    EXPECT_TRUE(tree.ok()) << tree.status();
    if (!tree.ok()) return std::nullopt;
    return *std::move(tree);
  }

  // A tree that sees no cgroup2 mount, so the v1 freezer path is used.
  CgroupTree& V1OnlyTree() {
    const std::string table = fs_.ReadFile("/proc/self/mounts").value_or("");
    std::string v1_only;
    for (absl::string_view line : absl::StrSplit(table, '\n')) {
      if (line.find(" cgroup2 ") == absl::string_view::npos) {
        absl::StrAppend(&v1_only, line, "\n");
      }
    }
    mounts_copy_ = absl::StrCat(::testing::TempDir(), "/mounts-", getpid());
    FILE* file = fopen(mounts_copy_.c_str(), "we");
    fputs(v1_only.c_str(), file);
    fclose(file);
    v1_tree_ = OpenTree(absl::StrCat("v1-", getpid()), mounts_copy_);
    unlink(mounts_copy_.c_str());
    return *v1_tree_;
  }

  void RequireProtection(CgroupProtection protection) {
    if (!tree_->support().Has(protection)) {
      GTEST_SKIP() << CgroupProtectionName(protection)
                   << " not available here: " << tree_->support().Summary();
    }
  }

  RealCgroupFs fs_;
  std::string parent_;
  std::string mounts_copy_;
  std::optional<CgroupTree> tree_;
  std::optional<CgroupTree> v1_tree_;
};

TEST_F(CgroupHostTest, MemoryLimitOomKillsAndIsReported) {
  RequireProtection(CgroupProtection::kMemory);
  CgroupLimits limits;
  limits.memory_bytes = 32 << 20;
  absl::StatusOr<Cgroup> cgroup = tree_->Create("oom", limits);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  TestChild child([](int) {
    TouchMemory(256 << 20);
    return 0;
  });
  ASSERT_TRUE(cgroup->AddProcess(child.pid()).ok());
  child.Start();
  EXPECT_TRUE(KilledBySigkill(child.Wait()));

  absl::StatusOr<CgroupUsage> usage = cgroup->ReadUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_GE(usage->oom_kills, 1u);
  ASSERT_TRUE(usage->peak_memory_bytes.has_value());
  EXPECT_GE(*usage->peak_memory_bytes, 16u << 20);
  EXPECT_LE(*usage->peak_memory_bytes, 32u << 20);
  EXPECT_TRUE(cgroup->Destroy().ok());
}

TEST_F(CgroupHostTest, PidsLimitStopsAForkLoopAndIsReported) {
  RequireProtection(CgroupProtection::kPids);
  CgroupLimits limits;
  limits.max_pids = 8;
  absl::StatusOr<Cgroup> cgroup = tree_->Create("forks", limits);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  TestChild child([](int report_fd) -> int {
    long forked = 0;
    for (; forked < 64; ++forked) {
      pid_t pid = fork();
      if (pid == 0) PauseForever();
      if (pid < 0) break;
    }
    TestChild::Report(report_fd, forked);
    PauseForever();
  });
  ASSERT_TRUE(cgroup->AddProcess(child.pid()).ok());
  child.Start();
  std::optional<long> forked = child.ReadReport();
  ASSERT_TRUE(forked.has_value());
  EXPECT_EQ(*forked, 7);  // the child itself is the eighth

  absl::StatusOr<CgroupUsage> usage = cgroup->ReadUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_TRUE(usage->pids_limit_hit);
  ASSERT_TRUE(cgroup->Kill().ok());
  EXPECT_TRUE(WaitUntilEmpty(*cgroup));
  EXPECT_TRUE(KilledBySigkill(child.Wait()));
  EXPECT_TRUE(cgroup->Destroy().ok());
}

// A child with grandchildren, all in the cgroup and waiting forever.
void KillsEveryProcess(Cgroup& cgroup) {
  TestChild child([](int report_fd) -> int {
    for (int i = 0; i < 5; ++i) {
      if (fork() == 0) {
        signal(SIGTERM, SIG_IGN);
        PauseForever();
      }
    }
    TestChild::Report(report_fd, 5);
    PauseForever();
  });
  ASSERT_TRUE(cgroup.AddProcess(child.pid()).ok());
  child.Start();
  ASSERT_EQ(child.ReadReport(), 5);
  EXPECT_FALSE(cgroup.IsEmpty().value_or(true));

  ASSERT_TRUE(cgroup.Kill().ok());
  EXPECT_TRUE(WaitUntilEmpty(cgroup));
  EXPECT_TRUE(KilledBySigkill(child.Wait()));
  const std::vector<std::string> dirs = cgroup.dirs().All();
  EXPECT_TRUE(cgroup.Destroy().ok());
  RealCgroupFs fs;
  for (const std::string& dir : dirs) EXPECT_FALSE(fs.Exists(dir)) << dir;
}

TEST_F(CgroupHostTest, KillRemovesEveryProcess) {
  RequireProtection(CgroupProtection::kKill);
  absl::StatusOr<Cgroup> cgroup = tree_->Create("kill", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  KillsEveryProcess(*cgroup);
}

TEST_F(CgroupHostTest, V1FreezerKillRemovesEveryProcess) {
  CgroupTree& tree = V1OnlyTree();
  if (tree.support().mode != CgroupMode::kV1 ||
      tree.instance_dirs().freezer.empty()) {
    GTEST_SKIP() << "no v1 freezer hierarchy: " << tree.support().Summary();
  }
  absl::StatusOr<Cgroup> cgroup = tree.Create("kill", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  EXPECT_EQ(cgroup->clone_into_fd(), -1);
  KillsEveryProcess(*cgroup);
}

TEST_F(CgroupHostTest, UsageIsPlausible) {
  RequireProtection(CgroupProtection::kMemory);
  RequireProtection(CgroupProtection::kCpuTime);
  CgroupLimits limits;
  limits.memory_bytes = 256 << 20;
  limits.max_pids = 16;
  limits.cpu_quota = absl::Milliseconds(100);
  absl::StatusOr<Cgroup> cgroup = tree_->Create("usage", limits);
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  TestChild child([](int) {
    TouchMemory(48 << 20);
    volatile uint64_t sum = 0;
    for (uint64_t i = 0; i < 100'000'000; ++i) sum = sum + i;
    return 0;
  });
  ASSERT_TRUE(cgroup->AddProcess(child.pid()).ok());
  const uint64_t cpu_before = cgroup->ReadCpuTimeNs().value_or(0);
  child.Start();
  const int status = child.Wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  absl::StatusOr<CgroupUsage> usage = cgroup->ReadUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  ASSERT_TRUE(usage->cpu_time_ns.has_value());
  EXPECT_GT(*usage->cpu_time_ns, cpu_before);
  EXPECT_GT(*usage->cpu_time_ns, 10'000'000u);  // 1e8 additions take longer
  ASSERT_TRUE(usage->peak_memory_bytes.has_value());
  EXPECT_GE(*usage->peak_memory_bytes, 48u << 20);
  EXPECT_LT(*usage->peak_memory_bytes, 256u << 20);
  EXPECT_EQ(usage->oom_kills, 0u);
  EXPECT_FALSE(usage->pids_limit_hit);
  RecordProperty("cpu_time_ns", std::to_string(*usage->cpu_time_ns));
  RecordProperty("peak_memory_bytes",
                 std::to_string(*usage->peak_memory_bytes));
}

TEST_F(CgroupHostTest, CloneIntoCgroupPlacesTheChildInTheV2Cgroup) {
  absl::StatusOr<Cgroup> cgroup = tree_->Create("clone3", CgroupLimits{});
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  if (cgroup->clone_into_fd() < 0) GTEST_SKIP() << "no v2 hierarchy here";
  clone_args args{};
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup->clone_into_fd());
  long pid = syscall(SYS_clone3, &args, sizeof(args));
  ASSERT_GE(pid, 0) << strerror(errno);
  if (pid == 0) {
    // Exit 0 when /proc/self/cgroup puts us in ".../clone3" on v2.
    char buffer[4096] = {};
    FILE* file = fopen("/proc/self/cgroup", "re");
    size_t got = file ? fread(buffer, 1, sizeof(buffer) - 1, file) : 0;
    buffer[got] = '\0';
    _exit(strstr(buffer, "0::/") && strstr(buffer, "/clone3\n") ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(static_cast<pid_t>(pid), &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(CgroupHostTest, StaleInstanceOfACrashedLauncherIsKilledAndRemoved) {
  // A "launcher" that makes a sandbox with a process in it and dies without
  // cleaning up.
  int ready[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  const std::string parent = parent_;
  pid_t launcher = fork();
  if (launcher == 0) {
    RealCgroupFs fs;
    CgroupTreeOptions options;
    options.parent = parent;
    options.instance = std::to_string(getpid());
    absl::StatusOr<CgroupTree> tree = CgroupTree::Open(fs, options);
    if (!tree.ok()) _exit(1);
    absl::StatusOr<Cgroup> cgroup = tree->Create("s1", CgroupLimits{});
    if (!cgroup.ok()) _exit(2);
    pid_t sleeper = fork();
    if (sleeper == 0) PauseForever();
    if (!cgroup->AddProcess(sleeper).ok()) _exit(3);
    if (write(ready[1], &sleeper, sizeof(sleeper)) != sizeof(sleeper)) _exit(4);
    _exit(0);  // no destructors: the cgroup stays
  }
  close(ready[1]);
  pid_t sleeper = -1;
  ASSERT_EQ(read(ready[0], &sleeper, sizeof(sleeper)), sizeof(sleeper));
  close(ready[0]);
  int status;
  ASSERT_EQ(waitpid(launcher, &status, 0), launcher);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const CgroupDirs stale = [&] {
    CgroupDirs dirs = tree_->instance_dirs();
    for (std::string* dir : {&dirs.unified, &dirs.memory, &dirs.pids, &dirs.cpu,
                             &dirs.cpuacct, &dirs.freezer}) {
      if (!dir->empty()) {
        *dir = absl::StrCat(dir->substr(0, dir->rfind('/')), "/", launcher);
      }
    }
    return dirs;
  }();
  for (const std::string& dir : stale.All())
    ASSERT_TRUE(fs_.Exists(dir + "/s1"));

  absl::StatusOr<int> removed = tree_->RemoveStaleInstances(IsDeadProcessName);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1);
  ASSERT_EQ(waitpid(sleeper, &status, 0), sleeper);  // re-parented to us
  EXPECT_TRUE(KilledBySigkill(status));
  for (const std::string& dir : stale.All()) EXPECT_FALSE(fs_.Exists(dir));
  for (const std::string& dir : tree_->instance_dirs().All()) {
    EXPECT_TRUE(fs_.Exists(dir));  // ours stays
  }
}

}  // namespace
}  // namespace forge::sandbox
