// ApprovalRegistry: the approvals a server knows, each PENDING until a
// person approves or denies it or it expires (DESIGN §5):
//
//   PENDING ──Decide(approve)──► APPROVED
//      │    ──Decide(deny)─────► DENIED
//      └────ExpireDue(now)─────► EXPIRED
//
// Every lookup is scoped by tenant: another tenant's approval is NOT_FOUND
// with the same message as an unknown id. The registry is pure state: it
// makes no system calls, keeps no clock (callers pass `now`) and issues no
// tokens (the caller signs one and attaches it). Snapshot/Restore let the
// server persist it across restarts.
//
// Thread-safe: every method may be called from any thread.
#ifndef FORGE_CARS_APPROVAL_REGISTRY_H_
#define FORGE_CARS_APPROVAL_REGISTRY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::cars {

// What an execution that needs approval asks for.
struct ApprovalRequest {
  std::string execution_id;
  std::string tenant;
  std::string requester;
  // ApprovalRequestDigest of the request (Approval.code_sha256).
  std::string request_sha256;
  std::string runtime;
  // Carries the policy version the approval is for.
  forge::exec::v1::RiskAssessment assessment;
  // Set (tool non-empty) when a person approves one destructive tool call
  // of a running execution rather than running its code.
  forge::exec::v1::ToolCallApproval tool_call = {};
};

class ApprovalRegistry {
 public:
  // Pages hold 50 approvals unless asked otherwise, never more than 500.
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 500;

  // Keeps at most `max_decided` decided (or expired) approvals; the oldest
  // are forgotten first. Pending approvals are never dropped.
  explicit ApprovalRegistry(size_t max_decided = 10000);

  // A new PENDING approval with a fresh id ("ap_…"), created at `now`,
  // expiring at `now + ttl`. Returns a copy.
  forge::exec::v1::Approval Create(const ApprovalRequest& request,
                                   absl::Duration ttl, absl::Time now);

  // The approval `id` of `tenant`; NOT_FOUND otherwise.
  absl::StatusOr<forge::exec::v1::Approval> Get(absl::string_view tenant,
                                                absl::string_view id) const;

  // `tenant`'s approvals in creation order, those in `state` only unless it
  // is UNSPECIFIED. `page_token` is empty or a previous response's
  // next_page_token. INVALID_ARGUMENT for a negative page size or a token
  // this registry did not make.
  absl::StatusOr<forge::exec::v1::ListApprovalsResponse> List(
      absl::string_view tenant, forge::exec::v1::ApprovalState state,
      int page_size, absl::string_view page_token) const;

  // `decider` approves or denies `id` of `tenant` at `now`. Errors, in the
  // order checked:
  //   NOT_FOUND            unknown id, or another tenant's;
  //   INVALID_ARGUMENT     no decision, or a denial without a reason;
  //   PERMISSION_DENIED    `decider` is the requester;
  //   FAILED_PRECONDITION  already decided, or expired (also when its expiry
  //                        has passed but ExpireDue has not yet run).
  // On success returns the decided approval.
  absl::StatusOr<forge::exec::v1::Approval> Decide(
      absl::string_view tenant, absl::string_view id, absl::string_view decider,
      forge::exec::v1::DecideApprovalRequest::Decision decision,
      absl::string_view reason, absl::Time now);

  // Stores the token issued for APPROVED `id` (shown by Get and List); its
  // expires_at becomes the token's expiry.
  void AttachToken(absl::string_view id, std::string token,
                   absl::Time token_expires_at);

  // Moves every PENDING approval whose expiry is at or before `now` to
  // EXPIRED and returns them.
  std::vector<forge::exec::v1::Approval> ExpireDue(absl::Time now);

  // Earliest expiry of a PENDING approval; InfiniteFuture if none.
  absl::Time NextExpiry() const;
  size_t pending() const;

  // Every approval, for persisting.
  forge::exec::v1::ListApprovalsResponse Snapshot() const;

  // Adds the approvals of a snapshot taken before a restart. Those still
  // PENDING can no longer be waited for and become EXPIRED with `reason`;
  // they are returned (to be audited). Ids already present are skipped.
  std::vector<forge::exec::v1::Approval> Restore(
      const forge::exec::v1::ListApprovalsResponse& snapshot,
      absl::string_view reason);

 private:
  forge::exec::v1::Approval* FindLocked(absl::string_view tenant,
                                        absl::string_view id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void InsertLocked(forge::exec::v1::Approval approval)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void PruneLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const size_t max_decided_;
  mutable absl::Mutex mutex_;
  absl::BitGen bits_ ABSL_GUARDED_BY(mutex_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mutex_) = 1;
  // Creation order → approval; id → its sequence.
  std::map<uint64_t, forge::exec::v1::Approval> by_seq_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, uint64_t> seq_of_ ABSL_GUARDED_BY(mutex_);
  size_t pending_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_APPROVAL_REGISTRY_H_
