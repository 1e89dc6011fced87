// ApprovalGate: the server's side of human approval (DESIGN §5). It owns the
// approval registry, the key that signs approval tokens and one timer
// thread, and connects them to the audit log and the metrics:
//
//   Execute (REQUIRE_APPROVAL) ──Request()──► PENDING ──Wait()──┐
//   DecideApproval ──Decide()──► audit approval_response ──► waiters run
//   timer thread ──► expiry: audit approval_expired ──► waiters run
//                ──► approval_wait elapsed ──► that waiter runs
//                ──► state file rewritten after every change
//
// A waiting execution holds no thread and no admission slot: it is a
// callback here until something happens. Waiters run only after the record
// that explains them is durable, and never on the thread that called Wait.
//
// Restart: pending approvals are kept in a state file (written atomically by
// the timer thread after each change; approval_required and decisions go out
// only once it holds them); at Open those left pending by the
// previous process become EXPIRED with an approval_expired record (reason
// server_restart). The token key is persisted, so issued tokens stay valid.
//
// Thread-safe. Callbacks run on the timer thread or the audit writer thread;
// they must not block and must not call Close.
#ifndef FORGE_SERVER_APPROVAL_GATE_H_
#define FORGE_SERVER_APPROVAL_GATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cars/approval_registry.h"
#include "cars/approval_token.h"
#include "forge/exec/v1/config.pb.h"
#include "forge/exec/v1/execution.pb.h"
#include "server/audit/audit_log.h"
#include "server/auth/caller.h"
#include "server/metrics.h"
#include "spdlog/logger.h"

namespace forge::server {

struct ApprovalGateOptions {
  absl::Duration ttl = absl::Hours(1);
  absl::Duration token_ttl = absl::Hours(1);
  std::string signing_key_path;
  std::string state_path;

  // config.approvals with defaults (keys and state beside the audit log).
  // INVALID_ARGUMENT naming the field for a negative or zero duration.
  static absl::StatusOr<ApprovalGateOptions> FromConfig(
      const forge::exec::v1::ServerConfig& config);
};

class ApprovalGate {
 public:
  enum class Resolution { kApproved, kDenied, kExpired, kWaitElapsed };
  // The approval as it is when the wait ends.
  using ResolveCallback =
      absl::AnyInvocable<void(Resolution, const forge::exec::v1::Approval&) &&>;
  using DecideCallback =
      absl::AnyInvocable<void(absl::StatusOr<forge::exec::v1::Approval>) &&>;

  // Loads (or generates, mode 0600) the token key, restores the state file
  // (auditing the approvals it expires; this waits for the log) and starts
  // the timer thread. `audit` and `metrics` must outlive the gate. Errors:
  // the key's or the state file's, or the audit log's.
  static absl::StatusOr<std::unique_ptr<ApprovalGate>> Open(
      const ApprovalGateOptions& options, audit::AuditLog& audit,
      ServerMetrics& metrics, std::shared_ptr<spdlog::logger> log);
  // Close()s.
  ~ApprovalGate();
  ApprovalGate(const ApprovalGate&) = delete;
  ApprovalGate& operator=(const ApprovalGate&) = delete;

  // A new PENDING approval expiring after options.ttl.
  forge::exec::v1::Approval Request(const cars::ApprovalRequest& request);

  // Runs `done` on the timer thread once the state file holds every change
  // made before this call (also when writing it failed; that is logged).
  void WhenPersisted(absl::AnyInvocable<void() &&> done);

  // Runs `done` exactly once — when `approval` is decided (after the
  // decision is durable), expires, or `deadline` passes, whichever comes
  // first — unless CancelWait(handle) returns true first. Never runs `done`
  // on the calling thread.
  uint64_t Wait(const forge::exec::v1::Approval& approval, absl::Time deadline,
                ResolveCallback done);
  // True if the wait was withdrawn (its callback will not run).
  bool CancelWait(uint64_t handle);
  // Ends every wait now as if its approval_wait had elapsed, for a drain:
  // the waiting streams finish with APPROVAL_PENDING instead of holding the
  // shutdown; the approvals stay pending (and expire at the next start).
  // Waits that start later end at once the same way.
  void EndWaits();

  // DecideApproval for `caller`: the registry's rules (NOT_FOUND,
  // INVALID_ARGUMENT, PERMISSION_DENIED, FAILED_PRECONDITION), UNAVAILABLE
  // while the audit log refuses records. An approval gets a token. `done`
  // runs once: inline on error, otherwise on the timer thread once the
  // approval_response record and the state file hold the decision.
  void Decide(const auth::Caller& caller,
              const forge::exec::v1::DecideApprovalRequest& request,
              DecideCallback done);

  // ListApprovals for `caller`'s tenant.
  absl::StatusOr<forge::exec::v1::ListApprovalsResponse> List(
      const auth::Caller& caller,
      const forge::exec::v1::ListApprovalsRequest& request) const;

  // Checks `request.approval_token` against `request`, `caller` and the
  // current `policy_version` (approval_token.h).
  cars::TokenCheck CheckToken(const forge::exec::v1::ExecuteRequest& request,
                              const auth::Caller& caller,
                              const std::string& policy_version) const;

  // Stops the timer thread (pending waits are dropped without running) and
  // writes the state file. Idempotent.
  void Close();

 private:
  struct Waiter {
    std::string approval_id;
    absl::Time deadline;
    ResolveCallback done;
  };
  struct Ready {
    Resolution resolution;
    forge::exec::v1::Approval approval;
    ResolveCallback done;
  };

  ApprovalGate(const ApprovalGateOptions& options,
               std::shared_ptr<const Ed25519PrivateKey> key,
               audit::AuditLog& audit, ServerMetrics& metrics,
               std::shared_ptr<spdlog::logger> log);

  // Hands every waiter of `approval` to the timer thread with `resolution`.
  void ResolveWaiters(const forge::exec::v1::Approval& approval,
                      Resolution resolution);
  void MarkDirty();
  void TimerLoop();
  // Timer thread: audits the approvals that just expired.
  void RecordExpired(std::vector<forge::exec::v1::Approval> expired);
  absl::Status WriteState();

  const ApprovalGateOptions options_;
  const cars::ApprovalTokenSigner signer_;
  audit::AuditLog& audit_;
  ServerMetrics& metrics_;
  const std::shared_ptr<spdlog::logger> log_;
  cars::ApprovalRegistry registry_;

  absl::Mutex mutex_;
  absl::CondVar wake_;
  bool closing_ ABSL_GUARDED_BY(mutex_) = false;
  bool waits_ended_ ABSL_GUARDED_BY(mutex_) = false;  // EndWaits was called
  bool dirty_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t next_handle_ ABSL_GUARDED_BY(mutex_) = 1;
  absl::flat_hash_map<uint64_t, Waiter> waiters_ ABSL_GUARDED_BY(mutex_);
  std::vector<Ready> ready_ ABSL_GUARDED_BY(mutex_);
  std::vector<absl::AnyInvocable<void() &&>> persist_waiters_
      ABSL_GUARDED_BY(mutex_);
  std::thread timer_;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_APPROVAL_GATE_H_
