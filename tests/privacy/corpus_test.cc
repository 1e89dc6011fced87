// Recall and false positives of the built-in rules on the evaluation corpus
// (tests/privacy/data, made by generate_corpus.py), one-shot and streamed.
//
// A positive value counts as caught only when no 8-character piece of it
// (the whole value, when shorter) survives redaction. A negative line counts
// as a false positive when redaction changes it at all.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/privacy/redactor.h"

namespace forge::privacy {
namespace {

struct Positive {
  std::string type;
  std::string value;
  std::string text;
  std::string context;
};

std::string DataPath(const std::string& name) {
  const char* root = std::getenv("FORGE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/tests/privacy/data/" +
         name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Generated records (generate_corpus.py) and hand-written ones.
std::vector<Positive> LoadPositives() {
  std::vector<Positive> out;
  for (const char* file : {"positives.jsonl", "handwritten_positives.jsonl"}) {
    for (absl::string_view line :
         absl::StrSplit(ReadFile(DataPath(file)), '\n', absl::SkipEmpty())) {
      auto j = nlohmann::json::parse(line.begin(), line.end());
      out.push_back(Positive{j["type"], j["value"], j["text"], j["context"]});
    }
  }
  return out;
}

std::vector<std::string> LoadNegatives() {
  std::vector<std::string> out;
  for (const char* file : {"negatives.txt", "handwritten_negatives.txt"}) {
    for (absl::string_view line :
         absl::StrSplit(ReadFile(DataPath(file)), '\n', absl::SkipEmpty())) {
      out.push_back(std::string(line) + "\n");
    }
  }
  return out;
}

bool Caught(const std::string& value, const std::string& redacted) {
  if (value.size() < 8) return redacted.find(value) == std::string::npos;
  for (size_t i = 0; i + 8 <= value.size(); ++i) {
    if (redacted.find(value.substr(i, 8)) != std::string::npos) return false;
  }
  return true;
}

// Types whose values start with a fixed, documented prefix: 100% required.
const std::set<std::string> kFixedPrefixTypes = {
    "AWS_ACCESS_KEY_ID", "GCP_API_KEY",
    "GITHUB_TOKEN",      "GITLAB_TOKEN",
    "BITBUCKET_TOKEN",   "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY", "HUGGINGFACE_TOKEN",
    "SLACK_TOKEN",       "SLACK_WEBHOOK",
    "STRIPE_KEY",        "TWILIO_KEY",
    "SENDGRID_KEY",      "NPM_TOKEN",
    "PYPI_TOKEN",        "JWT",
    "PRIVATE_KEY",       "AZURE_CONNECTION_STRING"};

class CorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = Redactor::CreateFromConfig({});
    ASSERT_TRUE(r.ok()) << r.status();
    redactor_ = r->release();
    positives_ = new std::vector<Positive>(LoadPositives());
    negatives_ = new std::vector<std::string>(LoadNegatives());
  }
  static void TearDownTestSuite() {
    delete redactor_;
    delete positives_;
    delete negatives_;
  }

  static std::string OneShot(const std::string& text) {
    return redactor_->Redact(text, redactor_->DefaultOptions());
  }
  static std::string Streamed(const std::string& text,
                              const std::vector<size_t>& cuts) {
    auto stream = redactor_->NewStream(redactor_->DefaultOptions());
    std::string out;
    size_t prev = 0;
    for (size_t cut : cuts) {
      stream->Feed(absl::string_view(text).substr(prev, cut - prev), &out);
      prev = cut;
    }
    stream->Feed(absl::string_view(text).substr(prev), &out);
    stream->Flush(&out);
    return out;
  }

  static Redactor* redactor_;
  static std::vector<Positive>* positives_;
  static std::vector<std::string>* negatives_;
};

Redactor* CorpusTest::redactor_ = nullptr;
std::vector<Positive>* CorpusTest::positives_ = nullptr;
std::vector<std::string>* CorpusTest::negatives_ = nullptr;

TEST_F(CorpusTest, CorpusIsLargeAndVaried) {
  std::set<std::string> types;
  for (const Positive& p : *positives_) {
    types.insert(p.type);
    ASSERT_NE(p.text.find(p.value), std::string::npos) << p.value;
  }
  EXPECT_GE(positives_->size(), 500u);
  EXPECT_GE(types.size(), 25u);
  EXPECT_GE(negatives_->size(), 500u);
}

TEST_F(CorpusTest, RecallPerTypeAndOverall) {
  struct Tally {
    int total = 0;
    int caught = 0;
  };
  std::map<std::string, Tally> by_type;
  int total = 0, caught = 0;
  std::vector<std::string> misses;
  for (const Positive& p : *positives_) {
    const std::string out = OneShot(p.text + "\n");
    const bool ok = Caught(p.value, out);
    by_type[p.type].total++;
    by_type[p.type].caught += ok;
    total++;
    caught += ok;
    if (!ok && misses.size() < 40) {
      misses.push_back(absl::StrFormat("%s (%s): %s\n  -> %s", p.type,
                                       p.context, p.text, out));
    }
  }
  std::cout << absl::StrFormat("%-26s %7s %7s %8s\n", "type", "values",
                               "caught", "recall");
  for (const auto& [type, t] : by_type) {
    std::cout << absl::StrFormat("%-26s %7d %7d %7.1f%%\n", type, t.total,
                                 t.caught, 100.0 * t.caught / t.total);
  }
  std::cout << absl::StrFormat("%-26s %7d %7d %7.1f%%\n", "OVERALL", total,
                               caught, 100.0 * caught / total);
  for (const std::string& m : misses) std::cout << "MISS " << m << "\n";

  EXPECT_GE(100.0 * caught / total, 99.0);
  for (const auto& [type, t] : by_type) {
    if (kFixedPrefixTypes.count(type)) {
      EXPECT_EQ(t.caught, t.total) << type << " is a fixed-prefix type";
    }
  }
}

TEST_F(CorpusTest, FalsePositiveRate) {
  int changed = 0;
  std::vector<std::string> shown;
  for (const std::string& line : *negatives_) {
    const std::string out = OneShot(line);
    if (out != line) {
      ++changed;
      if (shown.size() < 40) shown.push_back(line + "  -> " + out);
    }
  }
  const double rate = 100.0 * changed / negatives_->size();
  std::cout << absl::StrFormat("negative lines: %d, changed: %d (%.2f%%)\n",
                               negatives_->size(), changed, rate);
  for (const std::string& s : shown) std::cout << "FP " << s;
  EXPECT_LE(rate, 1.0);
}

// Every split point of every short record, one cut at a time.
TEST_F(CorpusTest, StreamEqualsOneShotAtEverySplitPoint) {
  std::vector<std::string> records;
  for (const Positive& p : *positives_) records.push_back(p.text + "\n");
  for (const std::string& n : *negatives_) records.push_back(n);
  size_t checked = 0;
  for (const std::string& text : records) {
    if (text.size() > 400) continue;
    const std::string expected = OneShot(text);
    for (size_t cut = 1; cut < text.size(); ++cut) {
      ASSERT_EQ(Streamed(text, {cut}), expected)
          << "split at " << cut << " of: " << text;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50000u);
}

// Long records and the whole corpus in random chunks (1..64 KiB, often tiny).
TEST_F(CorpusTest, StreamEqualsOneShotInRandomSplits) {
  std::mt19937 rng(7);
  std::string all;
  for (const Positive& p : *positives_) {
    const std::string text = p.text + "\n";
    all += text;
    const std::string expected = OneShot(text);
    for (int round = 0; round < 3; ++round) {
      std::vector<size_t> cuts;
      for (size_t c = 1 + rng() % 7; c < text.size(); c += 1 + rng() % 23) {
        cuts.push_back(c);
      }
      ASSERT_EQ(Streamed(text, cuts), expected) << text;
    }
  }
  for (const std::string& n : *negatives_) all += n;
  const std::string expected = OneShot(all);
  for (int round = 0; round < 5; ++round) {
    std::vector<size_t> cuts;
    for (size_t c = 0;;) {
      const size_t step = round % 2 == 0 ? 1 + rng() % 64 : 1 + rng() % 65536;
      c += step;
      if (c >= all.size()) break;
      cuts.push_back(c);
    }
    EXPECT_EQ(Streamed(all, cuts), expected) << "round " << round;
  }
}

}  // namespace
}  // namespace forge::privacy
