// TLS and mTLS through the real server, with certificates made at test time
// by the openssl CLI: a CA, a server certificate for 127.0.0.1 and
// localhost, client certificates with a mapped and an unmapped URI SAN, and
// one from a CA the server does not trust. Checks: TLS works and plaintext
// is refused; with mTLS a mapped certificate is its configured tenant and
// principal, and no, an unmapped or an untrusted certificate is refused;
// the server refuses to start with a missing file or a key that does not
// match its certificate, naming the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::ExecutionService;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

// Certificates for one test binary run, in a temporary directory.
class Certificates {
 public:
  static Certificates* Make() {
    auto* certs = new Certificates();
    char dir[] = "/tmp/forge-tls-test-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return nullptr;
    certs->dir_ = dir;
    if (!certs->Run("ca", "/CN=forge test CA", "") ||
        !certs->Run("rogue-ca", "/CN=rogue CA", "") ||
        !certs->Run("server", "/CN=localhost",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth") ||
        !certs->Run("client", "/CN=ci",
                    "subjectAltName=URI:spiffe://example.org/ci\n"
                    "extendedKeyUsage=clientAuth") ||
        !certs->Run("stranger", "/CN=stranger",
                    "subjectAltName=URI:spiffe://example.org/stranger\n"
                    "extendedKeyUsage=clientAuth") ||
        !certs->Run("rogue", "/CN=rogue",
                    "subjectAltName=URI:spiffe://example.org/ci\n"
                    "extendedKeyUsage=clientAuth",
                    "rogue-ca")) {
      return nullptr;
    }
    return certs;
  }
  ~Certificates() { std::system(("rm -rf " + dir_).c_str()); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Pem(const std::string& name) const { return ReadAll(Path(name)); }

 private:
  // A CA (no `extensions`) or a certificate signed by `ca`.
  bool Run(const std::string& name, const std::string& subject,
           const std::string& extensions, const std::string& ca = "ca") {
    const std::string key = Path(name + ".key"), crt = Path(name + ".crt");
    std::string command;
    if (extensions.empty()) {
      command = absl::StrCat(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
          "-nodes -days 2 -subj '",
          subject, "' -keyout ", key, " -out ", crt);
    } else {
      std::ofstream(Path(name + ".ext")) << extensions << "\n";
      command = absl::StrCat(
          "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
          "-nodes -subj '",
          subject, "' -keyout ", key, " -out ", Path(name + ".csr"),
          " && openssl x509 -req -days 2 -in ", Path(name + ".csr"), " -CA ",
          Path(ca + ".crt"), " -CAkey ", Path(ca + ".key"),
          " -CAcreateserial -extfile ", Path(name + ".ext"), " -out ", crt);
    }
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }

  std::string dir_;
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = Certificates::Make(); }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "forge-execd's sandbox needs root here";
    ASSERT_NE(certs_, nullptr) << "openssl could not make the certificates";
  }

  std::string TlsConfig(bool mutual) const {
    std::string tls =
        absl::StrCat("cert_path: \"", certs_->Path("server.crt"),
                     "\" key_path: \"", certs_->Path("server.key"), "\"");
    if (mutual) {
      absl::StrAppend(&tls, " client_ca_path: \"", certs_->Path("ca.crt"),
                      "\" require_client_cert: true");
    }
    return absl::StrCat(
        "auth {\n  tls { ", tls, " }\n",
        mutual ? "  client_certificates { san: \"spiffe://example.org/ci\" "
                 "tenant: \"acme\" principal: \"ci-runner\" roles: "
                 "\"executor\" }\n"
               : "",
        "  tokens { sha256: \"", Sha256Hex("tls-test-token"),
        "\" tenant: \"acme\" principal: \"token-bot\" roles: \"executor\" }\n",
        "}\n");
  }

  // A stub over TLS trusting the test CA, presenting `client` (a name in
  // the certificate directory) when not empty.
  std::unique_ptr<ExecutionService::Stub> TlsStub(
      const ServerProcess& server, const std::string& client = "") const {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = certs_->Pem("ca.crt");
    if (!client.empty()) {
      options.pem_private_key = certs_->Pem(client + ".key");
      options.pem_cert_chain = certs_->Pem(client + ".crt");
    }
    return ExecutionService::NewStub(
        grpc::CreateChannel(server.address(), grpc::SslCredentials(options)));
  }

  static grpc::Status ListRuntimes(ExecutionService::Stub& stub,
                                   const std::string& token = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    forge::exec::v1::ListRuntimesResponse response;
    return stub.ListRuntimes(&context, {}, &response);
  }

