// What an execution needs from the server: long-lived components, owned by
// main and shared by every call. A bundle of references, not a god object:
// each member is its own component with its own contract.
#ifndef FORGE_SERVER_SERVICE_CONTEXT_H_
#define FORGE_SERVER_SERVICE_CONTEXT_H_

#include <memory>

#include "cars/assessor.h"
#include "forge/exec/v1/config.pb.h"
#include "sandbox/launcher_client.h"
#include "server/access_audit.h"
#include "server/admission.h"
#include "server/approval_gate.h"
#include "server/audit/audit_log.h"
#include "server/auth/authenticator.h"
#include "server/launcher_supervisor.h"
#include "server/metrics.h"
#include "server/output_pump.h"
#include "server/privacy/redactor.h"
#include "server/runtime_registry.h"
#include "server/tenant_quotas.h"
#include "server/worker_pool.h"
#include "spdlog/logger.h"

namespace forge::mcp {
class ToolService;
}  // namespace forge::mcp

namespace forge::server {

struct ServiceContext {
  const forge::exec::v1::ServerConfig& config;
  const auth::Authenticator& authenticator;
  const RuntimeRegistry& runtimes;
  LauncherSupervisor& launcher;
  WorkerPool& pool;
  OutputPump& pump;
  Admission& admission;
  const cars::Assessor& assessor;
  const privacy::Redactor& redactor;
  audit::AuditLog& audit;
  ApprovalGate& approvals;
  ServerMetrics& metrics;
  std::shared_ptr<spdlog::logger> log;
  AccessAudit& access_audit;
  TenantQuotas& quotas;
  // MCP tool access; null when the config registers no MCP server.
  mcp::ToolService* tools = nullptr;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_SERVICE_CONTEXT_H_
