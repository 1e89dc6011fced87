// The streamable HTTP transport over TLS against the fake MCP server in its
// --http --tls mode, with certificates made at test time by the openssl CLI:
// a CA, a server certificate for DNS name "localhost" only, and a second,
// untrusted CA. The server's certificate must chain to the configured CA and
// name the URL's host.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mcp_test_util.h"
#include "server/mcp/mcp_config.h"
#include "server/mcp/server_pool.h"
#include "tests/loopback_ports.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

class HttpsSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/forge-mcp-tls-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return;
    dir_ = new std::string(dir);
    std::ofstream(Path("server.ext")) << "subjectAltName=DNS:localhost\n";
    const std::string ec =
        "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string command = absl::StrCat(
        "cd ", *dir_, " && openssl req -x509 ", ec,
        " -days 2 -subj '/CN=test CA' -keyout ca.key -out ca.crt",
        " && openssl req -x509 ", ec,
        " -days 2 -subj '/CN=rogue CA' -keyout rogue.key -out rogue.crt",
        " && openssl req -new ", ec,
        " -subj '/CN=localhost' -keyout server.key -out server.csr",
        " && openssl x509 -req -days 2 -in server.csr -CA ca.crt -CAkey ca.key",
        " -CAcreateserial -extfile server.ext -out server.crt >/dev/null 2>&1");
    certs_ok_ = std::system(command.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  static std::string Path(const std::string& name) {
    return *dir_ + "/" + name;
  }

  void SetUp() override {
    ASSERT_NE(dir_, nullptr);
    ASSERT_TRUE(certs_ok_) << "openssl could not make the certificates";
    port_ = forge::testing::FreeLoopbackPort();
    const std::string script = testing::FakeServer();
    const std::string port = absl::StrCat(port_);
    const std::string cert = Path("server.crt"), key = Path("server.key");
    const char* argv[] = {"/usr/bin/python3", script.c_str(), "--http",
                          port.c_str(),       "--tls",        cert.c_str(),
                          key.c_str(),        nullptr};
    const char* envp[] = {"PATH=/usr/bin:/bin", nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(::posix_spawn(&pid_, argv[0], &actions, nullptr,
                            const_cast<char**>(argv), const_cast<char**>(envp)),
              0);
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 200 && !forge::testing::LoopbackPortListening(port_);
         ++i)
      ::usleep(25000);
    ASSERT_TRUE(forge::testing::LoopbackPortListening(port_))
        << "the fake HTTPS server did not listen";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  absl::StatusOr<json> CallAdd(const std::string& host, const std::string& ca) {
    const std::string url = absl::StrCat("https://", host, ":", port_, "/mcp");
    McpServerPool pool(
        "fake", [url, ca] { return StartHttpSession(url, {}, ca); }, 1,
        absl::Seconds(10));
    return pool.CallTool("add", {{"a", 40}, {"b", 2}}, absl::Seconds(10));
  }

  static std::string* dir_;
  static bool certs_ok_;
  int port_ = 0;
  pid_t pid_ = -1;
};

std::string* HttpsSessionTest::dir_ = nullptr;
bool HttpsSessionTest::certs_ok_ = false;

TEST_F(HttpsSessionTest, AVerifiedServerListsAndCallsTools) {
  const std::string url = absl::StrCat("https://localhost:", port_, "/mcp");
  const std::string ca = Path("ca.crt");
  McpServerPool pool(
      "fake", [url, ca] { return StartHttpSession(url, {}, ca); }, 1,
      absl::Seconds(10));
  absl::StatusOr<std::vector<ListedTool>> tools = pool.ListTools();
  ASSERT_TRUE(tools.ok()) << tools.status();
  EXPECT_GE(tools->size(), 7u);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<json> result =
        pool.CallTool("add", {{"a", 40}, {"b", i}}, absl::Seconds(10));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ((*result)["structuredContent"]["sum"], 40 + i);
  }
}

TEST_F(HttpsSessionTest, AnUntrustedCertificateIsRefused) {
  absl::StatusOr<json> result = CallAdd("localhost", Path("rogue.crt"));
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_THAT(result.status().message(),
              HasSubstr("certificate verify failed"));
}

TEST_F(HttpsSessionTest, TheCertificateMustNameTheHost) {
  // Trusted CA, but the certificate names localhost, not 127.0.0.1.
  absl::StatusOr<json> result = CallAdd("127.0.0.1", Path("ca.crt"));
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("mismatch"));
}

TEST(HttpsConfigTest, CaFilesAreForHttpsOnlyAndMustLoad) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      StartHttpSession("http://127.0.0.1:1/mcp", {}, "/etc/hostname")
          .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      StartHttpSession("https://127.0.0.1:1/mcp", {}, "/nonexistent/ca.pem")
          .status()));
  McpConfig config = testing::FakeConfig(
      "servers { name: 'remote' url: 'http://127.0.0.1:1/mcp' "
      "ca_path: '/tmp/ca.pem' }");
  absl::Status status = ValidateMcpConfig(config);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("mcp.servers[1].ca_path"));
  config = testing::FakeConfig(
      "servers { name: 'remote' url: 'https://mcp.example.com/mcp' "
      "ca_path: '/tmp/ca.pem' }");
  EXPECT_TRUE(ValidateMcpConfig(config).ok());
}

}  // namespace
}  // namespace forge::mcp
