// Streaming behaviour: values split across reads, bounded hold-back, idle
// release, PEM blocks, long lines, independence of streams.
#include "server/privacy/redaction_stream.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/privacy/redactor.h"

namespace forge::privacy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAwsKey[] = "AKIAIOSFODNN7EXAMPLE";

class StreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = Redactor::CreateFromConfig({});
    ASSERT_TRUE(r.ok()) << r.status();
    redactor_ = r->release();
  }
  static void TearDownTestSuite() { delete redactor_; }

  std::unique_ptr<RedactionStream> NewStream() const {
    return redactor_->NewStream(redactor_->DefaultOptions());
  }
  std::string OneShot(const std::string& text) const {
    return redactor_->Redact(text, redactor_->DefaultOptions());
  }

  static Redactor* redactor_;
};

Redactor* StreamTest::redactor_ = nullptr;

TEST_F(StreamTest, ValueSplitAcrossTwoReadsIsRedacted) {
  auto s = NewStream();
  std::string out;
  s->Feed("export AWS_ACCESS_KEY_ID=AKIAIOSF", &out);
  EXPECT_EQ(out, "");  // the line is not complete: held
  EXPECT_GT(s->held_bytes(), 0u);
  s->Feed("ODNN7EXAMPLE\nnext\n", &out);
  EXPECT_EQ(out,
            "export AWS_ACCESS_KEY_ID=[REDACTED:AWS_ACCESS_KEY_ID]\nnext\n");
  EXPECT_EQ(s->held_bytes(), 0u);
  EXPECT_EQ(s->counts(), (RedactionCounts{{"AWS_ACCESS_KEY_ID", 1}}));
}

TEST_F(StreamTest, CompleteLinesLeaveAtOnce) {
  auto s = NewStream();
  std::string out;
  s->Feed("line one\nline two\npartial", &out);
  EXPECT_EQ(out, "line one\nline two\n");
  EXPECT_EQ(s->held_bytes(), std::string("partial").size());
  s->Feed("\r", &out);  // a carriage return ends a record too
  EXPECT_EQ(out, "line one\nline two\npartial\r");
  EXPECT_EQ(s->held_bytes(), 0u);
}

TEST_F(StreamTest, FlushReleasesTheLastLineRedacted) {
  auto s = NewStream();
  std::string out;
  s->Feed(absl::StrCat("key ", kAwsKey), &out);
  EXPECT_EQ(out, "");
  s->Flush(&out);
  EXPECT_EQ(out, "key [REDACTED:AWS_ACCESS_KEY_ID]");
  EXPECT_EQ(s->bytes_in(), absl::StrCat("key ", kAwsKey).size());
  EXPECT_EQ(s->bytes_out(), out.size());
}

TEST_F(StreamTest, IdleReleaseLetsHarmlessPartialLinesOut) {
  auto s = NewStream();
  std::string out;
  s->Feed("Enter your name: ", &out);
  EXPECT_EQ(out, "");
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, "Enter your name: ");
  EXPECT_EQ(s->held_bytes(), 0u);
  s->Feed("Ana\nok\n", &out);
  EXPECT_EQ(out, "Enter your name: Ana\nok\n");
  EXPECT_EQ(s->redaction_count(), 0u);
}

TEST_F(StreamTest,
       IdleReleaseRedactsAFragmentWithASecretPrefixAndDropsItsRest) {
  auto s = NewStream();
  std::string out;
  s->Feed("key: AKIAIOSFOD", &out);
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, "key: [REDACTED:AWS_ACCESS_KEY_ID]");
  // The program resumes the value after the pause: its rest never shows.
  s->Feed("NN7EXAMPLE done\n", &out);
  EXPECT_EQ(out, "key: [REDACTED:AWS_ACCESS_KEY_ID] done\n");
  EXPECT_THAT(out, Not(HasSubstr("NN7EXAMPLE")));
  EXPECT_EQ(s->redaction_count(), 1u);
}

TEST_F(StreamTest, FirstStageIdleReleaseKeepsADigitRunHeldAndCutsNothing) {
  // A number split by a brief pause: the first stage releases the text
  // before it and holds the digits; when the rest arrives the number comes
  // out whole and unredacted.
  auto s = NewStream();
  std::string out;
  s->Feed("row 17: 00000012", &out);
  s->ReleaseHeld(&out, /*hold_value_start=*/true);
  EXPECT_EQ(out, "row 17: ");
  EXPECT_EQ(s->held_bytes(), 8u);
  s->Feed("6697\n", &out);
  EXPECT_EQ(out, "row 17: 000000126697\n");
  EXPECT_EQ(s->redaction_count(), 0u);
}

