// JSON-RPC 2.0 message helpers shared by the MCP transports.
#ifndef FORGE_SERVER_MCP_JSONRPC_H_
#define FORGE_SERVER_MCP_JSONRPC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace forge::mcp {

// {"jsonrpc": "2.0", "id": id, "method": method, "params": params}; a
// notification (no id) when `id` is negative.
nlohmann::json JsonRpcMessage(int64_t id, const std::string& method,
                              nlohmann::json params);

// The "result" of a response; FAILED_PRECONDITION "MCP error <code>:
// <message>" for an error response or one without a result.
absl::StatusOr<nlohmann::json> JsonRpcResult(const nlohmann::json& response);

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_JSONRPC_H_
