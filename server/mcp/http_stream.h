// The byte stream under the streamable HTTP transport (mcp_session.h): one
// TCP connection to an MCP server, plain (http://) or TLS (https://), with
// every send and receive bounded by a deadline.
//
// TLS verifies the server: its certificate must chain to the configured CAs
// (or the system's trust store) and name the host of the URL (DNS name, or
// IP address SAN for a literal address). TLS 1.2 or newer.
//
// Not thread-safe: one stream serves one request at a time.
#ifndef FORGE_SERVER_MCP_HTTP_STREAM_H_
#define FORGE_SERVER_MCP_HTTP_STREAM_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace forge::mcp {

// The TLS client settings of one MCP server, loaded once. Thread-safe.
class TlsClientContext {
 public:
  // Trusts the PEM certificates in `ca_path`, or the system's trust store
  // when it is empty. INVALID_ARGUMENT naming the file if it cannot be
  // loaded.
  static absl::StatusOr<std::shared_ptr<TlsClientContext>> Create(
      const std::string& ca_path);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  void* ssl_ctx() const { return ctx_; }  // SSL_CTX*

 private:
  explicit TlsClientContext(void* ctx) : ctx_(ctx) {}
  void* ctx_;
};

class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // Sends all of `data`. DEADLINE_EXCEEDED, or UNAVAILABLE if the
  // connection fails.
  virtual absl::Status SendAll(absl::string_view data, absl::Time deadline) = 0;
  // Appends what arrives next to `out`; returns how many bytes, 0 at the
  // end of the stream. DEADLINE_EXCEEDED, or UNAVAILABLE if the connection
  // fails.
  virtual absl::StatusOr<size_t> Receive(std::string& out,
                                         absl::Time deadline) = 0;
};

// Connects to `host`:`port` (and, when `tls` is set, completes a verified
// TLS handshake) by `deadline`. UNAVAILABLE (resolve, connect, handshake or
// verification failure, with the reason) or DEADLINE_EXCEEDED.
absl::StatusOr<std::unique_ptr<HttpStream>> OpenHttpStream(
    const std::string& host, const std::string& port,
    std::shared_ptr<TlsClientContext> tls, absl::Time deadline);

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_HTTP_STREAM_H_