TEST_F(StreamTest, SecondStageIdleReleaseRedactsTheHeldValueStart) {
  auto s = NewStream();
  std::string out;
  s->Feed("key: AKIAIOSFOD", &out);
  s->ReleaseHeld(&out, /*hold_value_start=*/true);
  EXPECT_EQ(out, "key: ");
  EXPECT_GT(s->held_bytes(), 0u);
  s->ReleaseHeld(&out);  // the program stayed quiet
  EXPECT_EQ(out, "key: [REDACTED:AWS_ACCESS_KEY_ID]");
  s->Feed("NN7EXAMPLE done\n", &out);
  EXPECT_EQ(out, "key: [REDACTED:AWS_ACCESS_KEY_ID] done\n");
}

TEST_F(StreamTest, FirstStageIdleReleaseLetsAHarmlessPromptOut) {
  auto s = NewStream();
  std::string out;
  s->Feed("Enter your name: ", &out);
  s->ReleaseHeld(&out, /*hold_value_start=*/true);
  EXPECT_EQ(out, "Enter your name: ");
  EXPECT_EQ(s->held_bytes(), 0u);
}

TEST_F(StreamTest, IdleReleaseRedactsAPartialPasswordValue) {
  auto s = NewStream();
  std::string out;
  s->Feed("db_password=hun", &out);
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, "db_password=[REDACTED:PASSWORD]");
  s->Feed("ter2 user=bob\n", &out);
  EXPECT_EQ(out, "db_password=[REDACTED:PASSWORD] user=bob\n");
}

TEST_F(StreamTest, IdleReleaseOfAHarmlessStartStillCatchesTheValueAfterIt) {
  // "password=" alone is released; the value that follows the pause is
  // matched with the released part as context.
  auto s = NewStream();
  std::string out;
  s->Feed("password=", &out);
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, "password=");
  s->Feed("hunter2\n", &out);
  EXPECT_EQ(out, "password=[REDACTED:PASSWORD]\n");
}

TEST_F(StreamTest, IdleReleaseSplitInsideAFixedPrefixLeaksOnlyThatPrefix) {
  auto s = NewStream();
  std::string out;
  s->Feed("token AK", &out);
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, "token AK");
  s->Feed("IAIOSFODNN7EXAMPLE\n", &out);
  EXPECT_EQ(out, "token AK[REDACTED:AWS_ACCESS_KEY_ID]\n");
}

TEST_F(StreamTest, IdleReleaseRedactsSixOrMoreDigitsAsPartial) {
  auto s = NewStream();
  std::string out;
  s->Feed("card 4111 1111 11", &out);
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, "card [REDACTED:PARTIAL]");
  s->Feed("11 1111\n", &out);
  EXPECT_THAT(out, Not(HasSubstr("1111")));
  s->Feed("pid 42", &out);
  s->ReleaseHeld(&out);
  EXPECT_THAT(out, HasSubstr("pid 42"));  // short numbers are released
}

TEST_F(StreamTest, PemKeyIsOneMarkerAndIsNotHeld) {
  const std::string key =
      "-----BEGIN RSA PRIVATE KEY-----\n"
      "MIIEowIBAAKCAQEAuKmJ1x3Wl5kJ0tY8VZ4QG1iU0qS0YkYH3X6r1x2bJbKx0wXn\n"
      "Rz7s9oYc5fX0aPq0cW1Jq2Yb8Zk3rS1oV4wL7u9pQ2mN5tR8yU1vX4zA7bC0dE3f\n"
      "-----END RSA PRIVATE KEY-----";
  auto s = NewStream();
  std::string out;
  s->Feed("loaded key:\n-----BEGIN RSA PRIVATE KEY-----\n", &out);
  // The marker is out as soon as the begin line is complete.
  EXPECT_EQ(out, "loaded key:\n[REDACTED:PRIVATE_KEY]");
  EXPECT_EQ(s->held_bytes(), 0u);
  s->Feed(key.substr(key.find('\n') + 1) + "\nready\n", &out);
  EXPECT_EQ(out, "loaded key:\n[REDACTED:PRIVATE_KEY]\nready\n");
  EXPECT_EQ(out, OneShot("loaded key:\n" + key + "\nready\n"));
  EXPECT_EQ(s->counts(), (RedactionCounts{{"PRIVATE_KEY", 1}}));
}

