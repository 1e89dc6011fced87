#include "server/auth/credential_authenticator.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"

namespace forge::server::auth {
namespace {

constexpr char kAuthorization[] = "authorization";

}  // namespace

absl::StatusOr<std::unique_ptr<CredentialAuthenticator>>
CredentialAuthenticator::FromConfig(const forge::exec::v1::AuthConfig& config) {
  absl::StatusOr<TokenTable> tokens = TokenTable::FromConfig(config);
  if (!tokens.ok()) return tokens.status();
  if (config.client_certificates_size() > 0 &&
      config.tls().client_ca_path().empty()) {
    return absl::InvalidArgumentError(
        "auth.client_certificates needs auth.tls.client_ca_path: without a CA "
        "no client certificate is verified");
  }
  std::map<std::string, Caller> certificates;
  for (int i = 0; i < config.client_certificates_size(); ++i) {
    const auto& entry = config.client_certificates(i);
    const std::string field = absl::StrCat("auth.client_certificates[", i, "]");
    if (entry.san().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".san: required"));
    }
    absl::StatusOr<Caller> caller = CallerFromConfig(
        field, entry.tenant(), entry.principal(), entry.roles());
    if (!caller.ok()) return caller.status();
    if (!certificates.emplace(entry.san(), std::move(*caller)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".san: \"", entry.san(), "\" is listed twice"));
    }
  }
  return std::make_unique<CredentialAuthenticator>(std::move(*tokens),
                                                   std::move(certificates));
}

absl::StatusOr<absl::string_view> CredentialAuthenticator::BearerToken(
    absl::string_view authorization) {
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(authorization.substr(0, kScheme.size()),
                              kScheme)) {
    return absl::InvalidArgumentError(
        "authorization metadata must be \"Bearer <token>\"");
  }
  absl::string_view token =
      absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
  if (token.empty()) {
    return absl::InvalidArgumentError(
        "authorization metadata must be \"Bearer <token>\"");
  }
  return token;
}

absl::StatusOr<Caller> CredentialAuthenticator::Authenticate(
    const grpc::ServerContextBase& call) const {
  const auto& metadata = call.client_metadata();
  auto [first, last] = metadata.equal_range(kAuthorization);
  if (first != last) {
    if (std::next(first) != last) {
      return absl::UnauthenticatedError(
          "more than one authorization metadata entry");
    }
    absl::StatusOr<absl::string_view> token = BearerToken(
        absl::string_view(first->second.data(), first->second.size()));
    if (!token.ok())
      return absl::UnauthenticatedError(token.status().message());
    absl::StatusOr<Caller> caller = tokens_.Lookup(*token);
    if (!caller.ok()) {
      return absl::UnauthenticatedError(
          "bearer token not recognised (tokens are configured by their "
          "SHA-256 in auth.tokens or auth.tokens_file)");
    }
    return caller;
  }
  return FromCertificate(call);
}

absl::StatusOr<Caller> CredentialAuthenticator::FromCertificate(
    const grpc::ServerContextBase& call) const {
  std::shared_ptr<const grpc::AuthContext> context = call.auth_context();
  const bool has_certificate =
      context != nullptr &&
      !context->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME).empty();
  if (!has_certificate) {
    return absl::UnauthenticatedError(
        certificates_.empty()
            ? "credentials required: send metadata \"authorization: Bearer "
              "<token>\""
            : "credentials required: send metadata \"authorization: Bearer "
              "<token>\" or connect with a client certificate");
  }
  // Only verified certificates reach here: the server requests client
  // certificates only with a CA to verify them against.
  for (const char* property :
       {GRPC_X509_SAN_PROPERTY_NAME, GRPC_PEER_URI_PROPERTY_NAME,
        GRPC_PEER_DNS_PROPERTY_NAME}) {
    for (const grpc::string_ref& value :
         context->FindPropertyValues(property)) {
      auto it = certificates_.find(std::string(value.data(), value.size()));
      if (it != certificates_.end()) return it->second;
    }
  }
  return absl::UnauthenticatedError(
      "client certificate verified, but none of its subject alternative "
      "names is in auth.client_certificates");
}

}  // namespace forge::server::auth
