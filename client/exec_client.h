// ExecClient is the C++ client library of forge-exec: a thin, typed layer
// over the generated stub that the CLI and the tests share.
//
// Thread-compatible: one ExecClient may be used from several threads (gRPC
// stubs are thread-safe); each call is independent.
#ifndef FORGE_CLIENT_EXEC_CLIENT_H_
#define FORGE_CLIENT_EXEC_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace forge::client {

struct ClientOptions {
  std::string server = "127.0.0.1:50051";
  // Bearer token sent as `authorization` metadata (empty: none).
  std::string token;
  // Deadline for a whole call; zero means none.
  absl::Duration timeout = absl::ZeroDuration();
  // Channel credentials, e.g. grpc::SslCredentials for TLS; null: plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

class ExecClient {
 public:
  explicit ExecClient(const ClientOptions& options);

  // Runs `request`, calling `on_event` for every event as it arrives (on the
  // calling thread). Returns the call's final status: OK for every admitted
  // execution (see the `finished` event for how it ended), or the gRPC error
  // with a message that says what to do (e.g. the server is not reachable).
  absl::Status Execute(
      const forge::exec::v1::ExecuteRequest& request,
      const std::function<void(const forge::exec::v1::ExecuteEvent&)>&
          on_event);

  absl::StatusOr<forge::exec::v1::ListRuntimesResponse> ListRuntimes();
  absl::StatusOr<forge::exec::v1::RiskAssessment> Assess(
      const forge::exec::v1::AssessRequest& request);

  absl::StatusOr<forge::exec::v1::EvidencePack> GetEvidence(
      const std::string& execution_id);

  // Approvals of the caller's tenant (one page; see next_page_token).
  absl::StatusOr<forge::exec::v1::ListApprovalsResponse> ListApprovals(
      const forge::exec::v1::ListApprovalsRequest& request);
  // Approves or denies; an approval comes back with its approval_token.
  absl::StatusOr<forge::exec::v1::Approval> DecideApproval(
      const forge::exec::v1::DecideApprovalRequest& request);

  // The runtime whose extensions include the extension of `path` (e.g.
  // "x.py" → "python"), asking the server. NOT_FOUND when none matches.
  absl::StatusOr<std::string> RuntimeForFile(const std::string& path);

 private:
  void Prepare(grpc::ClientContext& context) const;
  absl::Status FromGrpc(const grpc::Status& status) const;

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

}  // namespace forge::client

#endif  // FORGE_CLIENT_EXEC_CLIENT_H_
