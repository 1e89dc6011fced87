// The gRPC service (callback API): Execute streams through an Execution per
// call; ListRuntimes answers from the runtime registry; ListApprovals and
// DecideApproval go through the ApprovalGate.
// Also tracks running calls so a SIGTERM drain can wait for them.
//
// Thread-safe; gRPC calls every method from its own threads.
#ifndef FORGE_SERVER_EXECUTION_SERVICE_H_
#define FORGE_SERVER_EXECUTION_SERVICE_H_

#include <atomic>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.grpc.pb.h"
#include "server/auth/caller.h"
#include "server/service_context.h"

namespace forge::server {

class ExecutionService final
    : public forge::exec::v1::ExecutionService::CallbackService {
 public:
  explicit ExecutionService(ServiceContext& context) : context_(context) {}

  grpc::ServerWriteReactor<forge::exec::v1::ExecuteEvent>* Execute(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::ExecuteRequest* request) override;
  grpc::ServerUnaryReactor* ListRuntimes(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::ListRuntimesRequest* request,
      forge::exec::v1::ListRuntimesResponse* response) override;
  grpc::ServerUnaryReactor* Assess(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::AssessRequest* request,
      forge::exec::v1::RiskAssessment* response) override;
  grpc::ServerUnaryReactor* ListApprovals(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::ListApprovalsRequest* request,
      forge::exec::v1::ListApprovalsResponse* response) override;
  grpc::ServerUnaryReactor* DecideApproval(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::DecideApprovalRequest* request,
      forge::exec::v1::Approval* response) override;
  grpc::ServerUnaryReactor* GetEvidence(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::GetEvidenceRequest* request,
      forge::exec::v1::EvidencePack* response) override;
  grpc::ServerUnaryReactor* ListTools(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::ListToolsRequest* request,
      forge::exec::v1::ListToolsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeTool(
      grpc::CallbackServerContext* call,
      const forge::exec::v1::DescribeToolRequest* request,
      forge::exec::v1::ToolDescription* response) override;

  // New Execute calls get UNAVAILABLE from now on; running ones continue.
  void StartDraining();
  // Waits until no Execute call is running or `timeout` passes; true if idle.
  bool WaitUntilIdle(absl::Duration timeout);
  int active_calls() const;

 private:
  class ExecuteReactor;
  // The caller of `call` if it holds `role`; UNAUTHENTICATED or
  // PERMISSION_DENIED (naming `rpc` and the role) otherwise. Logged.
  absl::StatusOr<auth::Caller> Authorize(
      const grpc::CallbackServerContext& call, auth::Role role,
      absl::string_view rpc) const;
  void CallStarted();
  void CallEnded();

  ServiceContext& context_;
  std::atomic<bool> draining_{false};
  mutable absl::Mutex mutex_;
  int active_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_EXECUTION_SERVICE_H_
