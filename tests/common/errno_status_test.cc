#include "common/errno_status.h"

#include <cerrno>

#include "gtest/gtest.h"

namespace forge {
namespace {

TEST(ErrnoStatusTest, LastErrorReadsErrnoAndKeepsContext) {
  errno = ENOENT;
  absl::Status s = LastErrorStatus("open /nope");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "open /nope: No such file or directory");
  errno = EPERM;
  EXPECT_EQ(LastErrorStatus("y").code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace forge
