// WorkerPool's logic with a fake sandbox factory: filling and refilling,
// never handing a sandbox out twice, making one on the request path when
// the pool is empty, and destroying ready sandboxes on shutdown. A fake
// sandbox's "life" is the write end of a pipe the test holds the read end
// of: the sandbox is destroyed exactly when that end closes.
#include "server/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <deque>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forge::server {
namespace {

class FakeFactory : public SandboxFactory {
 public:
  struct Pending {
    std::string runtime;
    bool warm;
    bool background;
    std::vector<sandbox::BindMount> extra_binds;
    Done done;
  };

  void Create(const std::string& runtime, bool warm, bool background,
              std::vector<sandbox::BindMount> extra_binds, Done done) override {
    pending.push_back(Pending{runtime, warm, background, std::move(extra_binds),
                              std::move(done)});
    ++created;
    if (warm) ++created_warm;
  }

  // Completes the oldest pending creation; returns the read end that sees
  // EOF once the sandbox is destroyed.
  UniqueFd CompleteOne(bool ok = true) {
    Pending next = std::move(pending.front());
    pending.pop_front();
    if (!ok) {
      std::move(next.done)(absl::InternalError("creation failed"));
      return UniqueFd();
    }
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    ReadySandbox ready;
    ready.id = absl::StrCat("fake-", next_id++);
    ready.warm = next.warm;
    ready.stdout_read.Reset(fds[1]);  // alive while this end is open
    std::move(next.done)(std::move(ready));
    return UniqueFd(fds[0]);
  }

  void CompleteAll(std::vector<UniqueFd>* lives = nullptr) {
    while (!pending.empty()) {
      UniqueFd life = CompleteOne();
      if (lives != nullptr) lives->push_back(std::move(life));
    }
  }

  std::deque<Pending> pending;
  int created = 0;
  int created_warm = 0;
  int next_id = 0;
};

class CountingObserver : public PoolObserver {
 public:
  void PoolReady(const std::string&, uint32_t ready) override {
    last_ready = ready;
  }
  void PoolRefilled(const std::string&, absl::Duration, bool ok) override {
    ok ? ++refills : ++failures;
  }
  void PoolAcquired(const std::string&, Source source, bool warm_runtime,
                    bool warm) override {
    source == Source::kPool ? ++from_pool : ++from_request_path;
    if (warm_runtime) warm ? ++warm_hits : ++warm_misses;
  }
  uint32_t last_ready = 0;
  int refills = 0, failures = 0, from_pool = 0, from_request_path = 0,
      warm_hits = 0, warm_misses = 0;
};

bool Destroyed(const UniqueFd& life) {
  pollfd poll_fd{life.get(), POLLIN, 0};
  return ::poll(&poll_fd, 1, 0) == 1 && (poll_fd.revents & POLLHUP) != 0;
}

// Acquires synchronously (the pool answers inline when a sandbox is ready;
// otherwise the fake's next completion answers).
absl::StatusOr<ReadySandbox> AcquireNow(
    WorkerPool& pool, FakeFactory& factory, const std::string& runtime,
    bool allow_warm = true, std::vector<UniqueFd>* lives = nullptr,
    std::vector<sandbox::BindMount> extra_binds = {}) {
  std::optional<absl::StatusOr<ReadySandbox>> got;
  WorkerPool::AcquireOptions options;
  options.allow_warm = allow_warm;
  options.extra_binds = std::move(extra_binds);
  pool.Acquire(
      runtime, std::move(options),
      [&](absl::StatusOr<ReadySandbox> sandbox) { got = std::move(sandbox); });
  // The on-path creation is the newest pending one.
  while (!got && !factory.pending.empty()) {
    FakeFactory::Pending last = std::move(factory.pending.back());
    factory.pending.pop_back();
    factory.pending.push_front(std::move(last));
    UniqueFd life = factory.CompleteOne();
    if (lives != nullptr) lives->push_back(std::move(life));
  }
  if (!got) return absl::InternalError("no answer");
  return std::move(*got);
}

TEST(WorkerPoolTest, FillsInTheBackgroundWithBoundedCreations) {
  FakeFactory factory;
  CountingObserver observer;
  WorkerPool pool(factory, {{"python", 4, true}}, &observer,
                  /*max_in_flight=*/2);
  EXPECT_EQ(factory.created, 0);  // nothing before Start
  pool.Start();
  EXPECT_EQ(factory.pending.size(), 2u);  // bounded in flight
  std::vector<UniqueFd> lives;
  factory.CompleteAll(&lives);  // each completion plans the next
  factory.CompleteAll(&lives);
  EXPECT_EQ(pool.ready("python"), 4u);
  EXPECT_TRUE(pool.warm("python"));
  EXPECT_EQ(factory.created_warm, 4);
  EXPECT_EQ(factory.created, 4);  // full: no more
  EXPECT_EQ(observer.refills, 4);
  EXPECT_EQ(observer.last_ready, 4u);
}

TEST(WorkerPoolTest, NeverHandsOutTheSameSandboxTwiceAndRefills) {
  FakeFactory factory;
  CountingObserver observer;
  WorkerPool pool(factory, {{"python", 2, true}}, &observer);
  pool.Start();
  std::vector<UniqueFd> lives;
  factory.CompleteAll(&lives);
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<ReadySandbox> sandbox = AcquireNow(pool, factory, "python");
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    EXPECT_TRUE(sandbox->warm);
    EXPECT_TRUE(seen.insert(sandbox->id).second) << "reused " << sandbox->id;
    // The refill the acquisition started completes before the next one.
    factory.CompleteAll(&lives);
    EXPECT_EQ(pool.ready("python"), 2u);
  }
  EXPECT_EQ(observer.from_pool, 20);
  EXPECT_EQ(observer.warm_hits, 20);
  EXPECT_EQ(observer.from_request_path, 0);
}

