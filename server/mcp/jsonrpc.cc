#include "server/mcp/jsonrpc.h"

#include "absl/strings/str_cat.h"

namespace forge::mcp {

using ::nlohmann::json;

json JsonRpcMessage(int64_t id, const std::string& method, json params) {
  json message = {
      {"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
  if (id >= 0) message["id"] = id;
  return message;
}

absl::StatusOr<json> JsonRpcResult(const json& response) {
  if (!response.is_object())
    return absl::FailedPreconditionError("MCP response is not an object");
  if (auto error = response.find("error"); error != response.end()) {
    const json code =
        error->is_object() ? error->value("code", json()) : json();
    const std::string text =
        error->is_object() ? error->value("message", std::string()) : "";
    return absl::FailedPreconditionError(
        absl::StrCat("MCP error ", code.dump(), ": ", text));
  }
  auto result = response.find("result");
  if (result == response.end())
    return absl::FailedPreconditionError("MCP response without a result");
  return *result;
}

}  // namespace forge::mcp
