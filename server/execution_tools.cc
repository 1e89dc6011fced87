#include "server/execution_tools.h"

#include "server/mcp/module_generator.h"
#include "server/mcp/tool_service.h"

namespace forge::server {

absl::StatusOr<std::unique_ptr<mcp::ToolSession>> OpenExecutionTools(
    ServiceContext& context, const forge::exec::v1::ExecuteRequest& request,
    const ExecutionIdentity& who, sandbox::JobSpec& job,
    std::function<void(const forge::exec::v1::AuditRecord&)> on_record) {
  if (request.tools().empty()) return nullptr;
  if (context.tools == nullptr) {
    return absl::InvalidArgumentError(
        "tools: this server has no MCP servers configured");
  }
  const std::vector<std::string> requested(request.tools().begin(),
                                           request.tools().end());
  absl::StatusOr<std::unique_ptr<mcp::ToolSession>> session =
      context.tools->OpenSession(
          mcp::ToolCaller{who.execution_id, who.session_id, who.tenant,
                          who.principal, std::move(on_record)},
          requested);
  if (!session.ok()) return session.status();
  context.tools->AdjustJob(request.runtime(),
                           static_cast<size_t>(request.args_size()), job);
  return session;
}

void BindExecutionTools(const mcp::ToolSession* session,
                        sandbox::SandboxSpec& spec) {
  if (session == nullptr) return;
  spec.binds.push_back({session->host_dir(), mcp::kToolsMountPoint});
}

}  // namespace forge::server
