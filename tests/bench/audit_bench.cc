// Benchmark of the audit log on this machine's disk: sustained records/s
// with group commit, fsync latency, and the latency the audit trail adds to
// one execution.
//
//   audit_bench [--dir DIR] [--seconds N]
//
// DIR (default ./audit-bench.<pid>, removed afterwards) must be on the disk
// being measured, not tmpfs.
//
// "Added per execution" models how the server uses the log: an execution's
// steps (execution_start, risk_assessment, sandbox_start, privacy_detection)
// are appended without waiting, overlapping the program's run (2 ms here);
// only execution_end is waited for before the client hears `finished`. The
// added latency is the time spent in those Append calls plus the wait for
// execution_end to be durable.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "server/audit/audit_log.h"
#include "server/audit/record_types.h"

namespace forge::audit {
namespace {

class LatencyObserver : public AuditObserver {
 public:
  void OnBatchCommitted(size_t records, size_t bytes, absl::Duration write_time,
                        absl::Duration fsync_time) override {
    absl::MutexLock lock(&mutex_);
    fsync_us_.push_back(absl::ToDoubleMicroseconds(fsync_time));
    write_us_.push_back(absl::ToDoubleMicroseconds(write_time));
    records_ += records;
    bytes_ += bytes;
  }
  std::vector<double> TakeFsyncs() {
    absl::MutexLock lock(&mutex_);
    write_us_.clear();
    return std::exchange(fsync_us_, {});
  }
  std::vector<double> TakeWrites() {
    absl::MutexLock lock(&mutex_);
    return std::exchange(write_us_, {});
  }

 private:
  absl::Mutex mutex_;
  std::vector<double> fsync_us_;
  std::vector<double> write_us_;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

AuditRecord Step(const char* type, const std::string& execution) {
  AuditRecord r;
  r.set_type(type);
  r.set_tenant("acme");
  r.set_principal("orchestrator-7");
  r.set_execution_id(execution);
  r.set_session_id("session-0123456789");
  auto& d = *r.mutable_details();
  d[kCodeSha256] = std::string(64, 'c');
  d["runtime"] = "python";
  d["risk_level"] = "RISK_LEVEL_LOW";
  d["rule_ids"] = "py.subprocess,py.network";
  return r;
}

// Sustained throughput: `threads` appenders, each with up to 512 records in
// flight, for `seconds`.
void Throughput(AuditLog& log, LatencyObserver& observer, int threads,
                int seconds) {
  observer.TakeFsyncs();
  std::atomic<uint64_t> acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::atomic<int> in_flight{0};
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        if (in_flight.load() >= 512) {
          absl::SleepFor(absl::Microseconds(50));
          continue;
        }
        ++in_flight;
        absl::Status queued =
            log.Append(Step(kLimitHit, absl::StrCat("tp-", t, "-", i / 8)),
                       [&](absl::StatusOr<AuditRecord> r) {
                         if (r.ok())
                           acked.fetch_add(1, std::memory_order_relaxed);
                         --in_flight;
                       });
        if (!queued.ok()) --in_flight;
      }
      while (in_flight.load() > 0) absl::SleepFor(absl::Microseconds(100));
    });
  }
  absl::SleepFor(absl::Seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  const std::vector<double> fsyncs = observer.TakeFsyncs();
  std::printf(
      "throughput: %d appender threads, %d s: %.0f records/s durable, "
      "%zu fsyncs (%.0f records per batch); fsync p50 %.0f us, p99 %.0f us\n",
      threads, seconds, acked.load() / elapsed, fsyncs.size(),
      fsyncs.empty() ? 0.0 : acked.load() / static_cast<double>(fsyncs.size()),
      Percentile(fsyncs, 0.5), Percentile(fsyncs, 0.99));
}

