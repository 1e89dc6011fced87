// Bearer tokens, refusals in the audit trail and per-tenant quotas, through
// the real server: no or a wrong token is UNAUTHENTICATED (never echoing
// it), a token's tenant and principal name its executions, a missing role is
// PERMISSION_DENIED, another tenant's evidence is NOT_FOUND, every refusal
// leaves an access_denied record without credential material, and a
// tenant's concurrency, per-minute and limit caps hold.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::ExecuteEvent;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAcmeExecutor[] = "acme-executor-token-1f2e3d";
constexpr char kAcmeAuditor[] = "acme-auditor-token-9a8b7c";
constexpr char kGlobexAdmin[] = "globex-admin-token-5d6e7f";
constexpr char kFiledToken[] = "filed-token-0c1d2e";

std::string TokenEntry(const std::string& token, const std::string& tenant,
                       const std::string& principal, const std::string& role) {
  return absl::StrCat("tokens { sha256: \"", Sha256Hex(token), "\" tenant: \"",
                      tenant, "\" principal: \"", principal, "\" roles: \"",
                      role, "\" }\n");
}

void SetToken(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", "Bearer " + token);
}

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

// Every audit line of type `type` (any type when empty) under `dir`, waiting up
// to 10 s for at least `want` of them (records are committed in the
// background).
std::vector<std::string> AuditLines(const std::string& dir,
                                    const std::string& type, size_t want) {
  std::vector<std::string> lines;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    lines.clear();
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* entry = ::readdir(d)) {
        const std::string name = entry->d_name;
        if (!absl::StartsWith(name, "audit-") ||
            !absl::EndsWith(name, ".jsonl"))
          continue;
        for (absl::string_view line :
             absl::StrSplit(ReadAll(dir + "/" + name), '\n')) {
          if (type.empty() ||
              absl::StrContains(line,
                                absl::StrCat("\"type\":\"", type, "\""))) {
            lines.emplace_back(line);
          }
        }
      }
      ::closedir(d);
    }
    if (lines.size() >= want) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  return lines;
}

class TokenAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "forge-execd's sandbox needs root here";
    char dir[] = "/tmp/forge-auth-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    std::ofstream(dir_ + "/tokens.textproto")
        << "# mounted from a Secret\n"
        << TokenEntry(kFiledToken, "initech", "filed-bot", "executor");
    auto server = ServerProcess::Start(
        absl::StrCat("audit { dir: \"", dir_, "/audit\" }\n", "auth {\n",
                     TokenEntry(kAcmeExecutor, "acme", "ci-bot", "executor"),
                     TokenEntry(kAcmeAuditor, "acme", "carol", "auditor"),
                     TokenEntry(kGlobexAdmin, "globex", "gina", "admin"),
                     "  tokens_file: \"", dir_, "/tokens.textproto\"\n}\n"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  grpc::Status ListRuntimesWith(const std::string* authorization) {
    grpc::ClientContext context;
    if (authorization != nullptr)
      context.AddMetadata("authorization", *authorization);
    forge::exec::v1::ListRuntimesResponse response;
    return stub_->ListRuntimes(&context, {}, &response);
  }

  CollectedEvents ExecuteWith(const std::string& token,
                              const std::string& code = "print(1)") {
    CollectedEvents collected;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    SetToken(context, token);
    auto reader = stub_->Execute(&context, Request("python", code));
    ExecuteEvent event;
    while (reader->Read(&event)) {
      if (event.has_finished()) {
        collected.finished = event.finished();
        collected.has_finished = true;
      }
      collected.events.push_back(event);
    }
    collected.status = reader->Finish();
    return collected;
  }

  grpc::Status EvidenceWith(const std::string& token, const std::string& id) {
    grpc::ClientContext context;
    SetToken(context, token);
    forge::exec::v1::GetEvidenceRequest request;
    request.set_execution_id(id);
    forge::exec::v1::EvidencePack pack;
    return stub_->GetEvidence(&context, request, &pack);
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

TEST_F(TokenAuthTest, MissingMalformedOrUnknownTokenIsUnauthenticated) {
  grpc::Status none = ListRuntimesWith(nullptr);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("authorization: Bearer"));

  const std::string basic = "Basic dXNlcjpodW50ZXIy";
  grpc::Status malformed = ListRuntimesWith(&basic);
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(malformed.error_message(), Not(HasSubstr("dXNlcjpodW50ZXIy")));

  const std::string wrong = "Bearer not-a-configured-token-42";
  grpc::Status unknown = ListRuntimesWith(&wrong);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(unknown.error_message(), HasSubstr("not recognised"));
  EXPECT_THAT(unknown.error_message(), Not(HasSubstr("not-a-configured")));

  CollectedEvents run = ExecuteWith("not-a-configured-token-42");
  EXPECT_EQ(run.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(run.events.empty());
}

TEST_F(TokenAuthTest, TokenNamesTheTenantAndPrincipalOfItsExecutions) {
  const std::string good = absl::StrCat("Bearer ", kAcmeExecutor);
  EXPECT_TRUE(ListRuntimesWith(&good).ok());
  CollectedEvents run = ExecuteWith(kAcmeExecutor);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_TRUE(run.has_finished);
  EXPECT_EQ(run.finished.outcome(), forge::exec::v1::OUTCOME_EXITED);
  bool saw_start = false;
  for (const ExecuteEvent& event : run.events) {
    if (event.has_audit() && event.audit().type() == "execution_start") {
      saw_start = true;
      EXPECT_EQ(event.audit().tenant(), "acme");
      EXPECT_EQ(event.audit().principal(), "ci-bot");
    }
  }
  EXPECT_TRUE(saw_start);

  // Tokens from auth.tokens_file work like inline ones.
  CollectedEvents filed = ExecuteWith(kFiledToken);
  ASSERT_TRUE(filed.status.ok()) << filed.status.error_message();
  for (const ExecuteEvent& event : filed.events) {
    if (event.has_audit()) {
      EXPECT_EQ(event.audit().tenant(), "initech");
    }
  }
}

TEST_F(TokenAuthTest, RolesAndTenantsAreEnforcedAndRefusalsAudited) {
  // An auditor may not execute.
  CollectedEvents denied = ExecuteWith(kAcmeAuditor);
  EXPECT_EQ(denied.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.status.error_message(), HasSubstr("executor"));

  CollectedEvents run = ExecuteWith(kAcmeExecutor);
  ASSERT_TRUE(run.status.ok());
  std::string id;
  for (const ExecuteEvent& event : run.events)
    if (event.has_accepted()) id = event.accepted().execution_id();
  ASSERT_FALSE(id.empty());
  // The executor lacks the auditor role; acme's auditor sees the evidence;
  // globex's admin is another tenant and gets NOT_FOUND, as for no id.
  EXPECT_EQ(EvidenceWith(kAcmeExecutor, id).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(EvidenceWith(kAcmeAuditor, id).ok());
  EXPECT_EQ(EvidenceWith(kGlobexAdmin, id).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(EvidenceWith(kGlobexAdmin, "ex_0000").error_code(),
            grpc::StatusCode::NOT_FOUND);
  const std::string wrong = "Bearer wrong-token-in-the-trail";
  EXPECT_EQ(ListRuntimesWith(&wrong).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  std::vector<std::string> records =
      AuditLines(dir_ + "/audit", "access_denied", 5);
  ASSERT_GE(records.size(), 5u);
  auto find = [&](const std::string& needle1, const std::string& needle2) {
    for (const std::string& line : records)
      if (absl::StrContains(line, needle1) && absl::StrContains(line, needle2))
        return line;
    return std::string();
  };
  std::string execute = find("\"rpc\":\"Execute\"", "PERMISSION_DENIED");
  EXPECT_THAT(execute, HasSubstr("\"tenant\":\"acme\""));
  EXPECT_THAT(execute, HasSubstr("\"principal\":\"carol\""));
  std::string cross = find("\"rpc\":\"GetEvidence\"", "NOT_FOUND");
  EXPECT_THAT(cross, HasSubstr("\"tenant\":\"globex\""));
  EXPECT_THAT(cross, HasSubstr(id));
  std::string unauthenticated =
      find("\"rpc\":\"ListRuntimes\"", "UNAUTHENTICATED");
  EXPECT_THAT(unauthenticated, HasSubstr("\"peer\":\"ipv4:127.0.0.1:"));
  EXPECT_THAT(unauthenticated, HasSubstr("\"tenant\":\"\""));
  // No credential ever reaches the trail, in clear or hashed.
  for (const std::string& line : AuditLines(dir_ + "/audit", "", 0)) {
    for (const char* token :
         {kAcmeExecutor, kAcmeAuditor, kGlobexAdmin, "wrong-token-in-the"}) {
      EXPECT_THAT(line, Not(HasSubstr(token)));
      EXPECT_THAT(line, Not(HasSubstr(Sha256Hex(token))));
    }
  }
}

TEST_F(TokenAuthTest, CliSendsItsTokenAsBearer) {
  auto run_cli = [&](const std::string& flags) {
    const std::string command =
        absl::StrCat(BuildDir(), "/client/forge-exec --server ",
                     server_->address(), " ", flags, " runtimes 2>&1");
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string output;
    char buffer[512];
    while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe))
      output.append(buffer, n);
    const int status = ::pclose(pipe);
    return std::make_pair(WEXITSTATUS(status), output);
  };
  auto [ok_code, ok_output] = run_cli(absl::StrCat("--token ", kAcmeExecutor));
  EXPECT_EQ(ok_code, 0) << ok_output;
  EXPECT_THAT(ok_output, HasSubstr("python"));
  auto [no_code, no_output] = run_cli("--token wrong-cli-token");
  EXPECT_NE(no_code, 0);
  EXPECT_THAT(no_output, HasSubstr("not recognised"));
}

}  // namespace
}  // namespace forge::testing
