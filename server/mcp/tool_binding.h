// ToolBinding is the one place a sandboxed program's tool call crosses into
// the world. For each call, in order:
//
//   parse → budget → known tool → exposed to this execution and allowed for
//   the tenant → argument size and JSON schema → access class (DESTRUCTIVE:
//   the tenant's policy — refuse, allow, or wait for a person's approval) →
//   tools/call on a warm connection, bounded by the call timeout → result
//   shaped and size-capped → audit record durable → reply
//
// The reply goes only to the calling program (over its execution's socket);
// nothing of a call's arguments or result is logged, the audit record holds
// the arguments' SHA-256 and the sizes. Errors are replies with a code the
// generated modules raise as typed exceptions (ToolError.code):
//
//   BAD_REQUEST, BUDGET_EXHAUSTED, UNKNOWN_TOOL, NOT_ALLOWED,
//   ARGUMENTS_TOO_LARGE, SCHEMA_VIOLATION, DESTRUCTIVE_REFUSED,
//   APPROVAL_DENIED, APPROVAL_EXPIRED, APPROVAL_PENDING, TIMEOUT,
//   SERVER_UNAVAILABLE, TOOL_ERROR, RESULT_TOO_LARGE, AUDIT_UNAVAILABLE
//
// Thread-safe; Call blocks the calling thread for the tool call and the
// audit fsync, so it must not run on gRPC's or the audit log's threads.
#ifndef FORGE_SERVER_MCP_TOOL_BINDING_H_
#define FORGE_SERVER_MCP_TOOL_BINDING_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/audit/audit_log.h"
#include "server/mcp/tool_registry.h"

namespace forge::mcp {

// Who calls, and what this execution may still do. One per execution.
// Thread-safe.
struct CallerScope {
  std::string execution_id;
  std::string session_id;
  std::string tenant;
  std::string principal;
  std::set<std::string> exposed;  // tool names given to this execution
  // Called (on the calling thread) with each committed record of this
  // execution's calls (tool_call, approval_request), e.g. to stream it to
  // the client; may be empty.
  std::function<void(const forge::exec::v1::AuditRecord&)> on_record;
  uint32_t budget = 0;            // calls allowed
  std::atomic<uint32_t> used{0};  // calls attempted so far

  // The execution ended (its program is gone): runs every end hook once, on
  // this thread. Idempotent.
  void End();
  bool ended() const;
  // Runs `hook` at End() — at once, on this thread, if End() already ran.
  // Returns a handle for RemoveEndHook, which withdraws a hook that has not
  // started running (one that already started may still be running).
  uint64_t AddEndHook(absl::AnyInvocable<void() &&> hook);
  void RemoveEndHook(uint64_t handle);

 private:
  mutable absl::Mutex end_mutex_;
  bool ended_ ABSL_GUARDED_BY(end_mutex_) = false;
  uint64_t next_hook_ ABSL_GUARDED_BY(end_mutex_) = 1;
  std::map<uint64_t, absl::AnyInvocable<void() &&>> end_hooks_
      ABSL_GUARDED_BY(end_mutex_);
};

// A DESTRUCTIVE call a person is asked to approve (valid during Ask).
struct ApprovalAsk {
  CallerScope& caller;
  const ToolDefinition& tool;
  const nlohmann::json& arguments;
  const std::string& arguments_sha256;
};

// How the ask ended.
struct ApprovalAnswer {
  enum class Decision {
    kApproved,     // the call runs
    kDenied,       // APPROVAL_DENIED
    kExpired,      // APPROVAL_EXPIRED
    kPending,      // APPROVAL_PENDING: the wait ended, nobody decided yet
    kUnavailable,  // AUDIT_UNAVAILABLE: the request could not be recorded
  };
  Decision decision = Decision::kUnavailable;
  std::string approval_id;  // empty when no approval was created
  std::string message;      // for the program, when not approved
  absl::Duration waited;    // time spent waiting for the person
};

// Routes DESTRUCTIVE calls of tenants whose policy is REQUIRE_APPROVAL to a
// person. Implementations must be thread-safe.
class ToolApprover {
 public:
  virtual ~ToolApprover() = default;
  // Records an approval request for `ask` and blocks until a person
  // decides, it expires, or the wait ends early (ask.caller.End(), or the
  // server stops waiting, e.g. to drain). Committed records of the
  // execution go to ask.caller.on_record.
  virtual ApprovalAnswer Ask(const ApprovalAsk& ask) = 0;
};

// Told of every call once its outcome is final (metrics). Must be
// thread-safe and must not block.
class ToolCallObserver {
 public:
  virtual ~ToolCallObserver() = default;
  // `server`/`tool`: of a known tool, else "unknown"; `outcome`: "ok" or the
  // error code; `call_time` excludes time spent waiting for a person.
  virtual void ToolCallFinished(const std::string& server,
                                const std::string& tool,
                                const std::string& outcome,
                                absl::Duration call_time) = 0;
};

// Optional collaborators of a ToolBinding; each may be null. Without an
// approver, calls that need an approval are refused (DESTRUCTIVE_REFUSED).
struct ToolBindingHooks {
  ToolApprover* approver = nullptr;
  ToolCallObserver* observer = nullptr;
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
              ToolBindingHooks hooks = {});

  // Handles one request line {"tool": "<server>.<tool>", "arguments": {...}}.
  ToolReply Call(CallerScope& caller, absl::string_view request);

  // Waits for calls in flight (each bounded by its timeout), so the
  // registry and audit log they use outlive them.
  ~ToolBinding();

 private:
  // What Dispatch learned about a call, for its record.
  struct CallFacts {
    std::string tool_name;  // as the program sent it
    std::string server;     // of a known tool, else empty
    std::string access;
    std::string arguments_sha256;
    size_t argument_bytes = 0;
    std::string approval_id;
    absl::Duration approval_wait;
  };
  ToolReply Dispatch(CallerScope& caller, absl::string_view request,
                     CallFacts& facts);
  // DESTRUCTIVE_REFUSED / APPROVAL_* unless `tenant`'s policy lets the call
  // of `tool` run (after a person's approval, when it says so).
  std::optional<ToolReply> CheckDestructive(CallerScope& caller,
                                            const ToolDefinition& tool,
                                            const TenantTools& tenant,
                                            const nlohmann::json& arguments,
                                            CallFacts& facts);

  ToolRegistry& registry_;
  audit::AuditLog* const audit_;
  const ToolBindingHooks hooks_;
  absl::Mutex mutex_;
  int in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_TOOL_BINDING_H_
