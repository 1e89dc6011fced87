#include "server/audit/audit_options.h"

#include "gtest/gtest.h"

namespace forge::audit {
namespace {

using ::forge::exec::v1::AuditConfig;

TEST(AuditOptionsTest, DefaultsFillUnsetFields) {
  AuditConfig config;
  config.set_dir("/var/lib/forge/audit");
  auto options = AuditLogOptions::FromConfig(config);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->dir, "/var/lib/forge/audit");
  EXPECT_EQ(options->rotate_bytes, 64ull << 20);
  EXPECT_EQ(options->sign_interval, absl::Seconds(10));
  EXPECT_EQ(options->queue_capacity, 65536u);
  EXPECT_EQ(options->max_batch_records, 4096u);
  EXPECT_EQ(options->public_key_path, "/var/lib/forge/audit/chain-key.pub.pem");
  EXPECT_FALSE(options->log_raw_code);
  EXPECT_EQ(options->retry_interval, absl::Seconds(5));
  EXPECT_EQ(options->memory.finished_executions, 1024u);
  EXPECT_EQ(AuditLogOptions::SigningKeyPath(config),
            "/var/lib/forge/audit/chain-key.pem");
}

TEST(AuditOptionsTest, ExplicitValuesAreKept) {
  AuditConfig config;
  config.set_dir("/a");
  config.set_rotate_bytes(1 << 20);
  config.mutable_sign_interval()->set_seconds(2);
  config.set_queue_capacity(10);
  config.set_max_batch_records(5);
  config.set_signing_key_path("/keys/audit.pem");
  config.set_public_key_path("/pub/audit.pem");
  config.set_log_raw_code(true);
  config.mutable_retry_interval()->set_nanos(500000000);
  config.set_indexed_executions(0);
  auto options = AuditLogOptions::FromConfig(config);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->memory.finished_executions, 0u);
  EXPECT_EQ(options->rotate_bytes, 1u << 20);
  EXPECT_EQ(options->sign_interval, absl::Seconds(2));
  EXPECT_EQ(options->queue_capacity, 10u);
  EXPECT_EQ(options->max_batch_records, 5u);
  EXPECT_EQ(options->public_key_path, "/pub/audit.pem");
  EXPECT_TRUE(options->log_raw_code);
  EXPECT_EQ(options->retry_interval, absl::Milliseconds(500));
  EXPECT_EQ(AuditLogOptions::SigningKeyPath(config), "/keys/audit.pem");
}

TEST(AuditOptionsTest, InvalidConfigsNameTheField) {
  AuditConfig config;
  auto options = AuditLogOptions::FromConfig(config);
  EXPECT_TRUE(absl::IsInvalidArgument(options.status()));
  EXPECT_NE(options.status().message().find("audit.dir"),
            absl::string_view::npos);

  config.set_dir("/a");
  config.set_rotate_bytes(100);
  options = AuditLogOptions::FromConfig(config);
  EXPECT_NE(options.status().message().find("audit.rotate_bytes"),
            absl::string_view::npos);

  config.set_rotate_bytes(0);
  config.mutable_sign_interval()->set_seconds(-1);
  options = AuditLogOptions::FromConfig(config);
  EXPECT_NE(options.status().message().find("audit.sign_interval"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace forge::audit