TEST(WorkerPoolTest, EmptyPoolMakesAColdSandboxOnTheRequestPath) {
  FakeFactory factory;
  CountingObserver observer;
  WorkerPool pool(factory, {{"python", 1, true}}, &observer);
  pool.Start();
  ASSERT_EQ(factory.pending.size(), 1u);  // the refill, not yet done
  std::optional<absl::StatusOr<ReadySandbox>> got;
  pool.Acquire("python", {}, [&](absl::StatusOr<ReadySandbox> sandbox) {
    got = std::move(sandbox);
  });
  EXPECT_FALSE(got.has_value());  // waits for its own creation
  ASSERT_EQ(factory.pending.size(), 2u);
  EXPECT_FALSE(factory.pending.back().warm);  // on-path: cold
  // The refill yields the CPU to running jobs; the request's own creation
  // does not.
  EXPECT_TRUE(factory.pending.front().background);
  EXPECT_FALSE(factory.pending.back().background);
  std::vector<UniqueFd> lives;
  // The background one finishing first does not go to the request.
  lives.push_back(factory.CompleteOne());
  EXPECT_FALSE(got.has_value());
  EXPECT_EQ(pool.ready("python"), 1u);
  lives.push_back(factory.CompleteOne());
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->ok());
  EXPECT_FALSE((*got)->warm);
  EXPECT_EQ(observer.from_request_path, 1);
  EXPECT_EQ(observer.warm_misses, 1);
}

TEST(WorkerPoolTest, JobThatCannotUseAWarmInterpreterGetsAFreshColdOne) {
  FakeFactory factory;
  WorkerPool pool(factory, {{"python", 2, true}}, nullptr);
  pool.Start();
  std::vector<UniqueFd> lives;
  factory.CompleteAll(&lives);
  absl::StatusOr<ReadySandbox> sandbox =
      AcquireNow(pool, factory, "python", /*allow_warm=*/false, &lives);
  ASSERT_TRUE(sandbox.ok());
  EXPECT_FALSE(sandbox->warm);
  EXPECT_EQ(pool.ready("python"), 2u);  // the warm ones stay for others
}

TEST(WorkerPoolTest, JobThatNeedsExtraBindsGetsAFreshSandboxWithThem) {
  FakeFactory factory;
  WorkerPool pool(factory, {{"python", 2, true}}, nullptr);
  pool.Start();
  std::vector<UniqueFd> lives;
  factory.CompleteAll(&lives);
  std::optional<absl::StatusOr<ReadySandbox>> got;
  WorkerPool::AcquireOptions options;
  options.extra_binds = {{"/host/tools", "/tools"}};
  pool.Acquire(
      "python", std::move(options),
      [&](absl::StatusOr<ReadySandbox> sandbox) { got = std::move(sandbox); });
  ASSERT_EQ(factory.pending.size(), 1u);
  EXPECT_FALSE(factory.pending.back().warm);
  ASSERT_EQ(factory.pending.back().extra_binds.size(), 1u);
  EXPECT_EQ(factory.pending.back().extra_binds[0].target, "/tools");
  lives.push_back(factory.CompleteOne());
  ASSERT_TRUE(got.has_value() && got->ok());
  EXPECT_EQ(pool.ready("python"), 2u);  // the ready ones stay for others
}

