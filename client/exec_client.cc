#include "client/exec_client.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace forge::client {

ExecClient::ExecClient(const ClientOptions& options)
    : options_(options),
      channel_(grpc::CreateChannel(options.server,
                                   options.credentials != nullptr
                                       ? options.credentials
                                       : grpc::InsecureChannelCredentials())),
      stub_(forge::exec::v1::ExecutionService::NewStub(channel_)) {}

void ExecClient::Prepare(grpc::ClientContext& context) const {
  if (!options_.token.empty()) {
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", options_.token));
  }
  if (options_.timeout > absl::ZeroDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  }
}

absl::Status ExecClient::FromGrpc(const grpc::Status& status) const {
  if (status.ok()) return absl::OkStatus();
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      !absl::StrContains(message, "draining")) {
    message = absl::StrCat("cannot reach forge-execd at ", options_.server,
                           " (", message,
                           "). Is it running? Start it with `make run`, or "
                           "pass --server HOST:PORT.");
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      message);
}

absl::Status ExecClient::Execute(
    const forge::exec::v1::ExecuteRequest& request,
    const std::function<void(const forge::exec::v1::ExecuteEvent&)>& on_event) {
  grpc::ClientContext context;
  Prepare(context);
  std::unique_ptr<grpc::ClientReader<forge::exec::v1::ExecuteEvent>> reader =
      stub_->Execute(&context, request);
  forge::exec::v1::ExecuteEvent event;
  while (reader->Read(&event)) on_event(event);
  return FromGrpc(reader->Finish());
}

absl::StatusOr<forge::exec::v1::ListRuntimesResponse>
ExecClient::ListRuntimes() {
  grpc::ClientContext context;
  Prepare(context);
  forge::exec::v1::ListRuntimesResponse response;
  grpc::Status status = stub_->ListRuntimes(&context, {}, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<forge::exec::v1::RiskAssessment> ExecClient::Assess(
    const forge::exec::v1::AssessRequest& request) {
  grpc::ClientContext context;
  Prepare(context);
  forge::exec::v1::RiskAssessment response;
  grpc::Status status = stub_->Assess(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<forge::exec::v1::EvidencePack> ExecClient::GetEvidence(
    const std::string& execution_id) {
  grpc::ClientContext context;
  Prepare(context);
  forge::exec::v1::GetEvidenceRequest request;
  request.set_execution_id(execution_id);
  forge::exec::v1::EvidencePack response;
  grpc::Status status = stub_->GetEvidence(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<forge::exec::v1::ListApprovalsResponse>
ExecClient::ListApprovals(
    const forge::exec::v1::ListApprovalsRequest& request) {
  grpc::ClientContext context;
  Prepare(context);
  forge::exec::v1::ListApprovalsResponse response;
  grpc::Status status = stub_->ListApprovals(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<forge::exec::v1::Approval> ExecClient::DecideApproval(
    const forge::exec::v1::DecideApprovalRequest& request) {
  grpc::ClientContext context;
  Prepare(context);
  forge::exec::v1::Approval response;
  grpc::Status status = stub_->DecideApproval(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

absl::StatusOr<std::string> ExecClient::RuntimeForFile(
    const std::string& path) {
  absl::StatusOr<forge::exec::v1::ListRuntimesResponse> runtimes =
      ListRuntimes();
  if (!runtimes.ok()) return runtimes.status();
  std::string known;
  for (const auto& runtime : runtimes->runtimes()) {
    for (const std::string& extension : runtime.extensions()) {
      if (absl::EndsWith(path, extension)) return runtime.name();
      absl::StrAppend(&known, known.empty() ? "" : " ", extension);
    }
  }
  return absl::NotFoundError(absl::StrCat("cannot tell the runtime of ", path,
                                          " from its extension (known: ", known,
                                          "); pass --runtime"));
}

}  // namespace forge::client
