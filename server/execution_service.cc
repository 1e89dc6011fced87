#include "server/execution_service.h"

#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"
#include "server/execution.h"
#include "server/grpc_status.h"
#include "server/mcp/tool_service.h"
#include "server/request_validation.h"

namespace forge::server {
namespace {

// An Execute call refused before it starts (draining, unauthenticated).
class RefusedExecute final
    : public grpc::ServerWriteReactor<forge::exec::v1::ExecuteEvent> {
 public:
  explicit RefusedExecute(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

// Adapts one Execute call to an Execution. Deletes itself in OnDone.
class ExecutionService::ExecuteReactor final
    : public grpc::ServerWriteReactor<forge::exec::v1::ExecuteEvent>,
      public EventSink {
 public:
  ExecuteReactor(ExecutionService& service, auth::Caller caller,
                 const forge::exec::v1::ExecuteRequest& request,
                 TenantQuotas::Lease lease)
      : service_(service),
        execution_(std::make_shared<Execution>(service.context_, this,
                                               std::move(caller), request)) {
    service_.CallStarted();
    execution_->HoldQuotaLease(std::move(lease));
    execution_->Start();
  }

  void Write(const forge::exec::v1::ExecuteEvent* event) override {
    StartWrite(event);
  }
  void Finish(const grpc::Status& status) override {
    grpc::ServerWriteReactor<forge::exec::v1::ExecuteEvent>::Finish(status);
  }
  void OnWriteDone(bool ok) override { execution_->OnWriteDone(ok); }
  void OnCancel() override { execution_->OnCancel(); }
  void OnDone() override {
    execution_->OnRpcDone();
    service_.CallEnded();
    delete this;
  }

 private:
  ExecutionService& service_;
  std::shared_ptr<Execution> execution_;
};

grpc::ServerWriteReactor<forge::exec::v1::ExecuteEvent>*
ExecutionService::Execute(grpc::CallbackServerContext* call,
                          const forge::exec::v1::ExecuteRequest* request) {
  if (draining_.load()) {
    return new RefusedExecute(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        "server is draining for shutdown; retry on another replica"));
  }
  absl::StatusOr<auth::Caller> caller =
      Authorize(*call, auth::Role::kExecutor, "Execute");
  if (!caller.ok()) return new RefusedExecute(ToGrpcStatus(caller.status()));
  // The tenant's caps: its maximum limits, then its concurrency and rate.
  forge::exec::v1::ExecuteRequest within_quota = *request;
  absl::Status limits = context_.quotas.ApplyLimits(
      caller->tenant, context_.config.default_limits(),
      within_quota.mutable_limits());
  absl::StatusOr<TenantQuotas::Lease> lease =
      limits.ok() ? context_.quotas.Admit(caller->tenant)
                  : absl::StatusOr<TenantQuotas::Lease>(limits);
  if (!lease.ok()) {
    context_.log->info("event=quota_refused tenant={} reason=\"{}\"",
                       caller->tenant, lease.status().message());
    return new RefusedExecute(
        TenantQuotas::ToGrpcStatusWithRetryHint(lease.status(), *call));
  }
  return new ExecuteReactor(*this, std::move(*caller), within_quota,
                            std::move(*lease));
}

absl::StatusOr<auth::Caller> ExecutionService::Authorize(
    const grpc::CallbackServerContext& call, auth::Role role,
    absl::string_view rpc) const {
  absl::StatusOr<auth::Caller> caller =
      context_.authenticator.Authenticate(call);
  if (!caller.ok()) {
    context_.log->info("event=unauthenticated rpc={} peer={} reason=\"{}\"",
                       rpc, call.peer(), caller.status().message());
    context_.access_audit.Denied(rpc, call.peer(), nullptr, caller.status());
    return caller.status();
  }
  if (!caller->Has(role)) {
    context_.log->info(
        "event=permission_denied rpc={} tenant={} principal={} needs={}", rpc,
        caller->tenant, caller->principal, auth::RoleName(role));
    absl::Status denied = absl::PermissionDeniedError(
        absl::StrCat(rpc, " needs the ", auth::RoleName(role), " role"));
    context_.access_audit.Denied(rpc, call.peer(), &*caller, denied);
    return denied;
  }
  return caller;
}

grpc::ServerUnaryReactor* ExecutionService::ListRuntimes(
    grpc::CallbackServerContext* call,
    const forge::exec::v1::ListRuntimesRequest* /*request*/,
    forge::exec::v1::ListRuntimesResponse* response) {
  if (absl::StatusOr<auth::Caller> caller =
          Authorize(*call, auth::Role::kExecutor, "ListRuntimes");
      !caller.ok()) {
    grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  for (const RuntimeInfo& info : context_.runtimes.runtimes()) {
    forge::exec::v1::Runtime* runtime = response->add_runtimes();
    runtime->set_name(info.config.name());
    runtime->set_version(info.version);
    runtime->set_ready(context_.pool.ready(info.config.name()));
    runtime->set_warm(context_.pool.warm(info.config.name()));
    for (const std::string& extension : info.config.extensions())
      runtime->add_extensions(extension);
  }
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ExecutionService::Assess(
    grpc::CallbackServerContext* call,
    const forge::exec::v1::AssessRequest* request,
    forge::exec::v1::RiskAssessment* response) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<auth::Caller> caller =
      Authorize(*call, auth::Role::kExecutor, "Assess");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  // The same checks as Execute for the fields the two share.
  forge::exec::v1::ExecuteRequest as_execute;
  as_execute.set_runtime(request->runtime());
  as_execute.set_code(request->code());
  as_execute.set_network(request->network());
  *as_execute.mutable_limits() = request->limits();
  absl::Status valid = ValidateExecuteRequest(as_execute, context_.config);
  if (!valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  absl::StatusOr<cars::Assessment> assessed = context_.assessor.Assess(
      cars::InputFromRequest(*request, caller->tenant));
  if (!assessed.ok()) {
    reactor->Finish(ToGrpcStatus(assessed.status()));
    return reactor;
  }
  *response = std::move(assessed->assessment);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ExecutionService::ListApprovals(
    grpc::CallbackServerContext* call,
    const forge::exec::v1::ListApprovalsRequest* request,
    forge::exec::v1::ListApprovalsResponse* response) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<auth::Caller> caller =
      Authorize(*call, auth::Role::kApprover, "ListApprovals");
  absl::StatusOr<forge::exec::v1::ListApprovalsResponse> listed =
      caller.ok() ? context_.approvals.List(*caller, *request)
                  : caller.status();
  if (listed.ok()) *response = std::move(*listed);
  reactor->Finish(ToGrpcStatus(listed.status()));
  return reactor;
}

grpc::ServerUnaryReactor* ExecutionService::DecideApproval(
    grpc::CallbackServerContext* call,
    const forge::exec::v1::DecideApprovalRequest* request,
    forge::exec::v1::Approval* response) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<auth::Caller> caller =
      Authorize(*call, auth::Role::kApprover, "DecideApproval");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  // Answered once the decision is in the audit trail (never blocks here).
  context_.approvals.Decide(
      *caller, *request,
      [this, reactor, response, caller = *caller, peer = call->peer(),
       approval_id = request->approval_id()](
          absl::StatusOr<forge::exec::v1::Approval> decided) {
        // Another tenant's approval looks like none at all to the caller;
        // the trail records the attempt.
        if (absl::IsNotFound(decided.status())) {
          context_.access_audit.Denied(
              "DecideApproval", peer, &caller, decided.status(),
              {{"requested_approval_id", approval_id}});
        }
        if (decided.ok()) *response = std::move(*decided);
        reactor->Finish(ToGrpcStatus(decided.status()));
      });
  return reactor;
}

grpc::ServerUnaryReactor* ExecutionService::GetEvidence(
    grpc::CallbackServerContext* call,
    const forge::exec::v1::GetEvidenceRequest* request,
    forge::exec::v1::EvidencePack* response) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<auth::Caller> caller =
      Authorize(*call, auth::Role::kAuditor, "GetEvidence");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  if (request->execution_id().empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "execution_id: required"));
    return reactor;
  }
  // Evidence reads log files and may wait for a head signature (an fsync):
  // off gRPC's threads.
  std::thread([this, reactor, execution_id = request->execution_id(),
               caller = *caller, peer = call->peer(), response] {
    absl::StatusOr<forge::exec::v1::EvidencePack> pack =
        context_.audit.Evidence(execution_id, caller.tenant);
    // Another tenant's execution looks like none at all to the caller; the
    // trail records the attempt.
    if (absl::IsNotFound(pack.status())) {
      context_.access_audit.Denied("GetEvidence", peer, &caller, pack.status(),
                                   {{"requested_execution_id", execution_id}});
    }
    if (pack.ok()) *response = std::move(*pack);
    reactor->Finish(ToGrpcStatus(pack.status()));
  }).detach();
  return reactor;
}

grpc::ServerUnaryReactor* ExecutionService::ListTools(
    grpc::CallbackServerContext* call,
    const forge::exec::v1::ListToolsRequest* request,
    forge::exec::v1::ListToolsResponse* response) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<auth::Caller> caller =
      Authorize(*call, auth::Role::kExecutor, "ListTools");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  // Off gRPC's threads: a server not listed yet is retried here.
  std::thread([this, reactor, query = request->query(), tenant = caller->tenant,
               response] {
    if (context_.tools != nullptr)
      *response = context_.tools->ListTools(tenant, query);
    reactor->Finish(grpc::Status::OK);
  }).detach();
  return reactor;
}

