// Test support: runs a real forge-execd (from the build tree) on a free
// port with a config written for the test, and talks to it over gRPC.
#ifndef FORGE_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define FORGE_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.grpc.pb.h"

namespace forge::testing {

std::string BuildDir();
std::string SourceDir();

class ServerProcess {
 public:
  // Starts forge-execd with the embedded defaults overlaid by `config_text`
  // (textproto) and waits until it listens. The listen address is always
  // 127.0.0.1:0.
  //
  // Unless `config_text` sets `cars { ... }` itself, CARS runs with every
  // level's action APPROVE_WITH_LOG: tests of the sandbox must reach the
  // sandbox even with code CARS would gate (CARS is a gate, not the
  // boundary). Tests of the gate set their own policy.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& config_text = "",
      const std::vector<std::string>& extra_flags = {});
  // SIGKILLs the server if it still runs.
  ~ServerProcess();

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> NewStub() const;

  // Sends SIGTERM and waits up to `timeout` for exit; returns the wait status.
  absl::StatusOr<int> Terminate(absl::Duration timeout);
  // Resident set size of the server now (from /proc), in bytes.
  uint64_t RssBytes() const;
  // Everything the server wrote to stderr so far.
  std::string Log() const;

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  std::string address_;
  std::string dir_;
};

struct CollectedEvents {
  std::vector<forge::exec::v1::ExecuteEvent> events;
  std::string stdout_data;
  std::string stderr_data;
  forge::exec::v1::Finished finished;
  bool has_finished = false;
  grpc::Status status;
};

// Who a test call claims to be, sent as the metadata a server with
// auth.identity_from_metadata reads (tests only).
struct TestIdentity {
  std::string tenant;
  std::string principal;
  std::string roles;  // comma-separated, e.g. "executor,auditor"
};
// Adds `identity`'s metadata to `context`.
void SetIdentity(grpc::ClientContext& context, const TestIdentity& identity);

// DecideApproval as `who`: approval `id` gets `decision` with `reason`.
grpc::Status DecideApprovalAs(
    forge::exec::v1::ExecutionService::Stub& stub, const TestIdentity& who,
    const std::string& id,
    forge::exec::v1::DecideApprovalRequest::Decision decision,
    const std::string& reason, forge::exec::v1::Approval* approval);

// Runs one Execute call to completion, as `identity` when it is given.
CollectedEvents Execute(forge::exec::v1::ExecutionService::Stub& stub,
                        const forge::exec::v1::ExecuteRequest& request,
                        absl::Duration deadline = absl::Seconds(60),
                        const TestIdentity* identity = nullptr);

forge::exec::v1::ExecuteRequest Request(const std::string& runtime,
                                        const std::string& code);

// Sandboxes ready in the pool of `runtime` now (ListRuntimes); 0 when the
// call fails or the runtime is unknown.
uint32_t ReadySandboxes(forge::exec::v1::ExecutionService::Stub& stub,
                        const std::string& runtime);

// Waits up to `timeout` until the pool of `runtime` holds at least `count`
// ready sandboxes (ListRuntimes); returns whether it did.
bool WaitForReadySandboxes(forge::exec::v1::ExecutionService::Stub& stub,
                           const std::string& runtime, uint32_t count,
                           absl::Duration timeout);

// Full paths of the audit-*.jsonl files in `dir`, in name order.
std::vector<std::string> AuditLogFiles(const std::string& dir);

// Audit lines in the audit-*.jsonl files of `dir` whose type is `type` and
// that contain every one of `parts`.
int CountAuditLines(const std::string& dir, const std::string& type,
                    const std::vector<std::string>& parts);

// Execution ids with both an execution_start and an execution_end record in
// `files` (audit JSON Lines).
std::set<std::string> ExecutionsWithStartAndEnd(
    const std::vector<std::string>& files);

// Processes on the host whose command line contains `needle` (other than
// this test); used to prove nothing of a sandbox survives.
int CountProcessesMatching(const std::string& needle);

// A TCP port on 127.0.0.1 that was free when this returned; 0 on error.
int FreeLocalPort();

// The body of GET /metrics from 127.0.0.1:`port` (with the HTTP header);
// empty if nothing answered.
std::string ScrapeMetrics(int port);

// The value of the sample whose line starts with `series` ("name" or
// "name{label=\"value\",...}", labels in name order) in Prometheus text
// `metrics`; -1 if absent.
double MetricValue(const std::string& metrics, const std::string& series);

}  // namespace forge::testing

#endif  // FORGE_TESTS_INTEGRATION_SERVER_PROCESS_H_
