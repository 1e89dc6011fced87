// Shared by the tests of server/mcp: a registry over the fake MCP server.
#ifndef FORGE_TESTS_MCP_MCP_TEST_UTIL_H_
#define FORGE_TESTS_MCP_MCP_TEST_UTIL_H_

#include <cstdlib>
#include <memory>
#include <string>

#include "google/protobuf/text_format.h"
#include "server/mcp/tool_registry.h"
#include "spdlog/sinks/null_sink.h"
#include "spdlog/spdlog.h"

namespace forge::mcp::testing {

inline std::string SourceDir() {
  const char* dir = std::getenv("FORGE_SOURCE_DIR");
  return dir ? dir : FORGE_TEST_SOURCE_DIR;
}

inline std::string FakeServer() {
  return SourceDir() + "/tests/mcp/fake_mcp_server.py";
}

inline std::shared_ptr<spdlog::logger> NullLogger() {
  return std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// A config with the fake server as "fake" plus `extra` (textproto).
inline McpConfig FakeConfig(const std::string& extra = "") {
  McpConfig config;
  const std::string text =
      "servers { name: 'fake' command: '/usr/bin/python3' args: '" +
      FakeServer() +
      "' pool_size: 1 default_access: TOOL_ACCESS_READ "
      "tools { name: 'delete_all' access: TOOL_ACCESS_DESTRUCTIVE } "
      "call_timeout { nanos: 500000000 } } "
      "tenants { tenant: '' allow: 'fake' max_calls_per_execution: 50 } " +
      extra;
  if (!google::protobuf::TextFormat::MergeFromString(text, &config)) abort();
  return config;
}

}  // namespace forge::mcp::testing

#endif  // FORGE_TESTS_MCP_MCP_TEST_UTIL_H_
