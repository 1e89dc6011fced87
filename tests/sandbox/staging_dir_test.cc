// MakeStagingDir names the directory after the launcher; RemoveStaleStagingDirs
// removes only empty directories of launchers that are gone.
#include "sandbox/staging_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace forge::sandbox {
namespace {

class StagingDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/forge-staging-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    parent_ = dir;
  }
  void TearDown() override {
    std::system(absl::StrCat("rm -rf ", parent_).c_str());
  }
  bool Exists(const std::string& path) const {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }
  std::string parent_;
};

TEST_F(StagingDirTest, NamedAfterThePidWithMode0755) {
  absl::StatusOr<std::string> dir = MakeStagingDir(parent_, 4242);
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_TRUE(absl::StartsWith(*dir, parent_ + "/forge-launcher-4242-"))
      << *dir;
  struct stat st;
  ASSERT_EQ(::stat(dir->c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST_F(StagingDirTest, RemovesOnlyEmptyDirectoriesOfDeadLaunchers) {
  auto dead = MakeStagingDir(parent_, 101);
  auto alive = MakeStagingDir(parent_, 202);
  auto own = MakeStagingDir(parent_, 303);
  auto dead_not_empty = MakeStagingDir(parent_, 404);
  ASSERT_TRUE(dead.ok() && alive.ok() && own.ok() && dead_not_empty.ok());
  std::ofstream(*dead_not_empty + "/file") << "kept";
  // Other names are never touched, even if they look close.
  ASSERT_EQ(::mkdir((parent_ + "/forge-launcher-abcdef").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((parent_ + "/other-101-x").c_str(), 0755), 0);

  absl::StatusOr<int> removed = RemoveStaleStagingDirs(
      parent_, 303, [](absl::string_view pid) { return pid != "202"; });
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(Exists(*dead));
  EXPECT_TRUE(Exists(*alive));
  EXPECT_TRUE(Exists(*own));
  EXPECT_TRUE(Exists(*dead_not_empty + "/file"));
  EXPECT_TRUE(Exists(parent_ + "/forge-launcher-abcdef"));
  EXPECT_TRUE(Exists(parent_ + "/other-101-x"));
}

TEST_F(StagingDirTest, UnreadableParentIsAnError) {
  EXPECT_FALSE(
      RemoveStaleStagingDirs(parent_ + "/missing", 1, [](absl::string_view) {
        return true;
      }).ok());
}

}  // namespace
}  // namespace forge::sandbox
