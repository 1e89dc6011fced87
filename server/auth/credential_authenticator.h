// CredentialAuthenticator: the authenticator of a server with credentials
// configured. A call proves who it is with
//  - a bearer token: metadata `authorization: Bearer <token>`, looked up in
//    a TokenTable (the token itself is never stored or logged); or
//  - a client certificate (mTLS): the certificate, already verified by the
//    TLS handshake against auth.tls.client_ca_path, whose subject
//    alternative names (URI or DNS) include a configured `san`.
// A bearer token, when sent, decides alone: a wrong token is refused even
// on a connection with a good certificate. Refusals are UNAUTHENTICATED
// with a message saying what is missing or wrong, never the credential.
//
// Immutable after construction; thread-safe.
#ifndef FORGE_SERVER_AUTH_CREDENTIAL_AUTHENTICATOR_H_
#define FORGE_SERVER_AUTH_CREDENTIAL_AUTHENTICATOR_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "server/auth/authenticator.h"
#include "server/auth/token_table.h"

namespace forge::server::auth {

class CredentialAuthenticator final : public Authenticator {
 public:
  // Certificates map a SAN (exact string) to its caller.
  CredentialAuthenticator(TokenTable tokens,
                          std::map<std::string, Caller> certificates)
      : tokens_(std::move(tokens)), certificates_(std::move(certificates)) {}

  // The tokens and certificate identities `config` lists. INVALID_ARGUMENT
  // naming the entry when one is unusable (TokenTable::FromConfig), when a
  // SAN is listed twice, or client certificates are mapped without
  // tls.client_ca_path (nothing would verify them).
  static absl::StatusOr<std::unique_ptr<CredentialAuthenticator>> FromConfig(
      const forge::exec::v1::AuthConfig& config);

  absl::StatusOr<Caller> Authenticate(
      const grpc::ServerContextBase& call) const override;

  // Parses an `authorization` value "Bearer <token>" (scheme in any case).
  // INVALID_ARGUMENT, without quoting the value, for anything else.
  static absl::StatusOr<absl::string_view> BearerToken(
      absl::string_view authorization);

 private:
  absl::StatusOr<Caller> FromCertificate(
      const grpc::ServerContextBase& call) const;

  const TokenTable tokens_;
  const std::map<std::string, Caller> certificates_;
};

}  // namespace forge::server::auth

#endif  // FORGE_SERVER_AUTH_CREDENTIAL_AUTHENTICATOR_H_
