#include "sandbox/cgroup_mounts.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forge::sandbox {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(ParseCgroupMountsTest, HybridLayout) {
  const CgroupMounts mounts = ParseCgroupMounts(
      "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
      "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
      "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
      "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
      "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n"
      "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0\n"
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n");
  EXPECT_EQ(mounts.unified, "/sys/fs/cgroup/unified");
  EXPECT_THAT(mounts.v1, ElementsAre(Pair("cpu", "/sys/fs/cgroup/cpu"),
                                     Pair("memory", "/sys/fs/cgroup/memory"),
                                     Pair("pids", "/sys/fs/cgroup/pids")));
}

TEST(ParseCgroupMountsTest, PureV2) {
  const CgroupMounts mounts = ParseCgroupMounts(
      "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,"
      "nsdelegate,memory_recursiveprot 0 0\n");
  EXPECT_EQ(mounts.unified, "/sys/fs/cgroup");
  EXPECT_TRUE(mounts.v1.empty());
}

TEST(ParseCgroupMountsTest, CoMountedControllersShareAMountPoint) {
  const CgroupMounts mounts = ParseCgroupMounts(
      "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup "
      "rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0\n");
  EXPECT_THAT(mounts.v1,
              ElementsAre(Pair("cpu", "/sys/fs/cgroup/cpu,cpuacct"),
                          Pair("cpuacct", "/sys/fs/cgroup/cpu,cpuacct")));
}

TEST(ParseCgroupMountsTest, FirstMountWinsAndEscapesAreDecoded) {
  const CgroupMounts mounts = ParseCgroupMounts(
      "cgroup2 /mnt/my\\040cgroups cgroup2 rw 0 0\n"
      "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"
      "cgroup /a/memory cgroup rw,memory 0 0\n"
      "cgroup /b/memory cgroup rw,memory 0 0\n");
  EXPECT_EQ(mounts.unified, "/mnt/my cgroups");
  EXPECT_THAT(mounts.v1, ElementsAre(Pair("memory", "/a/memory")));
}

TEST(ParseCgroupMountsTest, NoCgroupMounts) {
  const CgroupMounts mounts =
      ParseCgroupMounts("sysfs /sys sysfs rw 0 0\nbroken line\n\n");
  EXPECT_TRUE(mounts.unified.empty());
  EXPECT_TRUE(mounts.v1.empty());
}

}  // namespace
}  // namespace forge::sandbox
