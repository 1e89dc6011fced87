// One JSON-RPC 2.0 connection to an MCP server, whatever carries it (a child
// process's stdio, or streamable HTTP). McpClient (mcp_client.h) speaks MCP
// over it; this layer only matches responses to requests.
//
// Errors of Request():
//   DEADLINE_EXCEEDED   no response by `deadline` (the session may be stuck:
//                       callers replace it);
//   UNAVAILABLE         the transport is gone (the process exited, the
//                       connection failed); the session is dead for good;
//   FAILED_PRECONDITION the server answered with a JSON-RPC error (message
//                       "MCP error <code>: <message>").
//
// Implementations are thread-safe: many requests may be in flight at once.
#ifndef FORGE_SERVER_MCP_MCP_SESSION_H_
#define FORGE_SERVER_MCP_MCP_SESSION_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace forge::mcp {

class McpSession {
 public:
  virtual ~McpSession() = default;

  // Sends {"method": method, "params": params} and returns the response's
  // "result" member.
  virtual absl::StatusOr<nlohmann::json> Request(const std::string& method,
                                                 nlohmann::json params,
                                                 absl::Time deadline) = 0;
  // Sends a notification (no response expected).
  virtual absl::Status Notify(const std::string& method,
                              nlohmann::json params) = 0;
  // False once the transport is known to be gone.
  virtual bool Alive() const = 0;
};

// How to start a stdio MCP server.
struct StdioCommand {
  std::string command;  // absolute path of the executable
  std::vector<std::string> args;
  // The server's whole environment ("NAME=value").
  std::vector<std::string> env;
};

// Starts `command` as a child process (its own session and process group,
// stdin and stdout on a socketpair, stderr to /dev/null) and returns a
// session over newline-delimited JSON on its stdio. The child and its group
// are SIGKILLed and reaped when the session is destroyed. Errors: the
// spawn's (e.g. NOT_FOUND for a missing command).
absl::StatusOr<std::unique_ptr<McpSession>> StartStdioSession(
    const StdioCommand& command);

// A session over MCP's streamable HTTP transport: each request is one
// HTTP/1.1 POST of the JSON-RPC message to `url`, answered with
// application/json or a text/event-stream carrying the response; the
// Mcp-Session-Id the server assigns is sent back on every later request.
// `headers` (e.g. authorization) go with every request. An https:// URL
// verifies the server's certificate against the PEM CAs in `ca_path` (the
// system's trust store when empty) and the URL's host (http_stream.h).
// INVALID_ARGUMENT for a URL that is not http[s]://host[:port][/path], for
// a CA file that cannot be loaded, or for a CA file with http://.
absl::StatusOr<std::unique_ptr<McpSession>> StartHttpSession(
    const std::string& url, const std::map<std::string, std::string>& headers,
    const std::string& ca_path = "");

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_MCP_SESSION_H_
