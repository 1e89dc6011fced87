#include "server/mcp/mcp_config.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace forge::mcp {
namespace {

using ::testing::HasSubstr;

absl::Status Check(const std::string& text) {
  forge::exec::v1::McpConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
  return ValidateMcpConfig(config);
}

TEST(McpConfigTest, AcceptsStdioAndHttpServers) {
  EXPECT_TRUE(
      Check("servers { name: 'files' command: '/usr/bin/node' } "
            "servers { name: 'web_2' url: 'http://127.0.0.1:3001/mcp' } "
            "tenants { tenant: 'default' allow: 'files' allow: "
            "'web_2.fetch' allow: 'files.*' }")
          .ok());
  EXPECT_TRUE(Check("").ok());
}

TEST(McpConfigTest, RefusesBadServersNamingTheField) {
  EXPECT_THAT(Check("servers { name: 'Files' command: '/x' }").message(),
              HasSubstr("mcp.servers[0].name"));
  EXPECT_THAT(Check("servers { name: 'a' command: '/x' } "
                    "servers { name: 'a' command: '/y' }")
                  .message(),
              HasSubstr("mcp.servers[1].name: \"a\" is used twice"));
  EXPECT_THAT(Check("servers { name: 'a' }").message(),
              HasSubstr("exactly one of command and url"));
  EXPECT_THAT(
      Check("servers { name: 'a' command: '/x' url: 'http://h/' }").message(),
      HasSubstr("exactly one of command and url"));
  EXPECT_THAT(Check("servers { name: 'a' command: 'node' }").message(),
              HasSubstr("absolute path"));
  EXPECT_THAT(Check("servers { name: 'a' url: 'ftp://h/mcp' }").message(),
              HasSubstr("only http:// and https://"));
  EXPECT_TRUE(Check("servers { name: 'a' url: 'https://h/mcp' }").ok());
}

TEST(McpConfigTest, RefusesAllowEntriesForUnknownServersAndDuplicateTenants) {
  EXPECT_THAT(
      Check("servers { name: 'a' command: '/x' } "
            "tenants { tenant: 't' allow: 'b.tool' }")
          .message(),
      HasSubstr("mcp.tenants[0].allow: \"b.tool\" names no configured"));
  EXPECT_THAT(
      Check("tenants { tenant: 't' } tenants { tenant: 't' }").message(),
      HasSubstr("mcp.tenants[1].tenant"));
}

}  // namespace
}  // namespace forge::mcp