  static Certificates* certs_;
};

Certificates* TlsTest::certs_ = nullptr;

TEST_F(TlsTest, TlsServesTokenCallsAndRefusesPlaintext) {
  auto server = ServerProcess::Start(TlsConfig(/*mutual=*/false));
  ASSERT_TRUE(server.ok()) << server.status();
  auto tls = TlsStub(**server);
  EXPECT_TRUE(ListRuntimes(*tls, "tls-test-token").ok());
  EXPECT_EQ(ListRuntimes(*tls).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A plaintext client never reaches the service.
  auto plaintext = (*server)->NewStub();
  grpc::Status refused = ListRuntimes(*plaintext, "tls-test-token");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused.error_message();
}

TEST_F(TlsTest, MutualTlsMapsTheCertificateToItsIdentity) {
  auto server = ServerProcess::Start(TlsConfig(/*mutual=*/true));
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = TlsStub(**server, "client");
  EXPECT_TRUE(ListRuntimes(*client).ok());
  CollectedEvents run = Execute(*client, Request("python", "print(1)"));
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  bool saw_start = false;
  for (const auto& event : run.events) {
    if (event.has_audit() && event.audit().type() == "execution_start") {
      saw_start = true;
      EXPECT_EQ(event.audit().tenant(), "acme");
      EXPECT_EQ(event.audit().principal(), "ci-runner");
    }
  }
  EXPECT_TRUE(saw_start);
  // A bearer token on the same connection decides alone.
  EXPECT_EQ(ListRuntimes(*client, "wrong-token").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TlsTest, CliConnectsWithItsClientCertificate) {
  auto server = ServerProcess::Start(TlsConfig(/*mutual=*/true));
  ASSERT_TRUE(server.ok()) << server.status();
  auto cli = [&](const std::string& client) {
    std::string command = absl::StrCat(
        BuildDir(), "/client/forge-exec --server ", (*server)->address(),
        " --tls_ca ", certs_->Path("ca.crt"));
    if (!client.empty()) {
      absl::StrAppend(&command, " --tls_cert ", certs_->Path(client + ".crt"),
                      " --tls_key ", certs_->Path(client + ".key"));
    }
    const int status =
        std::system((command + " runtimes >/dev/null 2>&1").c_str());
    return WEXITSTATUS(status);
  };
  EXPECT_EQ(cli("client"), 0);
  EXPECT_NE(cli(""), 0);
  EXPECT_NE(cli("stranger"), 0);
}

TEST_F(TlsTest, MutualTlsRefusesMissingUnmappedAndUntrustedCertificates) {
  auto server = ServerProcess::Start(TlsConfig(/*mutual=*/true));
  ASSERT_TRUE(server.ok()) << server.status();
  // No certificate: the handshake fails.
  EXPECT_EQ(ListRuntimes(*TlsStub(**server)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // Signed by a CA the server does not trust: the handshake fails.
  EXPECT_EQ(ListRuntimes(*TlsStub(**server, "rogue")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // Trusted but not mapped: UNAUTHENTICATED, saying why.
  grpc::Status stranger = ListRuntimes(*TlsStub(**server, "stranger"));
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(stranger.error_message(), HasSubstr("auth.client_certificates"));
}

TEST_F(TlsTest, ServerRefusesToStartWithBadFilesNamingThem) {
  auto missing = ServerProcess::Start(
      absl::StrCat("auth { tls { cert_path: \"", certs_->Path("absent.crt"),
                   "\" key_path: \"", certs_->Path("server.key"), "\" } }\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("auth.tls.cert_path"));
  EXPECT_THAT(missing.status().message(), HasSubstr("absent.crt"));

  auto mismatched = ServerProcess::Start(
      absl::StrCat("auth { tls { cert_path: \"", certs_->Path("server.crt"),
                   "\" key_path: \"", certs_->Path("client.key"), "\" } }\n"));
  ASSERT_FALSE(mismatched.ok());
  EXPECT_THAT(mismatched.status().message(), HasSubstr("client.key"));
  EXPECT_THAT(mismatched.status().message(), HasSubstr("does not match"));

  auto not_pem = ServerProcess::Start(
      absl::StrCat("auth { tls { cert_path: \"", certs_->Path("server.ext"),
                   "\" key_path: \"", certs_->Path("server.key"), "\" } }\n"));
  ASSERT_FALSE(not_pem.ok());
  EXPECT_THAT(not_pem.status().message(), HasSubstr("no PEM certificate"));
}

}  // namespace
}  // namespace forge::testing
