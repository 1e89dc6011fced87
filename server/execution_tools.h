// How an execution that asked for MCP tools (ExecuteRequest.tools) gets
// them: a tool session (server/mcp/tool_session.h) opened with the
// execution's identity, the interpreter flags that let the program import
// /tools, and the read-only bind of the session's tree at /tools.
#ifndef FORGE_SERVER_EXECUTION_TOOLS_H_
#define FORGE_SERVER_EXECUTION_TOOLS_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "forge/exec/v1/execution.pb.h"
#include "sandbox/sandbox_spec.h"
#include "server/execution_records.h"
#include "server/mcp/tool_session.h"
#include "server/service_context.h"

namespace forge::server {

// nullptr when the request names no tools. INVALID_ARGUMENT when it names
// tools and the server has none, or names one the tenant may not use;
// the session's error (e.g. the tools directory is not writable) otherwise.
// On success `job` has the runtime's tool flags. `on_record` receives each
// call's committed tool_call record (to stream it to the client).
absl::StatusOr<std::unique_ptr<mcp::ToolSession>> OpenExecutionTools(
    ServiceContext& context, const forge::exec::v1::ExecuteRequest& request,
    const ExecutionIdentity& who, sandbox::JobSpec& job,
    std::function<void(const forge::exec::v1::AuditRecord&)> on_record);

// Binds `session`'s tree read-only at /tools in `spec` (nothing if null).
void BindExecutionTools(const mcp::ToolSession* session,
                        sandbox::SandboxSpec& spec);

}  // namespace forge::server

#endif  // FORGE_SERVER_EXECUTION_TOOLS_H_