// Added latency per execution at `concurrency` concurrent executions.
void PerExecution(AuditLog& log, LatencyObserver& observer, int concurrency,
                  int executions_each) {
  observer.TakeFsyncs();
  absl::Mutex mutex;
  std::vector<double> added_us, final_us;
  std::vector<std::thread> workers;
  for (int c = 0; c < concurrency; ++c) {
    workers.emplace_back([&, c] {
      std::vector<double> mine, mine_final;
      for (int e = 0; e < executions_each; ++e) {
        const std::string id = absl::StrCat("ex-", concurrency, "-", c, "-", e);
        absl::Duration added;
        for (const char* type : {kExecutionStart, kRiskAssessment,
                                 kSandboxStart, kPrivacyDetection}) {
          const absl::Time t0 = absl::Now();
          if (!log.Append(Step(type, id), nullptr).ok()) std::abort();
          added += absl::Now() - t0;
        }
        absl::SleepFor(absl::Milliseconds(2));  // the program runs
        const absl::Time t0 = absl::Now();
        if (!log.AppendAndWait(Step(kExecutionEnd, id)).ok()) std::abort();
        added += absl::Now() - t0;
        mine_final.push_back(absl::ToDoubleMicroseconds(absl::Now() - t0));
        mine.push_back(absl::ToDoubleMicroseconds(added));
      }
      absl::MutexLock lock(&mutex);
      added_us.insert(added_us.end(), mine.begin(), mine.end());
      final_us.insert(final_us.end(), mine_final.begin(), mine_final.end());
    });
  }
  for (auto& w : workers) w.join();
  const std::vector<double> writes = observer.TakeWrites();
  const std::vector<double> fsyncs = observer.TakeFsyncs();
  std::printf(
      "added per execution: concurrency %2d, %zu executions: p50 %.0f us, "
      "p95 %.0f us, p99 %.0f us (waiting for execution_end: p50 %.0f us; "
      "batch write p50 %.0f us, fsync p50 %.0f us)\n",
      concurrency, added_us.size(), Percentile(added_us, 0.5),
      Percentile(added_us, 0.95), Percentile(added_us, 0.99),
      Percentile(final_us, 0.5), Percentile(writes, 0.5),
      Percentile(fsyncs, 0.5));
}

// Latency of one record appended and waited for, one at a time.
void SingleRecord(AuditLog& log, LatencyObserver& observer, int count) {
  observer.TakeFsyncs();
  std::vector<double> us;
  for (int i = 0; i < count; ++i) {
    const absl::Time t0 = absl::Now();
    if (!log.AppendAndWait(Step(kLimitHit, "single")).ok()) std::abort();
    us.push_back(absl::ToDoubleMicroseconds(absl::Now() - t0));
  }
  const std::vector<double> fsyncs = observer.TakeFsyncs();
  std::printf(
      "one record at a time, append to durable: p50 %.0f us, p99 %.0f us "
      "(of which fsync p50 %.0f us)\n",
      Percentile(us, 0.5), Percentile(us, 0.99), Percentile(fsyncs, 0.5));
}

int Main(int argc, char** argv) {
  std::string dir = absl::StrCat("./audit-bench.", getpid());
  int seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atoi(argv[i + 1]);
  }
  LatencyObserver observer;
  AuditLogOptions options;
  options.dir = dir;
  options.observer = &observer;
  auto key =
      std::make_shared<Ed25519PrivateKey>(*Ed25519PrivateKey::Generate());
  auto log = AuditLog::Open(options, key, Clock::Real());
  if (!log.ok()) {
    std::fprintf(stderr, "audit_bench: %s\n", log.status().ToString().c_str());
    return 1;
  }
  std::printf("audit_bench: log in %s (rotate at %llu MiB)\n", dir.c_str(),
              static_cast<unsigned long long>(options.rotate_bytes >> 20));
  SingleRecord(**log, observer, 1000);
  for (int concurrency : {1, 4, 16}) {
    PerExecution(**log, observer, concurrency, std::max(50, 800 / concurrency));
  }
  Throughput(**log, observer, 8, seconds);
  (*log)->Close().IgnoreError();
  std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  return 0;
}

}  // namespace
}  // namespace forge::audit

int main(int argc, char** argv) { return forge::audit::Main(argc, argv); }
