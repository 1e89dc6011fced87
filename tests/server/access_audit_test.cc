// access_denied records: what they carry (and never carry), and the rate
// limit that keeps a flood of refusals from becoming a flood of audit
// writes, with the count of those left out in the next record.
#include "server/access_audit.h"

#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace forge::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AccessAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/forge-access-audit-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    auto key = Ed25519PrivateKey::Generate();
    ASSERT_TRUE(key.ok());
    audit::AuditLogOptions options;
    options.dir = dir_;
    auto log = audit::AuditLog::Open(
        options, std::make_shared<const Ed25519PrivateKey>(std::move(*key)),
        clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }
  void TearDown() override {
    log_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  // The access_denied lines, after closing the log (all written).
  std::vector<std::string> Records() {
    EXPECT_TRUE(log_->Close().ok());
    std::vector<std::string> lines;
    DIR* d = ::opendir(dir_.c_str());
    while (dirent* entry = ::readdir(d)) {
      if (!absl::EndsWith(entry->d_name, ".jsonl")) continue;
      std::ifstream file(dir_ + "/" + entry->d_name);
      std::stringstream text;
      text << file.rdbuf();
      for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
        if (absl::StrContains(line, "\"type\":\"access_denied\""))
          lines.emplace_back(line);
      }
    }
    ::closedir(d);
    return lines;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<audit::AuditLog> log_;
};

TEST_F(AccessAuditTest, RecordsTheRefusalAndTheCallerWhenKnown) {
  AccessAudit access(*log_, clock_);
  access.Denied("Execute", "ipv4:10.0.0.7:5000", nullptr,
                absl::UnauthenticatedError("bearer token not recognised"));
  auth::Caller carol{"acme", "carol",
                     static_cast<uint32_t>(auth::Role::kAuditor)};
  access.Denied("GetEvidence", "ipv4:10.0.0.8:6000", &carol,
                absl::NotFoundError("no such execution"),
                {{"requested_execution_id", "ex_42"}});
  std::vector<std::string> records = Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0], HasSubstr("\"tenant\":\"\",\"principal\":\"\""));
  EXPECT_THAT(records[0], HasSubstr("\"rpc\":\"Execute\""));
  EXPECT_THAT(records[0], HasSubstr("\"status\":\"UNAUTHENTICATED\""));
  EXPECT_THAT(records[0],
              HasSubstr("\"reason\":\"bearer token not recognised\""));
  EXPECT_THAT(records[0], HasSubstr("\"peer\":\"ipv4:10.0.0.7:5000\""));
  EXPECT_THAT(records[0], Not(HasSubstr("suppressed")));
  EXPECT_THAT(records[1],
              HasSubstr("\"tenant\":\"acme\",\"principal\":\"carol\""));
  EXPECT_THAT(records[1], HasSubstr("\"status\":\"NOT_FOUND\""));
  EXPECT_THAT(records[1], HasSubstr("\"requested_execution_id\":\"ex_42\""));
  EXPECT_THAT(records[1], HasSubstr("\"execution_id\":\"\""));
}

TEST_F(AccessAuditTest, FloodsAreRateLimitedAndTheGapIsCounted) {
  AccessAudit access(*log_, clock_, /*per_second=*/1, /*burst=*/3);
  for (int i = 0; i < 10; ++i) {
    access.Denied("ListRuntimes", "ipv4:10.0.0.9:1", nullptr,
                  absl::UnauthenticatedError("credentials required"));
  }
  EXPECT_EQ(access.suppressed(), 7u);
  clock_.Advance(absl::Seconds(1));
  access.Denied("ListRuntimes", "ipv4:10.0.0.9:1", nullptr,
                absl::UnauthenticatedError("credentials required"));
  EXPECT_EQ(access.suppressed(), 0u);
  std::vector<std::string> records = Records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_THAT(records[3], HasSubstr("\"suppressed\":\"7\""));
}

}  // namespace
}  // namespace forge::server
