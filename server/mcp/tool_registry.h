// ToolRegistry holds the MCP servers of the config (one McpServerPool each),
// the tools they list, the access class the config gives each tool, and the
// tenants' allow-lists. It answers "which tools may this tenant use" for
// ListTools/DescribeTool, for the /tools tree of an execution and for every
// call the binding checks.
//
// Tools are listed once at Create (each server within its connect timeout);
// a server that could not be listed then is retried, at most every 10 s,
// whenever the catalog is read.
//
// Thread-safe. Catalog snapshots stay valid while held.
#ifndef FORGE_SERVER_MCP_TOOL_REGISTRY_H_
#define FORGE_SERVER_MCP_TOOL_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "forge/exec/v1/mcp.pb.h"
#include "nlohmann/json.hpp"
#include "server/mcp/server_pool.h"
#include "spdlog/logger.h"

namespace forge::mcp {

using ::forge::exec::v1::McpConfig;
using ::forge::exec::v1::ToolAccess;

struct ToolDefinition {
  std::string server;  // McpServerConfig.name
  std::string tool;    // the name the MCP server uses
  std::string name;    // "<server>.<tool>"
  // The tool's name as a Python/TypeScript identifier and module file name.
  std::string identifier;
  std::string description;
  std::string summary;  // first line of the description, at most 160 bytes
  nlohmann::json input_schema;
  nlohmann::json output_schema;  // null when the server gives none
  ToolAccess access = forge::exec::v1::TOOL_ACCESS_DESTRUCTIVE;
};

// Every tool of every listed server, sorted by name.
struct ToolCatalog {
  std::vector<ToolDefinition> tools;
  const ToolDefinition* Find(absl::string_view name) const;
};

// What one tenant may do.
struct TenantTools {
  std::vector<std::string>
      allow;  // "<server>", "<server>.*", "<server>.<tool>"
  // Never UNSPECIFIED: the config's default resolved.
  forge::exec::v1::DestructiveToolPolicy destructive =
      forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_REQUIRE_APPROVAL;
  uint32_t max_calls_per_execution = 0;
  bool Allows(const ToolDefinition& tool) const;
};

class ToolRegistry {
 public:
  // INVALID_ARGUMENT naming the field for a bad config (names, transports,
  // duplicates, allow entries naming unknown servers). Servers that fail to
  // start or list are logged, not fatal.
  static absl::StatusOr<std::unique_ptr<ToolRegistry>> Create(
      const McpConfig& config, std::shared_ptr<spdlog::logger> log);

  // Checks `config` without starting anything.
  static absl::Status Validate(const McpConfig& config);

  std::shared_ptr<const ToolCatalog> catalog();
  // The policy of `tenant`; nullptr if the config names no such tenant.
  const TenantTools* tenant(absl::string_view tenant) const;
  // Tools `tenant` may use whose name or summary contains `query`
  // (case-insensitive; empty matches all), sorted by name.
  std::vector<const ToolDefinition*> Allowed(const ToolCatalog& catalog,
                                             absl::string_view tenant,
                                             absl::string_view query) const;
  // Resolves ExecuteRequest.tools for `tenant`: each entry a server name
  // (its allowed tools) or a tool name. INVALID_ARGUMENT naming the entry
  // that matches nothing the tenant may use.
  absl::StatusOr<std::vector<const ToolDefinition*>> Select(
      const ToolCatalog& catalog, absl::string_view tenant,
      const std::vector<std::string>& requested) const;

  // The pool of server `name`; nullptr if unknown.
  McpServerPool* pool(absl::string_view server) const;
  const McpConfig& config() const { return config_; }
  // Effective defaults (config values or the built-in ones).
  absl::Duration CallTimeout(absl::string_view server) const;
  uint32_t MaxCalls(absl::string_view tenant) const;
  uint64_t max_result_bytes() const;
  uint64_t max_argument_bytes() const;
  std::string tools_dir() const;

 private:
  ToolRegistry(const McpConfig& config, std::shared_ptr<spdlog::logger> log);
  // Lists the servers not listed yet (rate-limited); rebuilds the catalog.
  void RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const McpConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::string, std::unique_ptr<McpServerPool>, std::less<>> pools_;
  std::map<std::string, TenantTools, std::less<>> tenants_;

  absl::Mutex mutex_;
  std::map<std::string, std::vector<ToolDefinition>> listed_
      ABSL_GUARDED_BY(mutex_);
  absl::Time last_attempt_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
  std::shared_ptr<const ToolCatalog> catalog_ ABSL_GUARDED_BY(mutex_);
};

// "read", "write" or "destructive".
const char* AccessName(ToolAccess access);

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_TOOL_REGISTRY_H_