grpc::ServerUnaryReactor* ExecutionService::DescribeTool(
    grpc::CallbackServerContext* call,
    const forge::exec::v1::DescribeToolRequest* request,
    forge::exec::v1::ToolDescription* response) {
  grpc::ServerUnaryReactor* reactor = call->DefaultReactor();
  absl::StatusOr<auth::Caller> caller =
      Authorize(*call, auth::Role::kExecutor, "DescribeTool");
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  std::thread([this, reactor, name = request->name(), tenant = caller->tenant,
               response] {
    absl::StatusOr<forge::exec::v1::ToolDescription> description =
        context_.tools != nullptr
            ? context_.tools->DescribeTool(tenant, name)
            : absl::NotFoundError("name: this server has no MCP tools");
    if (description.ok()) *response = std::move(*description);
    reactor->Finish(ToGrpcStatus(description.status()));
  }).detach();
  return reactor;
}

void ExecutionService::StartDraining() { draining_.store(true); }

void ExecutionService::CallStarted() {
  absl::MutexLock lock(&mutex_);
  ++active_;
}

void ExecutionService::CallEnded() {
  absl::MutexLock lock(&mutex_);
  --active_;
}

bool ExecutionService::WaitUntilIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return active_ == 0;
  };
  return mutex_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

int ExecutionService::active_calls() const {
  absl::MutexLock lock(&mutex_);
  return active_;
}

}  // namespace forge::server
