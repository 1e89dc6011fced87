// The gRPC server credentials `auth.tls` describes: plaintext when unset;
// otherwise TLS with the configured certificate and key, and client
// certificates requested (and verified against client_ca_path) when a CA is
// configured — required when require_client_cert is set (mTLS).
//
// Every file is read and checked here, at start, so a bad deployment fails
// at once with a message that names the file and what is wrong with it
// (unreadable, not PEM, key not matching the certificate).
#ifndef FORGE_SERVER_AUTH_TLS_CREDENTIALS_H_
#define FORGE_SERVER_AUTH_TLS_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "forge/exec/v1/config.pb.h"
#include "grpcpp/security/server_credentials.h"

namespace forge::server::auth {

// INVALID_ARGUMENT naming the field and file when the TLS config is
// incomplete or a file is unusable.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
ServerCredentialsFromConfig(const forge::exec::v1::AuthConfig& config);

}  // namespace forge::server::auth

#endif  // FORGE_SERVER_AUTH_TLS_CREDENTIALS_H_
