#include "server/auth/authenticator.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/auth/credential_authenticator.h"
#include "server/auth/local_authenticators.h"

namespace forge::server::auth {

bool HasCredentials(const forge::exec::v1::AuthConfig& auth) {
  return auth.tokens_size() > 0 || !auth.tokens_file().empty() ||
         auth.client_certificates_size() > 0;
}

absl::StatusOr<std::unique_ptr<Authenticator>> AuthenticatorFromConfig(
    const forge::exec::v1::ServerConfig& config) {
  const bool loopback = IsLoopbackListen(config.listen());
  const forge::exec::v1::AuthConfig& auth = config.auth();
  if (auth.identity_from_metadata()) {
    if (!loopback) {
      return absl::InvalidArgumentError(absl::StrCat(
          "auth.identity_from_metadata is for tests and trusts whatever "
          "identity a client claims; it is refused on the non-loopback "
          "listener ",
          config.listen()));
    }
    if (HasCredentials(auth)) {
      return absl::InvalidArgumentError(
          "auth.identity_from_metadata cannot be combined with tokens or "
          "client certificates");
    }
    return std::make_unique<MetadataIdentityAuthenticator>();
  }
  if (HasCredentials(auth)) {
    absl::StatusOr<std::unique_ptr<CredentialAuthenticator>> credentials =
        CredentialAuthenticator::FromConfig(auth);
    if (!credentials.ok()) return credentials.status();
    return std::unique_ptr<Authenticator>(std::move(*credentials));
  }
  if (!loopback) {
    return absl::InvalidArgumentError(absl::StrCat(
        "authentication is off and listen is ", config.listen(),
        ", which is not loopback: anyone who can reach it could run code. "
        "Configure auth tokens (auth.tokens or auth.tokens_file) or client "
        "certificates, or listen on 127.0.0.1"));
  }
  return std::make_unique<AnonymousAuthenticator>();
}

}  // namespace forge::server::auth
