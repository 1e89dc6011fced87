#include "server/mcp/tool_service.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/mcp/module_generator.h"

namespace forge::mcp {

absl::StatusOr<std::unique_ptr<ToolService>> ToolService::Create(
    const McpConfig& config, audit::AuditLog* audit,
    std::shared_ptr<spdlog::logger> log, int64_t sandbox_uid,
    ToolBindingHooks hooks) {
  FORGE_ASSIGN_OR_RETURN(std::unique_ptr<ToolRegistry> registry,
                         ToolRegistry::Create(config, std::move(log)));
  return std::unique_ptr<ToolService>(
      new ToolService(std::move(registry), audit, sandbox_uid, hooks));
}

forge::exec::v1::ListToolsResponse ToolService::ListTools(
    absl::string_view tenant, absl::string_view query) {
  std::shared_ptr<const ToolCatalog> catalog = registry_->catalog();
  forge::exec::v1::ListToolsResponse response;
  for (const ToolDefinition* tool :
       registry_->Allowed(*catalog, tenant, query)) {
    auto* summary = response.add_tools();
    summary->set_name(tool->name);
    summary->set_summary(tool->summary);
  }
  return response;
}

absl::StatusOr<forge::exec::v1::ToolDescription> ToolService::DescribeTool(
    absl::string_view tenant, absl::string_view name) {
  std::shared_ptr<const ToolCatalog> catalog = registry_->catalog();
  const ToolDefinition* tool = catalog->Find(name);
  const TenantTools* policy = registry_->tenant(tenant);
  if (tool == nullptr || policy == nullptr || !policy->Allows(*tool)) {
    return absl::NotFoundError(
        absl::StrCat("name: no tool \"", name, "\" for this tenant"));
  }
  forge::exec::v1::ToolDescription description;
  description.set_name(tool->name);
  description.set_description(tool->description);
  description.set_input_schema(tool->input_schema.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!tool->output_schema.is_null()) {
    description.set_output_schema(tool->output_schema.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  description.set_access(tool->access);
  description.set_python_import(PythonImportOf(*tool));
  description.set_typescript_import(TypeScriptImportOf(*tool));
  return description;
}

absl::Status ToolService::CheckSelection(
    absl::string_view tenant, const std::vector<std::string>& requested) {
  std::shared_ptr<const ToolCatalog> catalog = registry_->catalog();
  return registry_->Select(*catalog, tenant, requested).status();
}

absl::StatusOr<std::unique_ptr<ToolSession>> ToolService::OpenSession(
    const ToolCaller& caller, const std::vector<std::string>& requested) {
  std::shared_ptr<const ToolCatalog> catalog = registry_->catalog();
  FORGE_ASSIGN_OR_RETURN(std::vector<const ToolDefinition*> tools,
                         registry_->Select(*catalog, caller.tenant, requested));
  auto scope = std::make_unique<CallerScope>();
  scope->execution_id = caller.execution_id;
  scope->session_id = caller.session_id;
  scope->tenant = caller.tenant;
  scope->principal = caller.principal;
  scope->on_record = caller.on_record;
  for (const ToolDefinition* tool : tools) scope->exposed.insert(tool->name);
  scope->budget = registry_->MaxCalls(caller.tenant);
  return ToolSession::Start(binding_, registry_->tools_dir(), std::move(scope),
                            tools, peer_uid_);
}

void ToolService::AdjustJob(absl::string_view runtime, size_t request_args,
                            sandbox::JobSpec& job) const {
  for (const auto& setup : registry_->config().runtimes()) {
    if (setup.runtime() != runtime) continue;
    const size_t script = job.argv.size() - 1 - request_args;
    job.argv.insert(job.argv.begin() + static_cast<std::ptrdiff_t>(script),
                    setup.args().begin(), setup.args().end());
    job.env.insert(job.env.end(), setup.env().begin(), setup.env().end());
  }
}

}  // namespace forge::mcp