TEST_F(StreamTest, TruncatedPemKeyEndsAtTheFirstLineThatIsNotKeyMaterial) {
  const std::string text =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7\n"
      "Traceback (most recent call last):\n";
  EXPECT_EQ(OneShot(text),
            "[REDACTED:PRIVATE_KEY]\nTraceback (most recent call last):\n");
}

TEST_F(StreamTest, IdleReleaseInsideAPemKeyKeepsDroppingTheKey) {
  auto s = NewStream();
  std::string out;
  s->Feed("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA",
          &out);
  s->ReleaseHeld(&out);
  EXPECT_EQ(out, "[REDACTED:PRIVATE_KEY]");
  s->Feed("BG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\nafter\n",
          &out);
  EXPECT_EQ(out, "[REDACTED:PRIVATE_KEY]\nafter\n");
}

TEST_F(StreamTest, LongLinesFlowInWindowsAndStillCatchValuesAtTheSeams) {
  // A 300 KB line without a newline: held bytes stay bounded, and a key
  // placed across the first window's commit point is redacted.
  std::string line(300 * 1024, 'x');
  for (size_t i = 0; i < line.size(); i += 50) line[i] = ' ';
  const size_t seam =
      RedactionStream::kMaxRecord - RedactionStream::kWindowOverlap;
  const std::string key = absl::StrCat(" ", kAwsKey, " ");
  line.replace(seam - 10, key.size(), key);
  line.replace(200 * 1024, key.size(), key);
  auto s = NewStream();
  std::string out;
  size_t max_held = 0;
  for (size_t off = 0; off < line.size(); off += 4096) {
    s->Feed(line.substr(off, 4096), &out);
    max_held = std::max(max_held, s->held_bytes());
  }
  EXPECT_LE(max_held, RedactionStream::kMaxRecord + 4096);
  EXPECT_GT(out.size(), 200 * 1024u);  // output kept flowing
  s->Flush(&out);
  EXPECT_EQ(out.find("AKIAIOSF"), std::string::npos);
  EXPECT_EQ(s->counts(), (RedactionCounts{{"AWS_ACCESS_KEY_ID", 2}}));
  EXPECT_TRUE(out == OneShot(line));
}

TEST_F(StreamTest, StdoutAndStderrStreamsAreIndependent) {
  auto out_stream = NewStream();
  auto err_stream = NewStream();
  std::string out, err;
  out_stream->Feed("mail jane.doe@exa", &out);
  err_stream->Feed("mail jo@exa", &err);
  out_stream->Feed("mple.com\n", &out);
  err_stream->Feed("mple.org\n", &err);
  EXPECT_EQ(out, "mail [REDACTED:EMAIL]\n");
  EXPECT_EQ(err, "mail [REDACTED:EMAIL]\n");
  EXPECT_EQ(out_stream->redaction_count(), 1u);
  EXPECT_EQ(err_stream->redaction_count(), 1u);
}

TEST_F(StreamTest, BytesOutCountsEverythingAppended) {
  auto s = NewStream();
  std::string out;
  s->Feed("a jane@corp.example.com b\nc 10.1.2.3", &out);
  s->Flush(&out);
  EXPECT_EQ(s->bytes_out(), out.size());
  EXPECT_EQ(out, "a [REDACTED:EMAIL] b\nc [REDACTED:IPV4]");
}

TEST_F(StreamTest, CsvColumnsGiveContextToTheirValues) {
  const std::string csv =
      "name,birthdate,phone\n"
      "Ana Silva,\"March 12, 1985\",020 7946 0958\n"
      "Bo Chen,1990-01-31,07700 900123\n";
  const std::string out = OneShot(csv);
  EXPECT_EQ(out,
            "name,birthdate,phone\n"
            "Ana Silva,\"[REDACTED:DATE_OF_BIRTH]\",[REDACTED:PHONE]\n"
            "Bo Chen,[REDACTED:DATE_OF_BIRTH],[REDACTED:PHONE]\n");
  // Without the header the same rows carry no context.
  EXPECT_EQ(OneShot("Bo Chen,1990-01-31,x\n"), "Bo Chen,1990-01-31,x\n");
}

}  // namespace
}  // namespace forge::privacy