TEST(WorkerPoolTest, ZeroSizeRuntimeAlwaysCreatesOnDemand) {
  FakeFactory factory;
  WorkerPool pool(factory, {{"bash", 0, false}}, nullptr);
  pool.Start();
  EXPECT_EQ(factory.created, 0);
  std::vector<UniqueFd> lives;
  absl::StatusOr<ReadySandbox> sandbox =
      AcquireNow(pool, factory, "bash", true, &lives);
  ASSERT_TRUE(sandbox.ok());
  EXPECT_EQ(factory.created, 1);
  EXPECT_FALSE(pool.warm("bash"));
}

TEST(WorkerPoolTest, UnknownRuntimeIsNotFound) {
  FakeFactory factory;
  WorkerPool pool(factory, {{"python", 1, false}}, nullptr);
  absl::StatusOr<ReadySandbox> sandbox = AcquireNow(pool, factory, "cobol");
  EXPECT_TRUE(absl::IsNotFound(sandbox.status())) << sandbox.status();
}

TEST(WorkerPoolTest, FailedCreationPausesThatRuntime) {
  FakeFactory factory;
  CountingObserver observer;
  WorkerPool pool(factory, {{"python", 1, false}}, &observer);
  pool.Start();
  ASSERT_EQ(factory.pending.size(), 1u);
  factory.CompleteOne(/*ok=*/false);
  EXPECT_EQ(observer.failures, 1);
  EXPECT_TRUE(factory.pending.empty());  // no tight retry loop
  EXPECT_EQ(pool.ready("python"), 0u);
}

TEST(WorkerPoolTest, ShutdownDestroysReadyAndLateSandboxes) {
  FakeFactory factory;
  CountingObserver observer;
  WorkerPool pool(factory, {{"python", 3, true}, {"bash", 1, false}}, &observer,
                  /*max_in_flight=*/4);
  pool.Start();
  std::vector<UniqueFd> lives;
  lives.push_back(factory.CompleteOne());
  lives.push_back(factory.CompleteOne());
  lives.push_back(factory.CompleteOne());
  ASSERT_EQ(factory.pending.size(), 1u);  // one still being made
  for (const UniqueFd& life : lives) EXPECT_FALSE(Destroyed(life));
  pool.Shutdown();
  for (const UniqueFd& life : lives) EXPECT_TRUE(Destroyed(life));
  EXPECT_EQ(pool.ready("python"), 0u);
  // The creation in flight completes after shutdown: destroyed at once.
  UniqueFd late = factory.CompleteOne();
  EXPECT_TRUE(Destroyed(late));
  EXPECT_TRUE(factory.pending.empty());  // no refill after shutdown
  absl::StatusOr<ReadySandbox> refused = AcquireNow(pool, factory, "python");
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
}

TEST(WorkerPoolTest, TakeJobStdioFillsAndSealsAWarmSandboxsStdin) {
  ReadySandbox sandbox;
  sandbox.warm = true;
  sandbox.stdin_memfd.Reset(
      ::memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  UniqueFd program_view(
      ::open(absl::StrCat("/proc/self/fd/", sandbox.stdin_memfd.get()).c_str(),
             O_RDONLY | O_CLOEXEC));
  int out[2], err[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
  sandbox.stdout_read.Reset(out[0]);
  sandbox.stderr_read.Reset(err[0]);
  UniqueFd out_write(out[1]), err_write(err[1]);
  absl::StatusOr<JobStdio> stdio = TakeJobStdio(sandbox, "hello stdin");
  ASSERT_TRUE(stdio.ok()) << stdio.status();
  EXPECT_FALSE(stdio->program_stdin.valid());  // already in the program
  EXPECT_EQ(stdio->stdout_read.get(), out[0]);
  char buffer[64];
  ssize_t n = ::read(program_view.get(), buffer, sizeof(buffer));
  EXPECT_EQ(std::string(buffer, n > 0 ? n : 0), "hello stdin");
  EXPECT_EQ(::fcntl(program_view.get(), F_GET_SEALS) & F_SEAL_WRITE,
            F_SEAL_WRITE);
}

TEST(WorkerPoolTest, TakeJobStdioMakesFreshStdioForAColdSandbox) {
  ReadySandbox sandbox;
  absl::StatusOr<JobStdio> stdio = TakeJobStdio(sandbox, "in");
  ASSERT_TRUE(stdio.ok()) << stdio.status();
  EXPECT_TRUE(stdio->program_stdin.valid());
  EXPECT_TRUE(stdio->program_stdout.valid());
  EXPECT_TRUE(stdio->stderr_read.valid());
}

}  // namespace
}  // namespace forge::server
