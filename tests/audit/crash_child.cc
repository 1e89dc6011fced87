// The process crash_test kills: it opens an audit log and appends from
// several threads as fast as the log takes records, and reports every
// acknowledged record (sequence and hash) on fd 3, until it is killed.
//
//   crash_child <log dir> <key path>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "server/audit/audit_log.h"
#include "server/audit/record_types.h"

namespace {

constexpr int kAckFd = 3;
constexpr int kThreads = 4;

// One acknowledgement: written with a single write() of fewer than PIPE_BUF
// bytes, so acks from concurrent writes never interleave.
struct Ack {
  uint64_t sequence;
  char hash[64];
};

void Report(const forge::exec::v1::AuditRecord& record) {
  Ack ack;
  ack.sequence = record.sequence();
  std::memcpy(ack.hash, record.hash().data(), sizeof(ack.hash));
  if (write(kAckFd, &ack, sizeof(ack)) != sizeof(ack)) _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_child <log dir> <key path>\n");
    return 2;
  }
  auto key = forge::Ed25519PrivateKey::LoadOrGenerate(argv[2]);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 1;
  }
  forge::audit::AuditLogOptions options;
  options.dir = argv[1];
  options.rotate_bytes = 64 << 10;
  options.sign_interval = absl::Milliseconds(20);
  options.queue_capacity = 1024;
  auto log = forge::audit::AuditLog::Open(
      options, std::make_shared<forge::Ed25519PrivateKey>(std::move(*key)),
      forge::Clock::Real());
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    return 1;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        forge::exec::v1::AuditRecord record;
        record.set_type(i % 2 == 0 ? forge::audit::kExecutionStart
                                   : forge::audit::kExecutionEnd);
        record.set_tenant("acme");
        record.set_execution_id(absl::StrCat(getpid(), "-", t, "-", i / 2));
        (*record.mutable_details())["padding"] = std::string(i % 200, 'p');
        absl::Status queued = (*log)->Append(
            std::move(record),
            [](absl::StatusOr<forge::exec::v1::AuditRecord> committed) {
              if (committed.ok()) Report(*committed);
            });
        if (!queued.ok()) absl::SleepFor(absl::Microseconds(200));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return 0;
}
