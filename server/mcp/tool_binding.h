// ToolBinding is the one place a sandboxed program's tool call crosses into
// the world. For each call, in order:
//
//   parse → budget → known tool → exposed to this execution and allowed for
//   the tenant → access class (destructive: the gate decides) → argument
//   size and JSON schema → tools/call on a warm connection, bounded by the
//   call timeout → result shaped and size-capped → audit record durable →
//   reply
//
// The reply goes only to the calling program (over its execution's socket);
// nothing of a call's arguments or result is logged, the audit record holds
// the arguments' SHA-256 and the sizes. Errors are replies with a code the
// generated modules raise as typed exceptions (ToolError.code):
//
//   BAD_REQUEST, BUDGET_EXHAUSTED, UNKNOWN_TOOL, NOT_ALLOWED,
//   DESTRUCTIVE_REFUSED, ARGUMENTS_TOO_LARGE, SCHEMA_VIOLATION, TIMEOUT,
//   SERVER_UNAVAILABLE, TOOL_ERROR, RESULT_TOO_LARGE, AUDIT_UNAVAILABLE
//
// Thread-safe; Call blocks the calling thread for the tool call and the
// audit fsync, so it must not run on gRPC's or the audit log's threads.
#ifndef FORGE_SERVER_MCP_TOOL_BINDING_H_
#define FORGE_SERVER_MCP_TOOL_BINDING_H_

#include <atomic>
#include <functional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "server/audit/audit_log.h"
#include "server/mcp/tool_registry.h"

namespace forge::mcp {

// Who calls, and what this execution may still do. One per execution.
struct CallerScope {
  std::string execution_id;
  std::string session_id;
  std::string tenant;
  std::string principal;
  std::set<std::string> exposed;  // tool names given to this execution
  // Called (on the calling thread) with each call's committed tool_call
  // record, e.g. to stream it to the client; may be empty.
  std::function<void(const forge::exec::v1::AuditRecord&)> on_record;
  uint32_t budget = 0;            // calls allowed
  std::atomic<uint32_t> used{0};  // calls attempted so far
};

// Decides whether a DESTRUCTIVE tool may run. The default refuses unless the
// tenant's config allows destructive tools; an approval flow plugs in here
// (ask a person, wait for the decision, return OK or PERMISSION_DENIED).
class DestructiveToolGate {
 public:
  virtual ~DestructiveToolGate() = default;
  // OK to run the call; any error refuses it with the error's message.
  virtual absl::Status Check(const CallerScope& caller,
                             const ToolDefinition& tool,
                             const TenantTools& tenant) = 0;
};

// The built-in gate: TenantTools.allow_destructive or refused.
class ConfigDestructiveToolGate final : public DestructiveToolGate {
 public:
  absl::Status Check(const CallerScope& caller, const ToolDefinition& tool,
                     const TenantTools& tenant) override;
};

struct ToolReply {
  bool ok = false;
  nlohmann::json result;  // when ok
  std::string code;       // when !ok
  std::string message;
  // {"ok":true,"result":...} or {"ok":false,"error":{"code","message"}}
  std::string Serialize() const;
};

class ToolBinding {
 public:
  // `audit` may be null (no records; tests only). All must outlive this.
  ToolBinding(ToolRegistry& registry, audit::AuditLog* audit,
              DestructiveToolGate& gate);

  // Handles one request line {"tool": "<server>.<tool>", "arguments": {...}}.
  ToolReply Call(CallerScope& caller, absl::string_view request);

  // Waits for calls in flight (each bounded by its timeout), so the
  // registry and audit log they use outlive them.
  ~ToolBinding();

 private:
  ToolReply Dispatch(CallerScope& caller, absl::string_view request,
                     std::string* tool_name, std::string* access,
                     std::string* arguments_sha256, size_t* argument_bytes);

  ToolRegistry& registry_;
  audit::AuditLog* const audit_;
  DestructiveToolGate& gate_;
  absl::Mutex mutex_;
  int in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_TOOL_BINDING_H_
