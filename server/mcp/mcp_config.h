// Checks the mcp section of the server config without starting anything:
// server names ([a-z][a-z0-9_]*, unique), one transport each (an absolute
// command, or an http:// URL), tenants unique, allow entries naming
// configured servers. Its own small library (forge::mcp_config) so the
// config loader links it alone.
#ifndef FORGE_SERVER_MCP_MCP_CONFIG_H_
#define FORGE_SERVER_MCP_MCP_CONFIG_H_

#include "absl/status/status.h"
#include "forge/exec/v1/mcp.pb.h"

namespace forge::mcp {

// OK, or INVALID_ARGUMENT naming the field ("mcp.servers[1].name: ...").
absl::Status ValidateMcpConfig(const forge::exec::v1::McpConfig& config);

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_MCP_CONFIG_H_
