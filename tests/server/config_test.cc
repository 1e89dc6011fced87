// Loading and validating the server config: the embedded default, overlays
// from a file, field presence for metrics_listen, and clear errors.
#include "server/config.h"

#include <gtest/gtest.h>

#include <string>

namespace forge::server {
namespace {

constexpr char kProjectDir[] = "/opt/forge-test";

TEST(ConfigTest, EmbeddedDefaultLoadsAndValidates) {
  absl::StatusOr<ServerConfig> config = LoadConfigFromText("", kProjectDir);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen(), "127.0.0.1:50051");
  EXPECT_FALSE(config->metrics_listen().empty());
  EXPECT_GE(config->runtimes_size(), 4);
}

TEST(ConfigTest, EmptyMetricsListenInFileDisablesTheDefaultListener) {
  absl::StatusOr<ServerConfig> config =
      LoadConfigFromText("metrics_listen: \"\"\n", kProjectDir);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->metrics_listen().empty());
}

TEST(ConfigTest, FileWithoutMetricsListenKeepsTheDefault) {
  absl::StatusOr<ServerConfig> defaults = LoadConfigFromText("", kProjectDir);
  absl::StatusOr<ServerConfig> config =
      LoadConfigFromText("log_level: \"debug\"\n", kProjectDir);
  ASSERT_TRUE(defaults.ok() && config.ok());
  EXPECT_EQ(config->metrics_listen(), defaults->metrics_listen());
  EXPECT_EQ(config->log_level(), "debug");
}

TEST(ConfigTest, RuntimesInFileReplaceTheDefaults) {
  absl::StatusOr<ServerConfig> config = LoadConfigFromText(
      "runtimes { name: \"python\" binary: \"/usr/bin/python3\" "
      "extensions: \".py\" script_name: \"main.py\" }\n",
      kProjectDir);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->runtimes_size(), 1);
  EXPECT_EQ(config->runtimes(0).name(), "python");
}

TEST(ConfigTest, RelativeBinaryResolvesAgainstProjectDir) {
  absl::StatusOr<ServerConfig> config = LoadConfigFromText(
      "runtimes { name: \"python\" binary: \"bin/python3\" "
      "extensions: \".py\" script_name: \"main.py\" }\n",
      kProjectDir);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->runtimes(0).binary(),
            std::string(kProjectDir) + "/bin/python3");
}

TEST(ConfigTest, SyntaxErrorNamesLineAndColumn) {
  absl::StatusOr<ServerConfig> config =
      LoadConfigFromText("listen: \"a:1\"\nno_such_field: 3\n", kProjectDir);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("line 2"), std::string::npos)
      << config.status();
  EXPECT_NE(config.status().message().find("no_such_field"), std::string::npos)
      << config.status();
}

TEST(ConfigTest, DefaultLimitsAboveMaxAreRejectedByName) {
  absl::StatusOr<ServerConfig> config = LoadConfigFromText(
      "default_limits { memory_bytes: 1099511627776 }\n", kProjectDir);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("default_limits.memory_bytes"),
            std::string::npos)
      << config.status();
}

TEST(ConfigTest, MissingFileIsNotFound) {
  absl::StatusOr<ServerConfig> config =
      LoadConfig("/nonexistent/forge.textproto", kProjectDir);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace forge::server
