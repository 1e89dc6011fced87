// WorkerPool: per runtime, N ready sandboxes (namespaces, cgroup and mounts
// done; with a warm runtime, the interpreter already running and waiting
// for its job) handed out one per execution. A sandbox is never reused: the
// pool gives each one away exactly once and never takes it back; the
// execution destroys it when its job ends. Handing one out starts a refill
// in the background (bounded creations in flight), so a request never waits
// for a refill. When a runtime has no ready sandbox (a burst), Acquire makes
// a fresh cold one on the request path instead.
//
// Refills are made in the background (at the lowest CPU weight, so they
// take only CPU the running jobs leave idle); a request-path creation is
// not.
//
// Sandboxes come from a SandboxFactory (the launcher in the server, a fake in
// tests). Thread-safe. Callbacks run on the factory's thread or inline in
// Acquire, never under the pool's lock; they must not block.
#ifndef FORGE_SERVER_WORKER_POOL_H_
#define FORGE_SERVER_WORKER_POOL_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/unique_fd.h"
#include "sandbox/launcher_client.h"

namespace forge::server {

// One sandbox, ready for one job. Destroying it destroys the sandbox.
struct ReadySandbox {
  std::unique_ptr<sandbox::Sandbox> sandbox;  // null only with fake factories
  std::string id;
  // The interpreter runs already; its stdio was fixed at creation and the
  // server's ends are below (stdin: writable, unsealed, empty memfd).
  bool warm = false;
  UniqueFd stdin_memfd;
  UniqueFd stdout_read;
  UniqueFd stderr_read;
};

class SandboxFactory {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<ReadySandbox>) &&>;
  virtual ~SandboxFactory() = default;
  // Makes a sandbox for `runtime` (warm if `warm`), with `extra_binds`
  // besides the runtime's own; `background`: made ahead of time, at the
  // lowest CPU weight until its job starts (SandboxSpec::background).
  // `done` runs exactly once, on any thread (possibly inline), and must not
  // block.
  virtual void Create(const std::string& runtime, bool warm, bool background,
                      std::vector<sandbox::BindMount> extra_binds,
                      Done done) = 0;
};

// What the pool reports (ServerMetrics implements it).
class PoolObserver {
 public:
  enum class Source { kPool, kRequestPath };
  virtual ~PoolObserver() = default;
  virtual void PoolReady(const std::string& runtime, uint32_t ready) = 0;
  // A background creation finished (ok or not) after `elapsed`.
  virtual void PoolRefilled(const std::string& runtime, absl::Duration elapsed,
                            bool ok) = 0;
  // A sandbox was handed out. `warm_runtime`: the runtime's pool is warm;
  // then `warm` says whether this execution got a pre-started interpreter.
  virtual void PoolAcquired(const std::string& runtime, Source source,
                            bool warm_runtime, bool warm) = 0;
};

struct PoolRuntime {
  std::string name;
  uint32_t size = 0;  // ready sandboxes to keep; 0: every one on demand
  bool warm = false;  // ready sandboxes pre-start the interpreter
};

class WorkerPool {
 public:
  using AcquireCallback =
      absl::AnyInvocable<void(absl::StatusOr<ReadySandbox>) &&>;

  struct AcquireOptions {
    // False when the job must start its interpreter its own way (e.g. its
    // own env): a warm runtime then gives it a fresh cold sandbox.
    bool allow_warm = true;
    // Host paths the job needs bound (tool access): only a sandbox made
    // for it has them, so it gets a fresh cold one.
    std::vector<sandbox::BindMount> extra_binds;
  };

  // `factory` and `observer` (may be null) must outlive the pool.
  // `max_in_flight` bounds background creations across all runtimes.
  WorkerPool(SandboxFactory& factory, std::vector<PoolRuntime> runtimes,
             PoolObserver* observer, uint32_t max_in_flight = 2);
  // Shutdown(), then waits (up to a few seconds) for creations in flight.
  ~WorkerPool();

  // Starts filling every runtime's pool in the background; returns at once.
  void Start();

  // Hands out a ready sandbox of `runtime` (inline), or makes a cold one on
  // the request path when none is ready, or when `options` rule the ready
  // ones out (see AcquireOptions). `done` runs
  // exactly once: with the sandbox, or with the factory's error;
  // UNAVAILABLE after Shutdown; NOT_FOUND for a runtime the pool was not
  // given.
  void Acquire(const std::string& runtime, AcquireOptions options,
               AcquireCallback done);

  // Destroys every ready sandbox whose launcher is gone (it cannot run a
  // job any more) and refills at once, also a runtime whose last creation
  // failed (the launcher's death failed it). For the server after a
  // launcher restart; Acquire and refills skip such sandboxes anyway.
  void DiscardLost();

  uint32_t ready(const std::string& runtime) const;
  bool warm(const std::string& runtime) const;

  // Stops refilling and destroys every ready sandbox; creations still in
  // flight are destroyed as they complete. Idempotent.
  void Shutdown();

 private:
  struct RuntimeState {
    PoolRuntime config;
    std::deque<ReadySandbox> ready;
    uint32_t creating = 0;
    absl::Time retry_after = absl::InfinitePast();  // after a failure
  };
  struct Creation {
    std::string runtime;
    bool warm;
  };

  // Which creations to start now; the caller starts them unlocked.
  std::vector<Creation> PlanRefillsLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void StartCreations(std::vector<Creation> creations);
  void OnCreated(const std::string& runtime, absl::Time started,
                 absl::StatusOr<ReadySandbox> created);

  SandboxFactory& factory_;
  PoolObserver* const observer_;
  const uint32_t max_in_flight_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, RuntimeState> runtimes_
      ABSL_GUARDED_BY(mutex_);
  uint32_t in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
  bool started_ ABSL_GUARDED_BY(mutex_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mutex_) = false;
};

// The descriptors of one job's stdio. The program's ends are invalid for a
// warm sandbox (its program holds them already).
struct JobStdio {
  UniqueFd program_stdin;
  UniqueFd program_stdout;
  UniqueFd program_stderr;
  UniqueFd stdout_read;
  UniqueFd stderr_read;
};

// Readies `sandbox`'s stdio for a job whose standard input is `stdin_data`:
// a warm sandbox's memfd gets the data and is sealed; a cold one gets a
// fresh sealed memfd and two pipes. Moves the read ends out of `sandbox`.
absl::StatusOr<JobStdio> TakeJobStdio(ReadySandbox& sandbox,
                                      absl::string_view stdin_data);

}  // namespace forge::server

#endif  // FORGE_SERVER_WORKER_POOL_H_
