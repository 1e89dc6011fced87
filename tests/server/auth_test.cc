// Roles, loopback detection and which authenticator a config gets
// (refusals included). Authentication of real calls is tested through the
// server in tests/integration/identity_test.cc.
#include <gtest/gtest.h>

#include "server/auth/authenticator.h"
#include "server/auth/caller.h"
#include "server/auth/local_authenticators.h"

namespace forge::server::auth {
namespace {

TEST(RoleTest, NamesRoundTrip) {
  for (Role role :
       {Role::kExecutor, Role::kApprover, Role::kAuditor, Role::kAdmin}) {
    absl::optional<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
  EXPECT_FALSE(ParseRole("Executor").has_value());
  EXPECT_FALSE(ParseRole("").has_value());
}

TEST(CallerTest, HasOnlyItsRolesUnlessAdmin) {
  Caller executor{"t", "p", static_cast<uint32_t>(Role::kExecutor)};
  EXPECT_TRUE(executor.Has(Role::kExecutor));
  EXPECT_FALSE(executor.Has(Role::kApprover));
  EXPECT_FALSE(executor.Has(Role::kAuditor));
  EXPECT_FALSE(executor.Has(Role::kAdmin));
  Caller admin{"t", "p", static_cast<uint32_t>(Role::kAdmin)};
  EXPECT_TRUE(admin.Has(Role::kExecutor));
  EXPECT_TRUE(admin.Has(Role::kApprover));
  EXPECT_TRUE(admin.Has(Role::kAuditor));
  Caller nobody{"t", "p", 0};
  EXPECT_FALSE(nobody.Has(Role::kExecutor));
}

TEST(LoopbackTest, RecognisesLoopbackListeners) {
  EXPECT_TRUE(IsLoopbackListen("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackListen("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackListen("localhost:50051"));
  EXPECT_TRUE(IsLoopbackListen("[::1]:50051"));
  EXPECT_FALSE(IsLoopbackListen("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackListen("[::]:50051"));
  EXPECT_FALSE(IsLoopbackListen("10.0.0.1:50051"));
  EXPECT_FALSE(IsLoopbackListen("127.0.0.1.evil.example:50051"));
  EXPECT_FALSE(IsLoopbackListen("127.0.0.256:1"));
  EXPECT_FALSE(IsLoopbackListen("127.0.0.1"));
  EXPECT_FALSE(IsLoopbackListen(":50051"));
}

TEST(AuthenticatorFromConfigTest, AnonymousOnLoopback) {
  forge::exec::v1::ServerConfig config;
  config.set_listen("127.0.0.1:50051");
  auto authenticator = AuthenticatorFromConfig(config);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_NE(dynamic_cast<AnonymousAuthenticator*>(authenticator->get()),
            nullptr);
}

TEST(AuthenticatorFromConfigTest, NoAuthOnNonLoopbackIsRefusedWithReason) {
  forge::exec::v1::ServerConfig config;
  config.set_listen("0.0.0.0:50051");
  auto authenticator = AuthenticatorFromConfig(config);
  ASSERT_FALSE(authenticator.ok());
  EXPECT_EQ(authenticator.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(authenticator.status().message().find("not loopback"),
            std::string::npos)
      << authenticator.status();
}

TEST(AuthenticatorFromConfigTest, MetadataIdentityOnlyOnLoopback) {
  forge::exec::v1::ServerConfig config;
  config.mutable_auth()->set_identity_from_metadata(true);
  config.set_listen("127.0.0.1:0");
  auto local = AuthenticatorFromConfig(config);
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_NE(dynamic_cast<MetadataIdentityAuthenticator*>(local->get()),
            nullptr);
  config.set_listen("0.0.0.0:50051");
  auto remote = AuthenticatorFromConfig(config);
  ASSERT_FALSE(remote.ok());
  EXPECT_NE(remote.status().message().find("identity_from_metadata"),
            std::string::npos)
      << remote.status();
}

}  // namespace
}  // namespace forge::server::auth
