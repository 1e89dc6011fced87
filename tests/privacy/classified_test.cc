// The exfiltration guard: verbatim copies (32+ bytes) of CONFIDENTIAL or
// RESTRICTED input files are redacted as CLASSIFIED_FILE.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/privacy/classified_index.h"
#include "server/privacy/redactor.h"

namespace forge::privacy {
namespace {

const char kSecretCsv[] =
    "customer_id,name,plan,notes\n"
    "1001,Northwind Traders,enterprise,renewal due Q3\n"
    "1002,Contoso Pharmaceuticals,pro,escalated ticket 8812\n"
    "1003,Fabrikam Logistics,free,trial extended twice\n";

class ClassifiedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = Redactor::CreateFromConfig({});
    ASSERT_TRUE(r.ok()) << r.status();
    redactor_ = r->release();
  }
  static void TearDownTestSuite() { delete redactor_; }

  StreamOptions Options(const std::vector<std::string>& files) const {
    StreamOptions options = redactor_->DefaultOptions();
    options.classified = ClassifiedIndex::Build(files);
    return options;
  }

  static Redactor* redactor_;
};

Redactor* ClassifiedTest::redactor_ = nullptr;

TEST_F(ClassifiedTest, AVerbatimCopyOfTheWholeFileIsOneMarker) {
  const auto options = Options({kSecretCsv});
  RedactionCounts counts;
  const std::string out = redactor_->Redact(
      absl::StrCat("$ cat data.csv\n", kSecretCsv, "$ echo done\ndone\n"),
      options, &counts);
  EXPECT_EQ(out,
            "$ cat data.csv\n[REDACTED:CLASSIFIED_FILE]$ echo done\ndone\n");
  EXPECT_EQ(counts, (RedactionCounts{{"CLASSIFIED_FILE", 1}}));
}

TEST_F(ClassifiedTest, RunsOf32BytesOrMoreAreRedactedShorterOnesAreNot) {
  const auto options = Options({kSecretCsv});
  // 31 bytes of the file: not a copy worth redacting.
  const std::string short_piece = std::string(kSecretCsv).substr(28, 31);
  EXPECT_EQ(redactor_->Redact(absl::StrCat("x ", short_piece, " y\n"), options),
            absl::StrCat("x ", short_piece, " y\n"));
  // 40 bytes from the middle of a line, embedded in other output.
  const std::string piece = std::string(kSecretCsv).substr(80, 40);
  const std::string out =
      redactor_->Redact(absl::StrCat("log: ", piece, " [end]\n"), options);
  EXPECT_EQ(out, "log: [REDACTED:CLASSIFIED_FILE] [end]\n");
}

TEST_F(ClassifiedTest, CopiesOfShortLinesAcrossManyLinesAreCaught) {
  // Every line is shorter than 32 bytes; the copy as a whole is not.
  const std::string file = "a=1\nb=22\nc=333\nd=4444\ne=55555\nf=666666\n";
  const auto options = Options({file});
  EXPECT_EQ(redactor_->Redact(file, options), "[REDACTED:CLASSIFIED_FILE]");
}

TEST_F(ClassifiedTest, StreamedInAnySplitsItMatchesOneShot) {
  const auto options = Options({kSecretCsv});
  const std::string text = absl::StrCat("head\n", kSecretCsv, "tail\n");
  const std::string expected = redactor_->Redact(text, options);
  std::mt19937 rng(3);
  for (int round = 0; round < 50; ++round) {
    auto s = redactor_->NewStream(options);
    std::string out;
    for (size_t off = 0; off < text.size();) {
      const size_t n = 1 + rng() % 23;
      s->Feed(absl::string_view(text).substr(off, n), &out);
      off += n;
    }
    s->Flush(&out);
    ASSERT_EQ(out, expected) << "round " << round;
  }
}

TEST_F(ClassifiedTest, ALineLeavesOnceNoCopyCanReachItOrTheIdleTimerCome) {
  const auto options = Options({kSecretCsv});
  auto s = redactor_->NewStream(options);
  std::string out;
  const std::string line = "an ordinary line that is not in the file\n";
  s->Feed(line, &out);
  EXPECT_EQ(out, "");  // a copy could still start within its last bytes
  s->Feed(std::string(ClassifiedIndex::kLookBack - 1, '.'), &out);
  EXPECT_EQ(out, "");  // a copy found now could still reach back into it
  s->Feed(".", &out);
  EXPECT_EQ(out, line);
  s->Feed("x", &out);
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, line + std::string(ClassifiedIndex::kLookBack, '.') + "x");
}

TEST_F(ClassifiedTest, IdleReleaseInsideACopyRedactsWhatIsAlreadyVerified) {
  const auto options = Options({kSecretCsv});
  auto s = redactor_->NewStream(options);
  std::string out;
  const std::string file = kSecretCsv;
  s->Feed(file.substr(0, 40), &out);  // the copy has started
  s->ReleaseHeld(&out);
  EXPECT_EQ(out.find("customer_id,name"), std::string::npos);
  s->Feed(file.substr(40), &out);
  s->Flush(&out);
  EXPECT_EQ(out.find("Northwind"), std::string::npos);
  EXPECT_EQ(out.find("Contoso"), std::string::npos);
}

TEST_F(ClassifiedTest, NoFilesNoGuard) {
  EXPECT_TRUE(ClassifiedIndex::Build({})->empty());
  EXPECT_TRUE(ClassifiedIndex::Build({"too short"})->empty());
  EXPECT_EQ(redactor_->Redact(kSecretCsv, redactor_->DefaultOptions()),
            kSecretCsv);
}

TEST_F(ClassifiedTest, FillerIsNotIndexed) {
  // A file of padding: runs of one repeated byte are not reported.
  const std::string pad(200, ' ');
  const auto options = Options({pad});
  EXPECT_EQ(redactor_->Redact(pad + "\n", options), pad + "\n");
}

}  // namespace
}  // namespace forge::privacy
