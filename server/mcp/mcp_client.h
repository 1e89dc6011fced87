// McpClient speaks MCP over one McpSession: the initialize handshake,
// tools/list (all pages) and tools/call. Thread-safe (calls may overlap; the
// session multiplexes them).
#ifndef FORGE_SERVER_MCP_MCP_CLIENT_H_
#define FORGE_SERVER_MCP_MCP_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/mcp/mcp_session.h"

namespace forge::mcp {

// A tool as its MCP server lists it.
struct ListedTool {
  std::string name;
  std::string description;
  nlohmann::json input_schema;   // an object schema; {} when absent
  nlohmann::json output_schema;  // null when absent
};

class McpClient {
 public:
  // Runs initialize + notifications/initialized on `session` by `deadline`.
  // Errors: the session's (mcp_session.h).
  static absl::StatusOr<std::unique_ptr<McpClient>> Initialize(
      std::unique_ptr<McpSession> session, absl::Time deadline);

  // Every tool the server lists (following nextCursor).
  absl::StatusOr<std::vector<ListedTool>> ListTools(absl::Time deadline);

  // tools/call; returns the CallToolResult object as the server sent it
  // (content, structuredContent, isError).
  absl::StatusOr<nlohmann::json> CallTool(const std::string& name,
                                          const nlohmann::json& arguments,
                                          absl::Time deadline);

  bool Alive() const { return session_->Alive(); }
  // The server's serverInfo.name, for logs.
  const std::string& server_name() const { return server_name_; }

 private:
  explicit McpClient(std::unique_ptr<McpSession> session)
      : session_(std::move(session)) {}

  std::unique_ptr<McpSession> session_;
  std::string server_name_;
};

// The MCP protocol revision this client asks for.
inline constexpr char kMcpProtocolVersion[] = "2025-06-18";

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_MCP_CLIENT_H_
