// ToolSession is one execution's way out to its tools: a private host
// directory holding the generated /tools tree (module_generator.h) and a
// Unix socket (call.sock) served by a thread of this session. The directory
// is bound read-only at /tools in that execution's sandbox only, so a
// program can reach the socket of its own execution and no other: every call
// on it runs with this execution's identity and budget (CallerScope).
//
// Socket protocol: the program writes one JSON request per line and reads
// one JSON reply per line (ToolReply::Serialize); a connection may carry
// several calls in turn. Each connection is served on its own thread (at
// most kMaxConnections at once; more wait in the listen backlog).
//
// Thread-safe. Stop() (or the destructor) ends the caller's scope (a call
// waiting for an approval stops waiting), closes the socket and removes the
// directory without waiting for calls in flight: they finish on their own
// threads (bounded by the call timeout) and their replies are discarded.
#ifndef FORGE_SERVER_MCP_TOOL_SESSION_H_
#define FORGE_SERVER_MCP_TOOL_SESSION_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "server/mcp/tool_binding.h"

namespace forge::mcp {

class ToolSession {
 public:
  static constexpr int kMaxConnections = 16;

  // Creates <tools_dir>/<execution_id>/ (mode 0755; tools_dir is created
  // 0711 if missing), writes the tree for `tools`, binds and listens on the
  // socket (mode 0666: the sandbox's uid is unprivileged on the host), and
  // starts serving. A connection whose peer (SO_PEERCRED) is not host uid
  // `peer_uid` is closed unanswered (-1: any peer; tests). Errors: the
  // filesystem's or the socket's.
  static absl::StatusOr<std::unique_ptr<ToolSession>> Start(
      ToolBinding& binding, const std::string& tools_dir,
      std::unique_ptr<CallerScope> caller,
      const std::vector<const ToolDefinition*>& tools, int64_t peer_uid = -1);

  ~ToolSession();
  ToolSession(const ToolSession&) = delete;
  ToolSession& operator=(const ToolSession&) = delete;

  // The host directory to bind at /tools.
  const std::string& host_dir() const { return host_dir_; }
  // Stops serving and removes the directory. Idempotent.
  void Stop();

 private:
  struct Shared;
  ToolSession(std::string host_dir, std::shared_ptr<Shared> shared);
  static void AcceptLoop(std::shared_ptr<Shared> shared);
  static void Serve(std::shared_ptr<Shared> shared, int fd);

  const std::string host_dir_;
  std::shared_ptr<Shared> shared_;
  std::thread acceptor_;
  bool stopped_ = false;
};

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_TOOL_SESSION_H_
