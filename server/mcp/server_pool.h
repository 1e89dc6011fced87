// McpServerPool keeps a few warm, initialized connections to one MCP server
// and spreads calls over them. A connection that dies (the process crashed)
// or stops answering (a call timed out) is dropped and a fresh one is
// started for the next call, so one bad call never wedges the server's
// tools for long.
//
// Thread-safe.
#ifndef FORGE_SERVER_MCP_SERVER_POOL_H_
#define FORGE_SERVER_MCP_SERVER_POOL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/mcp/mcp_client.h"

namespace forge::mcp {

// Makes a new session to the server (a process started, or an HTTP
// endpoint named).
using SessionFactory =
    std::function<absl::StatusOr<std::unique_ptr<McpSession>>()>;

class McpServerPool {
 public:
  // `size` connections at most (>= 1); each is started and initialized on
  // first use within `connect_timeout`.
  McpServerPool(std::string name, SessionFactory factory, int size,
                absl::Duration connect_timeout);

  // Starts every connection now; the first error, if any.
  absl::Status Warm();

  // tools/list on one connection.
  absl::StatusOr<std::vector<ListedTool>> ListTools();

  // tools/call on the next connection, bounded by `timeout` (connecting a
  // replacement is bounded by the connect timeout on top). Errors:
  // DEADLINE_EXCEEDED (the connection is then dropped), UNAVAILABLE (the
  // server could not be started or died during the call), and
  // FAILED_PRECONDITION for a JSON-RPC error.
  absl::StatusOr<nlohmann::json> CallTool(const std::string& tool,
                                          const nlohmann::json& arguments,
                                          absl::Duration timeout);

  const std::string& name() const { return name_; }
  // Connections started since construction (first starts and restarts).
  int64_t starts() const { return starts_.load(); }

 private:
  struct Slot {
    absl::Mutex mutex;
    std::shared_ptr<McpClient> client ABSL_GUARDED_BY(mutex);
  };

  // A live client of slot `index`, started if needed.
  absl::StatusOr<std::shared_ptr<McpClient>> ClientOf(size_t index);
  // Drops `client` from slot `index` if it is still there.
  void Drop(size_t index, const std::shared_ptr<McpClient>& client);

  const std::string name_;
  const SessionFactory factory_;
  const absl::Duration connect_timeout_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<uint64_t> next_{0};
  std::atomic<int64_t> starts_{0};
};

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_SERVER_POOL_H_
