// The streamable HTTP transport of mcp_session.h.
#include "absl/strings/str_cat.h"
#include "server/mcp/mcp_session.h"

namespace forge::mcp {

absl::StatusOr<std::unique_ptr<McpSession>> StartHttpSession(
    const std::string& url, const std::map<std::string, std::string>&) {
  return absl::UnimplementedError(
      absl::StrCat("streamable HTTP transport for ", url, " is not built yet"));
}

}  // namespace forge::mcp
