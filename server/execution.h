// Execution drives one Execute call from request to `finished`:
//
//   validate → admit (maybe queue) → accepted → create sandbox → started →
//   output… (one write in flight; a pipe is re-armed only after its chunk
//   was written) → sandbox result + both pipes closed → finished → OK
//
// It is shared (shared_ptr) between the gRPC reactor, the launcher's
// callbacks and the output pump, so it outlives whichever of them ends
// first. All state is guarded by one mutex; no callback blocks, and gRPC
// methods (StartWrite, Finish) are never called with the mutex held.
#ifndef FORGE_SERVER_EXECUTION_H_
#define FORGE_SERVER_EXECUTION_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "forge/exec/v1/execution.pb.h"
#include "grpcpp/support/status.h"
#include "sandbox/launcher_client.h"
#include "server/approval_gate.h"
#include "server/auth/caller.h"
#include "server/execution_records.h"
#include "server/output_pump.h"
#include "server/request_validation.h"
#include "server/service_context.h"

namespace forge::mcp {
class ToolSession;
}  // namespace forge::mcp

namespace forge::server {

// The side of the gRPC call an Execution writes to (the reactor).
class EventSink {
 public:
  virtual ~EventSink() = default;
  // At most one write in flight; `event` lives until the write completes.
  // (No buffer hint: the transport does not complete a hinted write until
  // a later write flushes it, and the next write waits for this one.)
  virtual void Write(const forge::exec::v1::ExecuteEvent* event) = 0;
  virtual void Finish(const grpc::Status& status) = 0;
};

class Execution : public PipeListener,
                  public std::enable_shared_from_this<Execution> {
 public:
  // `sink` must stay valid until OnRpcDone() is called.
  Execution(ServiceContext& context, EventSink* sink, auth::Caller caller,
            forge::exec::v1::ExecuteRequest request);
  ~Execution() override;

  // Runs validation and admission; everything after happens in callbacks.
  void Start();

  // From the reactor.
  void OnWriteDone(bool ok);
  void OnCancel();
  void OnRpcDone();

  // From the output pump.
  void OnPipeData(int stream, absl::string_view data) override;
  void OnPipeClosed(int stream) override;
  void OnPipeIdle(int stream) override;

  const std::string& id() const { return id_; }
  // The tenant's concurrency slot (TenantQuotas); returned once the
  // execution completes. Call before Start().
  void HoldQuotaLease(TenantQuotas::Lease lease) {
    quota_lease_ = std::move(lease);
  }

 private:
  enum StreamIndex { kStdout = 0, kStderr = 1 };
  struct StreamState {
    uint64_t handle = 0;
    bool open = false;
    uint64_t bytes_read = 0;  // program bytes, before redaction
    uint64_t offset = 0;      // bytes sent in output events
    bool truncated = false;
    // An idle release kept a possible value start held; the next idle
    // deadline releases it for good.
    bool value_start_held = false;
    std::unique_ptr<privacy::RedactionStream> redaction;
  };
  struct QueuedEvent {
    forge::exec::v1::ExecuteEvent event;
    int rearm_stream = -1;  // pipe to re-arm once this event is written
    bool is_finished = false;
  };

  void OnAdmitted(absl::Duration queued);
  void OnSandboxCreated(absl::StatusOr<ReadySandbox> created);
  void OnSandboxFinished(sandbox::SandboxResult result);
  // A tool call's committed audit record (any thread): streamed like the
  // execution's own records.
  void OnToolRecord(const forge::exec::v1::AuditRecord& record);

  // Starts the next write or finishes the call, if the state allows.
  void Drive();
  void FinishEarly(const grpc::Status& status);
  void Enqueue(QueuedEvent event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Queues redacted output of `stream`; `rearm` re-arms its pipe once the
  // event is written.
  void EnqueueOutput(int stream, std::string data, bool rearm)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void EndWithoutRunning(forge::exec::v1::Outcome outcome,
                         const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void MaybeEnqueueFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Records the closing audit records, then queues `finished` once they
  // are durable. Once per execution.
  void CompleteLocked(forge::exec::v1::Finished finished)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Appends `record` to the audit log; once it is durable its event is
  // queued for the client. `after` then runs under the lock with
  // `committed` true — or false when the log failed to write it.
  using AfterCommit = std::function<void(Execution&, bool committed)>;
  absl::Status AppendAuditLocked(forge::exec::v1::AuditRecord record,
                                 AfterCommit after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Appends `records` together (AuditLog::AppendAll: one write and one fsync
  // for all, all or none queued), each queued for the client once durable;
  // `after` runs after the last one's commit.
  absl::Status AppendAuditGroupLocked(
      std::vector<forge::exec::v1::AuditRecord> records, AfterCommit after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Delivers the job once the sandbox is ready (held while the start of the
  // execution is not yet on disk) and releases it once the start is
  // durable: nothing runs unaudited.
  void MaybeRunLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void DeliverJobLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void ReleaseJobLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The `started` event of the sandbox taken (sandbox_ is set).
  forge::exec::v1::Started StartedEventLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void StopStreamsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void ReleaseSlotLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void SetVerdict(forge::exec::v1::Outcome outcome, std::string message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // Approval gating (execution_approval.cc). A refused token ends the call
  // with a status once the refusal is audited.
  void RefuseToken(const cars::TokenCheck& check);
  // Creates the approval and records its request; then approval_required
  // goes out and the wait (if any) starts.
  void RequestApprovalLocked(const forge::exec::v1::RiskAssessment& assessment)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void OnApprovalRequestedLocked(const forge::exec::v1::Approval& approval)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void OnApprovalResolved(ApprovalGate::Resolution resolution,
                          const forge::exec::v1::Approval& approval);
  // Stops waiting; the approval itself stays pending.
  void WithdrawApprovalWaitLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  ServiceContext& context_;
  EventSink* const sink_;
  const auth::Caller caller_;
  const forge::exec::v1::ExecuteRequest request_;
  const std::string id_;
  const absl::Time created_at_;

  absl::Mutex mutex_;
  // The call.
  std::deque<QueuedEvent> queue_ ABSL_GUARDED_BY(mutex_);
  QueuedEvent current_ ABSL_GUARDED_BY(mutex_);
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool finished_enqueued_ ABSL_GUARDED_BY(mutex_) = false;
  bool finished_written_ ABSL_GUARDED_BY(mutex_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mutex_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  bool rpc_done_ ABSL_GUARDED_BY(mutex_) = false;
  std::optional<grpc::Status> early_status_ ABSL_GUARDED_BY(mutex_);
  // The run.
  ExecutionIdentity who_;
  EffectiveLimits limits_;
  privacy::StreamOptions redaction_options_;
  const RuntimeInfo* runtime_ = nullptr;
  sandbox::JobSpec job_;
  // The /tools tree and socket, when the request asked for tools.
  std::unique_ptr<mcp::ToolSession> tool_session_;
  uint64_t admission_ticket_ = 0;
  TenantQuotas::Lease quota_lease_;
  bool holds_slot_ ABSL_GUARDED_BY(mutex_) = false;
  bool slot_release_pending_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Duration queued_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<sandbox::Sandbox> sandbox_ ABSL_GUARDED_BY(mutex_);
  bool warm_ ABSL_GUARDED_BY(mutex_) = false;  // its interpreter pre-started
  // What the job needs once it may start (see MaybeRunLocked).
  struct PendingRun {
    UniqueFd payload, stdin_fd, stdout_fd, stderr_fd;
  };
  std::optional<PendingRun> pending_run_ ABSL_GUARDED_BY(mutex_);
  // The start records are queued in the log (start_appended_) and durable
  // (start_recorded_).
  bool start_appended_ ABSL_GUARDED_BY(mutex_) = false;
  bool start_recorded_ ABSL_GUARDED_BY(mutex_) = false;
  // The job went to the sandbox; it runs once released (the start durable).
  bool job_delivered_ ABSL_GUARDED_BY(mutex_) = false;
  bool job_released_ ABSL_GUARDED_BY(mutex_) = false;
  // Write end of a held job's release pipe: one byte starts the program;
  // closing it without one withdraws the job.
  UniqueFd release_ ABSL_GUARDED_BY(mutex_);
  // sandbox_start went with the start records (the sandbox was ready when
  // they were appended), so the run does not append it again.
  bool sandbox_start_recorded_ ABSL_GUARDED_BY(mutex_) = false;
  bool running_in_sandbox_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Time admitted_at_ ABSL_GUARDED_BY(mutex_);
  absl::Time sandbox_ready_at_ ABSL_GUARDED_BY(mutex_);
  bool cancelled_for_audit_ ABSL_GUARDED_BY(mutex_) = false;
  std::optional<sandbox::SandboxResult> result_ ABSL_GUARDED_BY(mutex_);
  StreamState streams_[2] ABSL_GUARDED_BY(mutex_);
  // First verdict decided by the server (output limit, cancel); wins over
  // the sandbox's own termination reason.
  std::optional<forge::exec::v1::Outcome> verdict_ ABSL_GUARDED_BY(mutex_);
  std::string verdict_message_ ABSL_GUARDED_BY(mutex_);
  // The approval this execution asked for, and its wait.
  std::string approval_id_ ABSL_GUARDED_BY(mutex_);
  bool waiting_for_approval_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t approval_wait_handle_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_EXECUTION_H_
