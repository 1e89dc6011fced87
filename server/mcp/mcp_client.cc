#include "server/mcp/mcp_client.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace forge::mcp {

using ::nlohmann::json;

absl::StatusOr<std::unique_ptr<McpClient>> McpClient::Initialize(
    std::unique_ptr<McpSession> session, absl::Time deadline) {
  std::unique_ptr<McpClient> client(new McpClient(std::move(session)));
  json params = {{"protocolVersion", kMcpProtocolVersion},
                 {"capabilities", json::object()},
                 {"clientInfo", {{"name", "forge-exec"}, {"version", "1"}}}};
  FORGE_ASSIGN_OR_RETURN(
      json result,
      client->session_->Request("initialize", std::move(params), deadline));
  if (!result.is_object()) {
    return absl::FailedPreconditionError("initialize answered a non-object");
  }
  if (auto info = result.find("serverInfo");
      info != result.end() && info->is_object()) {
    client->server_name_ = info->value("name", std::string());
  }
  FORGE_RETURN_IF_ERROR(
      client->session_->Notify("notifications/initialized", json::object()));
  return client;
}

absl::StatusOr<std::vector<ListedTool>> McpClient::ListTools(
    absl::Time deadline) {
  std::vector<ListedTool> tools;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    json params = json::object();
    if (!cursor.empty()) params["cursor"] = cursor;
    FORGE_ASSIGN_OR_RETURN(json result,
                           session_->Request("tools/list", params, deadline));
    if (!result.is_object() || !result.contains("tools") ||
        !result["tools"].is_array()) {
      return absl::FailedPreconditionError("tools/list answered no tools");
    }
    for (const json& tool : result["tools"]) {
      if (!tool.is_object() || !tool.contains("name") ||
          !tool["name"].is_string())
        continue;
      ListedTool listed;
      listed.name = tool["name"].get<std::string>();
      if (auto d = tool.find("description"); d != tool.end() && d->is_string())
        listed.description = d->get<std::string>();
      listed.input_schema = json::object();
      if (auto s = tool.find("inputSchema"); s != tool.end() && s->is_object())
        listed.input_schema = *s;
      if (auto s = tool.find("outputSchema"); s != tool.end() && s->is_object())
        listed.output_schema = *s;
      tools.push_back(std::move(listed));
    }
    auto next = result.find("nextCursor");
    if (next == result.end() || !next->is_string() ||
        next->get<std::string>().empty())
      return tools;
    cursor = next->get<std::string>();
  }
  return absl::FailedPreconditionError("tools/list never ended");
}

absl::StatusOr<json> McpClient::CallTool(const std::string& name,
                                         const json& arguments,
                                         absl::Time deadline) {
  FORGE_ASSIGN_OR_RETURN(
      json result,
      session_->Request("tools/call",
                        {{"name", name}, {"arguments", arguments}}, deadline));
  if (!result.is_object())
    return absl::FailedPreconditionError("tools/call answered a non-object");
  return result;
}

}  // namespace forge::mcp
