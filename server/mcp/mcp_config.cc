#include "server/mcp/mcp_config.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace forge::mcp {
namespace {

bool ValidServerName(absl::string_view name) {
  if (name.empty() || name.size() > 64 || !absl::ascii_islower(name[0]))
    return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_')
      return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateMcpConfig(const forge::exec::v1::McpConfig& config) {
  std::set<std::string> names;
  for (int i = 0; i < config.servers_size(); ++i) {
    const auto& server = config.servers(i);
    const std::string field = absl::StrCat("mcp.servers[", i, "]");
    if (!ValidServerName(server.name())) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".name: \"", server.name(), "\" must match [a-z][a-z0-9_]*"));
    }
    if (!names.insert(server.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".name: \"", server.name(), "\" is used twice"));
    }
    if (server.command().empty() == server.url().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": set exactly one of command and url"));
    }
    if (!server.command().empty() && server.command()[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".command: must be an absolute path"));
    }
    if (!server.url().empty() && !absl::StartsWith(server.url(), "http://") &&
        !absl::StartsWith(server.url(), "https://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".url: only http:// and https:// URLs are supported"));
    }
    if (!server.ca_path().empty() &&
        !absl::StartsWith(server.url(), "https://")) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".ca_path: only for an https:// url"));
    }
  }
  std::set<std::string> tenants;
  for (int i = 0; i < config.tenants_size(); ++i) {
    const auto& tenant = config.tenants(i);
    if (!tenants.insert(tenant.tenant()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mcp.tenants[", i, "].tenant: \"", tenant.tenant(), "\" twice"));
    }
    if (tenant.allow_destructive() &&
        tenant.destructive() !=
            forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_UNSPECIFIED &&
        tenant.destructive() !=
            forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_ALLOW) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mcp.tenants[", i,
          "].destructive: contradicts allow_destructive: true (set one)"));
    }
    for (const std::string& entry : tenant.allow()) {
      const std::string server = entry.substr(0, entry.find('.'));
      if (!names.count(server)) {
        return absl::InvalidArgumentError(
            absl::StrCat("mcp.tenants[", i, "].allow: \"", entry,
                         "\" names no configured server"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace forge::mcp
