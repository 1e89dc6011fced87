// Loopback ports for tests that start a server of their own (an MCP server
// over HTTP, a relay): a free port to give it, and whether it listens yet.
#ifndef FORGE_TESTS_LOOPBACK_PORTS_H_
#define FORGE_TESTS_LOOPBACK_PORTS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace forge::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it;
// another process may still take it before the caller binds it).
inline int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t len = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Whether something accepts TCP connections on 127.0.0.1:`port`.
inline bool LoopbackPortListening(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address),
                            sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace forge::testing

#endif  // FORGE_TESTS_LOOPBACK_PORTS_H_
