#include "server/mcp/http_stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"

namespace forge::mcp {
namespace {

int RemainingMs(absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(ms, 1 << 30)));
}

// Waits for `events` on `fd`; false when `deadline` passed first.
bool WaitFor(int fd, short events, absl::Time deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

absl::StatusOr<UniqueFd> Connect(const std::string& host,
                                 const std::string& port, absl::Time deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      error != 0) {
    return absl::UnavailableError(
        absl::StrCat("resolve ", host, ": ", ::gai_strerror(error)));
  }
  absl::Status last = absl::UnavailableError("no address");
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family,
                         ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         ai->ai_protocol));
    if (fd.get() < 0) continue;
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 &&
        errno != EINPROGRESS) {
      last = absl::UnavailableError(
          absl::StrCat("connect ", host, ":", port, ": ",
                       LastErrorStatus("connect").message()));
      continue;
    }
    if (!WaitFor(fd.get(), POLLOUT, deadline)) {
      last = absl::DeadlineExceededError("connect timed out");
      continue;
    }
    int error = 0;
    socklen_t len = sizeof(error);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) {
      last = absl::UnavailableError(absl::StrCat("connect ", host, ":", port,
                                                 ": ", std::strerror(error)));
      continue;
    }
    ::freeaddrinfo(found);
    return fd;
  }
  ::freeaddrinfo(found);
  return last;
}

// The OpenSSL error queue as text (emptied).
std::string OpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    absl::StrAppend(&text, text.empty() ? "" : "; ", buffer);
  }
  return text.empty() ? "connection closed" : text;
}

class PlainStream final : public HttpStream {
 public:
  explicit PlainStream(UniqueFd fd) : fd_(std::move(fd)) {}

  absl::Status SendAll(absl::string_view data, absl::Time deadline) override {
    for (size_t done = 0; done < data.size();) {
      if (!WaitFor(fd_.get(), POLLOUT, deadline))
        return absl::DeadlineExceededError("HTTP request timed out");
      ssize_t n = ::send(fd_.get(), data.data() + done, data.size() - done,
                         MSG_NOSIGNAL);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return absl::UnavailableError("HTTP connection closed");
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> Receive(std::string& out,
                                 absl::Time deadline) override {
    char chunk[65536];
    while (true) {
      if (!WaitFor(fd_.get(), POLLIN, deadline))
        return absl::DeadlineExceededError("no HTTP answer in time");
      ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) return absl::UnavailableError("HTTP connection failed");
      out.append(chunk, static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
  }

 private:
  UniqueFd fd_;
};

class TlsStream final : public HttpStream {
 public:
  TlsStream(UniqueFd fd, SSL* ssl, std::shared_ptr<TlsClientContext> context)
      : fd_(std::move(fd)), ssl_(ssl), context_(std::move(context)) {}
  ~TlsStream() override { SSL_free(ssl_); }

  // Runs `op` until it succeeds, waiting for the socket as OpenSSL asks.
  // Returns op's result (> 0), or 0 at a clean end of stream.
  template <typename Op>
  absl::StatusOr<int> Drive(Op op, absl::Time deadline, const char* what) {
    while (true) {
      ERR_clear_error();
      const int result = op();
      if (result > 0) return result;
      switch (SSL_get_error(ssl_, result)) {
        case SSL_ERROR_WANT_READ:
          if (!WaitFor(fd_.get(), POLLIN, deadline))
            return absl::DeadlineExceededError(
                absl::StrCat(what, " timed out"));
          continue;
        case SSL_ERROR_WANT_WRITE:
          if (!WaitFor(fd_.get(), POLLOUT, deadline))
            return absl::DeadlineExceededError(
                absl::StrCat(what, " timed out"));
          continue;
        case SSL_ERROR_ZERO_RETURN:
          return 0;
        default:
          break;
      }
      if (const long verify = SSL_get_verify_result(ssl_);
          verify != X509_V_OK) {
        return absl::UnavailableError(
            absl::StrCat(what, ": certificate verify failed: ",
                         X509_verify_cert_error_string(verify)));
      }
      return absl::UnavailableError(absl::StrCat(what, ": ", OpenSslErrors()));
    }
  }

  absl::Status Handshake(absl::Time deadline) {
    return Drive([this] { return SSL_connect(ssl_); }, deadline,
                 "TLS handshake")
        .status();
  }

  absl::Status SendAll(absl::string_view data, absl::Time deadline) override {
    for (size_t done = 0; done < data.size();) {
      absl::StatusOr<int> n = Drive(
          [&] {
            return SSL_write(ssl_, data.data() + done,
                             static_cast<int>(std::min<size_t>(
                                 data.size() - done, 1 << 20)));
          },
          deadline, "HTTPS request");
      if (!n.ok()) return n.status();
      if (*n == 0) return absl::UnavailableError("HTTPS connection closed");
      done += static_cast<size_t>(*n);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<size_t> Receive(std::string& out,
                                 absl::Time deadline) override {
    char chunk[65536];
    absl::StatusOr<int> n =
        Drive([&] { return SSL_read(ssl_, chunk, sizeof(chunk)); }, deadline,
              "HTTPS answer");
    if (!n.ok()) return n.status();
    out.append(chunk, static_cast<size_t>(*n));
    return static_cast<size_t>(*n);
  }

 private:
  UniqueFd fd_;
  SSL* const ssl_;
  const std::shared_ptr<TlsClientContext> context_;  // keeps SSL_CTX alive
};

bool IsIpLiteral(const std::string& host) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

absl::StatusOr<std::shared_ptr<TlsClientContext>> TlsClientContext::Create(
    const std::string& ca_path) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return absl::InternalError("SSL_CTX_new failed");
  std::shared_ptr<TlsClientContext> context(new TlsClientContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // HTTP frames its own bodies; a server that closes without close_notify
  // after a complete answer is common.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  const int loaded = ca_path.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                     : SSL_CTX_load_verify_locations(
                                           ctx, ca_path.c_str(), nullptr);
  if (loaded != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CA certificates ", ca_path.empty() ? "(system store)" : ca_path, ": ",
        OpenSslErrors()));
  }
  return context;
}

TlsClientContext::~TlsClientContext() {
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

absl::StatusOr<std::unique_ptr<HttpStream>> OpenHttpStream(
    const std::string& host, const std::string& port,
    std::shared_ptr<TlsClientContext> tls, absl::Time deadline) {
  absl::StatusOr<UniqueFd> fd = Connect(host, port, deadline);
  if (!fd.ok()) return fd.status();
  if (tls == nullptr)
    return std::unique_ptr<HttpStream>(new PlainStream(std::move(*fd)));
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(tls->ssl_ctx()));
  if (ssl == nullptr) return absl::InternalError("SSL_new failed");
  const int raw_fd = fd->get();
  auto stream = std::make_unique<TlsStream>(std::move(*fd), ssl, tls);
  SSL_set_fd(ssl, raw_fd);
  // The certificate must name the host we asked for.
  if (IsIpLiteral(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
  }
  if (absl::Status shook = stream->Handshake(deadline); !shook.ok()) {
    return absl::Status(shook.code(), absl::StrCat("https://", host, ":", port,
                                                   ": ", shook.message()));
  }
  return std::unique_ptr<HttpStream>(std::move(stream));
}

}  // namespace forge::mcp
