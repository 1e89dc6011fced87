// ToolService is what the gRPC service and an execution see of MCP tool
// access: the registry (tool_registry.h), the binding every call crosses
// (tool_binding.h) and the per-execution sessions (tool_session.h).
//
//   ListTools / DescribeTool   compact list, then one full definition
//   OpenSession                an execution's /tools tree and socket
//   AdjustJob                  the interpreter flags that let it import them
//
// Thread-safe.
#ifndef FORGE_SERVER_MCP_TOOL_SERVICE_H_
#define FORGE_SERVER_MCP_TOOL_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "forge/exec/v1/execution.pb.h"
#include "sandbox/sandbox_spec.h"
#include "server/audit/audit_log.h"
#include "server/mcp/tool_binding.h"
#include "server/mcp/tool_registry.h"
#include "server/mcp/tool_session.h"

namespace forge::mcp {

// Who an execution's tool calls are made as.
struct ToolCaller {
  std::string execution_id;
  std::string session_id;
  std::string tenant;
  std::string principal;
  // See CallerScope::on_record.
  std::function<void(const forge::exec::v1::AuditRecord&)> on_record;
};

class ToolService {
 public:
  // Starts the registry (see ToolRegistry::Create). `audit` and the hooks
  // (approvals of destructive calls, metrics) must outlive the service.
  // Only host uid `sandbox_uid` (the sandbox's mapped uid) may connect to
  // an execution's socket; -1 lets any process (tests).
  static absl::StatusOr<std::unique_ptr<ToolService>> Create(
      const McpConfig& config, audit::AuditLog* audit,
      std::shared_ptr<spdlog::logger> log, int64_t sandbox_uid = -1,
      ToolBindingHooks hooks = {});

  forge::exec::v1::ListToolsResponse ListTools(absl::string_view tenant,
                                               absl::string_view query);
  // NOT_FOUND (same message whether unknown or not allowed to `tenant`).
  absl::StatusOr<forge::exec::v1::ToolDescription> DescribeTool(
      absl::string_view tenant, absl::string_view name);

  // INVALID_ARGUMENT naming the first entry of `requested` the tenant may
  // not use. Checked before an execution is accepted.
  absl::Status CheckSelection(absl::string_view tenant,
                              const std::vector<std::string>& requested);
  // The tree and socket for one execution with the tools `requested`
  // resolves to; the caller binds host_dir() at /tools.
  absl::StatusOr<std::unique_ptr<ToolSession>> OpenSession(
      const ToolCaller& caller, const std::vector<std::string>& requested);
  // Adds the runtime's McpRuntimeSetup args (before the script, which is
  // job.argv[argv.size() - 1 - request_args]) and env to `job`.
  void AdjustJob(absl::string_view runtime, size_t request_args,
                 sandbox::JobSpec& job) const;

  ToolRegistry& registry() { return *registry_; }

 private:
  ToolService(std::unique_ptr<ToolRegistry> registry, audit::AuditLog* audit,
              int64_t sandbox_uid, ToolBindingHooks hooks)
      : registry_(std::move(registry)),
        binding_(*registry_, audit, hooks),
        peer_uid_(sandbox_uid) {}

  std::unique_ptr<ToolRegistry> registry_;
  ToolBinding binding_;
  const int64_t peer_uid_;
};

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_TOOL_SERVICE_H_
