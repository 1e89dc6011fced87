// Crash test of the audit log: a child process appends under load and is
// killed with SIGKILL at random moments, twelve times; each restart recovers
// the log. Every record the child saw acknowledged must be in the log with
// the same hash, and the whole log must verify. Some rounds also leave a
// torn line behind, as a power cut in the middle of a write would.
// (A kill tears a write only rarely, between two pages of a large batch, so
// torn lines are also written by hand.)
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/audit/audit_log.h"
#include "server/audit/verify.h"
#include "tests/audit/audit_test_util.h"

#ifndef FORGE_AUDIT_CRASH_CHILD
#error "FORGE_AUDIT_CRASH_CHILD must name the crash_child binary"
#endif

namespace forge::audit {
namespace {

using testing::LogFiles;
using testing::ReadFile;
using testing::TempDir;

constexpr int kRounds = 12;

struct Ack {
  uint64_t sequence;
  char hash[64];
};

// Runs the child, SIGKILLs it `run_for` after its first ack (or after its
// start, when `from_start`: then the kill may hit the log's recovery), and
// adds every ack it sent to `acked`. Returns the number of acks of the round.
int RunAndKill(const std::string& dir, const std::string& key,
               absl::Duration run_for, bool from_start,
               std::map<uint64_t, std::string>* acked) {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    if (dup2(fds[1], 3) != 3) _exit(126);  // dup2 clears O_CLOEXEC
    execl(FORGE_AUDIT_CRASH_CHILD, FORGE_AUDIT_CRASH_CHILD, dir.c_str(),
          key.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  int count = 0;
  std::string buffer;
  // Whatever happens, the child dies within 10 s.
  absl::Time kill_at = absl::Now() + (from_start ? run_for : absl::Seconds(10));
  bool killed = false;
  for (;;) {
    const absl::Duration left = kill_at - absl::Now();
    if (!killed && left <= absl::ZeroDuration()) {
      kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int timeout_ms =
        killed ? 1000 : std::max<int>(1, absl::ToInt64Milliseconds(left));
    if (poll(&p, 1, timeout_ms) < 0) continue;
    if (p.revents == 0) continue;
    char chunk[8192];
    const ssize_t n = read(fds[0], chunk, sizeof(chunk));
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, static_cast<size_t>(n));
    while (buffer.size() >= sizeof(Ack)) {
      Ack ack;
      std::memcpy(&ack, buffer.data(), sizeof(ack));
      buffer.erase(0, sizeof(ack));
      (*acked)[ack.sequence] = std::string(ack.hash, sizeof(ack.hash));
      if (count++ == 0 && !from_start) kill_at = absl::Now() + run_for;
    }
  }
  close(fds[0]);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child exited by itself (status " << status << ")";
  return count;
}

TEST(AuditCrashTest, AcknowledgedRecordsSurviveKill9) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/log";
  const std::string key = tmp.path() + "/key.pem";
  unsigned seed = std::random_device()();
  if (const char* fixed = std::getenv("FORGE_CRASH_SEED")) {
    seed = static_cast<unsigned>(std::atoi(fixed));
  }
  SCOPED_TRACE(absl::StrCat("FORGE_CRASH_SEED=", seed));
  std::mt19937 random(seed);

  std::map<uint64_t, std::string> acked;
  int torn_rounds = 0;
  for (int round = 0; round < kRounds; ++round) {
    // Every fourth round the kill may come before the first append, while
    // the log is still recovering from the previous kill.
    const bool from_start = round % 4 == 3;
    const absl::Duration run_for = absl::Milliseconds(
        std::uniform_int_distribution<int>(from_start ? 0 : 5, 100)(random));
    const int acks = RunAndKill(dir, key, run_for, from_start, &acked);
    if (!from_start) {
      EXPECT_GT(acks, 0) << "round " << round << " acknowledged nothing";
    }

    // Right after the crash the log verifies, a torn final line at most.
    VerifyReport after_crash = VerifyLogFiles(LogFiles(dir), {});
    ASSERT_TRUE(after_crash.ok) << FormatVerdict(after_crash);

    // Every third round, leave the start of a record behind as a power cut
    // mid-write would (unless the kill already left one).
    if (round % 3 == 1 && !after_crash.torn_tail) {
      const std::string last = LogFiles(dir).back();
      const std::string torn =
          absl::StrCat("{\"sequence\":", after_crash.last_sequence + 1,
                       ",\"time\":\"2024-05-01T12:00:00.0000");
      // The write lands where the records end, inside the space the log
      // reserved with NULs.
      const std::string data = ReadFile(last);
      const size_t used = data.find_last_not_of('\0');
      const size_t end = used == std::string::npos ? 0 : used + 1;
      const int fd = open(last.c_str(), O_WRONLY | O_CLOEXEC);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(pwrite(fd, torn.data(), torn.size(), static_cast<off_t>(end)),
                static_cast<ssize_t>(torn.size()));
      close(fd);
      ++torn_rounds;
    }
  }

  // A final open recovers the last crash, as a restart would.
  auto log = AuditLog::Open(
      [&] {
        AuditLogOptions options;
        options.dir = dir;
        return options;
      }(),
      std::make_shared<Ed25519PrivateKey>(
          *Ed25519PrivateKey::LoadOrGenerate(key)),
      Clock::Real());
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->Close().ok());

  auto signer = Ed25519PrivateKey::LoadOrGenerate(key);
  VerifyReport report = VerifyLogFiles(LogFiles(dir), {signer->public_key()});
  ASSERT_TRUE(report.ok) << FormatVerdict(report);
  EXPECT_TRUE(report.from_genesis);
  EXPECT_FALSE(report.torn_tail.has_value());
  int torn_recoveries = 0;
  for (const Recovery& recovery : report.recoveries) {
    torn_recoveries += recovery.reason == "torn_tail";
  }
  EXPECT_GE(torn_recoveries, torn_rounds) << FormatVerdict(report);

  // Every acknowledged record is in the log, unchanged.
  std::map<uint64_t, std::string> logged;
  for (const std::string& path : LogFiles(dir)) {
    BadLine bad;
    ASSERT_TRUE(ScanLogBytes(
                    ReadFile(path),
                    [&](const AuditRecord& r, const LinePosition&) {
                      logged[r.sequence()] = r.hash();
                      return absl::OkStatus();
                    },
                    &bad)
                    .ok());
  }
  int missing = 0;
  for (const auto& [sequence, hash] : acked) {
    auto it = logged.find(sequence);
    if (it == logged.end() || it->second != hash) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acked.size() << " acknowledged records";
  EXPECT_GT(acked.size(), 100u);
  std::printf(
      "crash test: %d kills, %zu acknowledged records, %zu in the "
      "log, %d torn tails recovered, %zu files\n",
      kRounds, acked.size(), logged.size(), torn_recoveries,
      LogFiles(dir).size());
}

}  // namespace
}  // namespace forge::audit
