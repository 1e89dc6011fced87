#include "server/mcp/server_pool.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace forge::mcp {

McpServerPool::McpServerPool(std::string name, SessionFactory factory, int size,
                             absl::Duration connect_timeout)
    : name_(std::move(name)),
      factory_(std::move(factory)),
      connect_timeout_(connect_timeout) {
  for (int i = 0; i < std::max(size, 1); ++i)
    slots_.push_back(std::make_unique<Slot>());
}

absl::Status McpServerPool::Warm() {
  absl::Status first;
  for (size_t i = 0; i < slots_.size(); ++i) {
    absl::StatusOr<std::shared_ptr<McpClient>> client = ClientOf(i);
    if (!client.ok() && first.ok()) first = client.status();
  }
  return first;
}

absl::StatusOr<std::shared_ptr<McpClient>> McpServerPool::ClientOf(
    size_t index) {
  Slot& slot = *slots_[index];
  absl::MutexLock lock(&slot.mutex);
  if (slot.client != nullptr && slot.client->Alive()) return slot.client;
  // Dead or never started: (re)start it. The old one is destroyed here,
  // which kills and reaps its process.
  slot.client.reset();
  starts_.fetch_add(1);
  absl::StatusOr<std::unique_ptr<McpSession>> session = factory_();
  if (!session.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot start MCP server ", name_, ": ", session.status().message()));
  }
  absl::StatusOr<std::unique_ptr<McpClient>> client = McpClient::Initialize(
      *std::move(session), absl::Now() + connect_timeout_);
  if (!client.ok()) {
    return absl::UnavailableError(
        absl::StrCat("MCP server ", name_,
                     " did not initialize: ", client.status().message()));
  }
  slot.client = std::shared_ptr<McpClient>(std::move(*client));
  return slot.client;
}

void McpServerPool::Drop(size_t index,
                         const std::shared_ptr<McpClient>& client) {
  std::shared_ptr<McpClient> dropped;
  {
    absl::MutexLock lock(&slots_[index]->mutex);
    if (slots_[index]->client == client)
      dropped = std::move(slots_[index]->client);
  }
  // `dropped` (if last) is destroyed outside the lock.
}

absl::StatusOr<std::vector<ListedTool>> McpServerPool::ListTools() {
  const size_t index = next_.fetch_add(1) % slots_.size();
  FORGE_ASSIGN_OR_RETURN(std::shared_ptr<McpClient> client, ClientOf(index));
  absl::StatusOr<std::vector<ListedTool>> tools =
      client->ListTools(absl::Now() + connect_timeout_);
  if (!tools.ok() && (absl::IsDeadlineExceeded(tools.status()) ||
                      absl::IsUnavailable(tools.status()))) {
    Drop(index, client);
  }
  return tools;
}

absl::StatusOr<nlohmann::json> McpServerPool::CallTool(
    const std::string& tool, const nlohmann::json& arguments,
    absl::Duration timeout) {
  const size_t index = next_.fetch_add(1) % slots_.size();
  FORGE_ASSIGN_OR_RETURN(std::shared_ptr<McpClient> client, ClientOf(index));
  absl::StatusOr<nlohmann::json> result =
      client->CallTool(tool, arguments, absl::Now() + timeout);
  if (!result.ok() && (absl::IsDeadlineExceeded(result.status()) ||
                       absl::IsUnavailable(result.status()))) {
    // Stuck or dead: the next call gets a fresh process.
    Drop(index, client);
  }
  return result;
}

}  // namespace forge::mcp
