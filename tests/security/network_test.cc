// Hostile programs that go for the network: sockets that reach past the
// sandbox's private stack, the service's own port and the host's other
// ports, outside addresses, and DNS. The sandbox has its own network
// namespace with only a loopback interface.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/hostile_harness.h"

namespace forge::testing::security {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string OutcomeName(const CollectedEvents& run) {
  return forge::exec::v1::Outcome_Name(run.finished.outcome());
}

// The host's IPv4 addresses other than loopback.
std::vector<std::string> HostAddresses() {
  std::vector<std::string> addresses;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return addresses;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET)
      continue;
    char text[INET_ADDRSTRLEN];
    const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
    ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
    if (std::string(text).rfind("127.", 0) != 0) addresses.push_back(text);
  }
  ::freeifaddrs(list);
  return addresses;
}

// TCP ports listening on the host (IPv4), from /proc/net/tcp.
std::set<int> HostListeningPorts() {
  std::set<int> ports;
  std::ifstream file("/proc/net/tcp");
  std::string line;
  std::getline(file, line);  // header
  while (std::getline(file, line)) {
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 4 || fields[3] != "0A") continue;  // LISTEN
    std::vector<std::string> local = absl::StrSplit(fields[1], ':');
    int port;
    if (local.size() == 2 && absl::SimpleHexAtoi(local[1], &port))
      ports.insert(port);
  }
  return ports;
}

// The first nameserver of the host's /etc/resolv.conf.
std::string HostResolver() {
  std::ifstream file("/etc/resolv.conf");
  std::string line;
  while (std::getline(file, line)) {
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() >= 2 && fields[0] == "nameserver") return fields[1];
  }
  return "8.8.8.8";
}

class NetworkTest : public HostileProgramTest {
 protected:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { StopServer(); }

  std::string ServerPort() const {
    const std::string& address = server_->address();
    return address.substr(address.rfind(':') + 1);
  }
};

// Property: the service's own gRPC port, and every other TCP port listening
// on the host's loopback, are unreachable from the sandbox (its loopback is
// its own: connections are refused); the host's other addresses have no
// route at all.
TEST_F(NetworkTest, ServiceAndHostPortsAreUnreachable) {
  std::vector<std::string> targets = {
      absl::StrCat("tcp:127.0.0.1:", ServerPort()),
      absl::StrCat("tcp:[::1]:", ServerPort())};
  std::vector<std::string> expected = {"#0 tcp: ECONNREFUSED",
                                       "#1 tcp: ECONNREFUSED"};
  int listed = 0;
  for (int port : HostListeningPorts()) {
    if (++listed > 8) break;
    targets.push_back(absl::StrCat("tcp:127.0.0.1:", port));
    expected.push_back(
        absl::StrCat("#", expected.size(), " tcp: ECONNREFUSED"));
  }
  for (const std::string& address : HostAddresses()) {
    for (const std::string& port : {ServerPort(), std::string("22")}) {
      targets.push_back(absl::StrCat("tcp:", address, ":", port));
      expected.push_back(
          absl::StrCat("#", expected.size(), " tcp: ENETUNREACH"));
    }
  }
  CollectedEvents run = RunHostile(ProgramRequest("connect_out.py", targets));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_THAT(StdoutLines(run), ::testing::ElementsAreArray(expected))
      << Describe(run);
}

// Property: outside addresses (IPv4 and IPv6, TCP and UDP) have no route.
TEST_F(NetworkTest, OutsideAddressesAreUnreachable) {
  const std::vector<std::string> targets = {
      "tcp:1.1.1.1:443", "tcp:8.8.8.8:53", "udp:8.8.8.8:53",
      "tcp:[2606:4700:4700::1111]:443", "udp:[2001:4860:4860::8888]:53"};
  CollectedEvents run = RunHostile(ProgramRequest("connect_out.py", targets));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  std::vector<std::string> expected;
  for (const std::string& target : targets) {
    expected.push_back(absl::StrCat("#", expected.size(), " ",
                                    target.substr(0, 3), ": ENETUNREACH"));
  }
  EXPECT_THAT(StdoutLines(run), ::testing::ElementsAreArray(expected))
      << Describe(run);
}

// Property: names do not resolve (no resolver configured, none reachable:
// a query sent straight to the host's resolver has no route); localhost
// still resolves from the sandbox's own hosts file.
TEST_F(NetworkTest, DnsResolutionFails) {
  CollectedEvents run =
      RunHostile(ProgramRequest("dns_lookup.py", {HostResolver()}));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_THAT(StdoutLines(run),
              ElementsAre("example.com: lookup failed", "localhost: 127.0.0.1",
                          "resolver: ENETUNREACH"))
      << Describe(run);
}

// Property: Node's two resolvers (getaddrinfo and its own c-ares DNS
// client) both fail for a public name.
TEST_F(NetworkTest, NodeDnsResolutionFails) {
  CollectedEvents run = RunHostile(ProgramRequest("dns_lookup.js"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_THAT(StdoutLines(run), ElementsAre("lookup example.com: failed",
                                            "resolve4 example.com: failed",
                                            "lookup localhost: 127.0.0.1"))
      << Describe(run);
}

// Property: the private loopback works inside one execution (the control
// for the refusals above: they are isolation, not a broken stack).
TEST_F(NetworkTest, LoopbackWorksInsideOneExecution) {
  CollectedEvents run = RunHostile(ProgramRequest("loopback_private.py"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data, "hello over loopback\n") << Describe(run);
}

struct SocketCase {
  std::string family;    // argument of socket_family.py
  std::string expected;  // "violation" or an errno name
};

class SocketFamilyTest : public HostileProgramTest,
                         public ::testing::WithParamInterface<SocketCase> {
 protected:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { StopServer(); }
};

// Property: raw IP, packet and vsock sockets are violations (the execution
// ends naming `socket`); netlink is refused with EAFNOSUPPORT, because
// getaddrinfo probes it and must carry on.
TEST_P(SocketFamilyTest, SocketIsRefused) {
  const SocketCase& c = GetParam();
  CollectedEvents run =
      RunHostile(ProgramRequest("socket_family.py", {c.family}), 10);
  const std::string attempting =
      absl::StrCat("attempting socket ", c.family, "\n");
  if (c.expected == "violation") {
    EXPECT_EQ(OutcomeName(run), "OUTCOME_SANDBOX_VIOLATION") << Describe(run);
    EXPECT_THAT(run.finished.message(), HasSubstr("socket")) << Describe(run);
    EXPECT_EQ(run.stdout_data, attempting) << Describe(run);
  } else {
    EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
    EXPECT_EQ(run.stdout_data,
              absl::StrCat(attempting, c.family, ": ", c.expected, "\n"))
        << Describe(run);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, SocketFamilyTest,
                         ::testing::Values(SocketCase{"raw_ipv4", "violation"},
                                           SocketCase{"raw_ipv6", "violation"},
                                           SocketCase{"packet", "violation"},
                                           SocketCase{"vsock", "violation"},
                                           SocketCase{"netlink",
                                                      "EAFNOSUPPORT"}),
                         [](const ::testing::TestParamInfo<SocketCase>& info) {
                           return info.param.family;
                         });

}  // namespace
}  // namespace forge::testing::security
