// Authenticator: turns one incoming call (its metadata and, with TLS, its
// peer certificate) into a Caller, or refuses it. The service asks it once at
// the start of every RPC, before reading the request; RPC-level role checks
// happen afterwards against the Caller.
//
// Implementations are immutable after construction and thread-safe.
#ifndef FORGE_SERVER_AUTH_AUTHENTICATOR_H_
#define FORGE_SERVER_AUTH_AUTHENTICATOR_H_

#include <memory>

#include "absl/status/statusor.h"
#include "forge/exec/v1/config.pb.h"
#include "grpcpp/server_context.h"
#include "server/auth/caller.h"

namespace forge::server::auth {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The caller of `call`; UNAUTHENTICATED with a message that says what is
  // missing or wrong (never echoing a credential) otherwise.
  virtual absl::StatusOr<Caller> Authenticate(
      const grpc::ServerContextBase& call) const = 0;
};

// True when `auth` configures tokens or client certificates.
bool HasCredentials(const forge::exec::v1::AuthConfig& auth);

// The authenticator `config.auth` describes: the test-only metadata identity
// (loopback only), credentials (tokens, client certificates) on any
// listener, else anonymous (loopback only). INVALID_ARGUMENT when the
// config is unusable, e.g. authentication off on a non-loopback listener.
absl::StatusOr<std::unique_ptr<Authenticator>> AuthenticatorFromConfig(
    const forge::exec::v1::ServerConfig& config);

}  // namespace forge::server::auth

#endif  // FORGE_SERVER_AUTH_AUTHENTICATOR_H_
