// Who a call is: the server with auth.identity_from_metadata (tests only)
// takes tenant, principal and roles from metadata; every RPC checks its role
// and tenant-scoped data stays with its tenant. Audit records name the
// caller.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kIdentityConfig[] = "auth { identity_from_metadata: true }\n";

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "forge-execd's sandbox needs root here";
    auto server = ServerProcess::Start(kIdentityConfig);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }

  grpc::StatusCode ListRuntimesAs(const TestIdentity* identity) {
    grpc::ClientContext context;
    if (identity != nullptr) SetIdentity(context, *identity);
    forge::exec::v1::ListRuntimesResponse response;
    return stub_->ListRuntimes(&context, {}, &response).error_code();
  }

  grpc::Status EvidenceAs(const TestIdentity& identity,
                          const std::string& execution_id,
                          forge::exec::v1::EvidencePack* pack) {
    grpc::ClientContext context;
    SetIdentity(context, identity);
    forge::exec::v1::GetEvidenceRequest request;
    request.set_execution_id(execution_id);
    return stub_->GetEvidence(&context, request, pack);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

TEST_F(IdentityTest, CallWithoutIdentityIsUnauthenticated) {
  EXPECT_EQ(ListRuntimesAs(nullptr), grpc::StatusCode::UNAUTHENTICATED);
  CollectedEvents run = Execute(*stub_, Request("python", "print(1)"));
  EXPECT_EQ(run.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(run.status.error_message(), HasSubstr("x-forge-tenant"));
  EXPECT_TRUE(run.events.empty());
}

TEST_F(IdentityTest, UnknownRoleIsUnauthenticated) {
  TestIdentity bogus{"acme", "alice", "executor,superuser"};
  EXPECT_EQ(ListRuntimesAs(&bogus), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IdentityTest, WrongRoleIsPermissionDenied) {
  TestIdentity auditor{"acme", "carol", "auditor"};
  CollectedEvents run = Execute(*stub_, Request("python", "print(1)"),
                                absl::Seconds(60), &auditor);
  EXPECT_EQ(run.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(run.status.error_message(), HasSubstr("executor"));
  EXPECT_TRUE(run.events.empty());

  TestIdentity executor{"acme", "alice", "executor"};
  forge::exec::v1::EvidencePack pack;
  EXPECT_EQ(EvidenceAs(executor, "ex_any", &pack).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(IdentityTest, EvidenceIsTenantScopedAndNamesThePrincipal) {
  TestIdentity alice{"acme", "alice", "executor"};
  CollectedEvents run = Execute(*stub_, Request("python", "print(6 * 7)"),
                                absl::Seconds(60), &alice);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  EXPECT_EQ(run.stdout_data, "42\n");
  ASSERT_FALSE(run.events.empty());
  ASSERT_TRUE(run.events.front().has_accepted());
  const std::string execution_id = run.events.front().accepted().execution_id();

  TestIdentity same_tenant_auditor{"acme", "carol", "auditor"};
  forge::exec::v1::EvidencePack pack;
  grpc::Status own = EvidenceAs(same_tenant_auditor, execution_id, &pack);
  ASSERT_TRUE(own.ok()) << own.error_message();
  ASSERT_GT(pack.records_size(), 0);
  for (const auto& record : pack.records()) {
    EXPECT_EQ(record.tenant(), "acme");
    EXPECT_EQ(record.principal(), "alice");
  }

  // Another tenant gets the same answer as for an id that never existed.
  TestIdentity other_tenant{"globex", "mallory", "auditor,executor"};
  forge::exec::v1::EvidencePack other_pack;
  grpc::Status other = EvidenceAs(other_tenant, execution_id, &other_pack);
  grpc::Status missing = EvidenceAs(other_tenant, "ex_never", &other_pack);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(other_pack.records_size(), 0);
}

}  // namespace
}  // namespace forge::testing
