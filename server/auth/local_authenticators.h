// The authenticators that need no credential store, for a server reachable
// only from its own host (AuthenticatorFromConfig refuses both on any other
// listener):
//  - AnonymousAuthenticator: authentication off; every call is
//    AnonymousCaller().
//  - MetadataIdentityAuthenticator: TEST ONLY. The caller is whatever the
//    client claims in the metadata x-forge-tenant, x-forge-principal and
//    x-forge-roles (comma-separated role names). Lets tests act as several
//    principals and tenants without issuing credentials.
#ifndef FORGE_SERVER_AUTH_LOCAL_AUTHENTICATORS_H_
#define FORGE_SERVER_AUTH_LOCAL_AUTHENTICATORS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "server/auth/authenticator.h"

namespace forge::server::auth {

class AnonymousAuthenticator final : public Authenticator {
 public:
  absl::StatusOr<Caller> Authenticate(
      const grpc::ServerContextBase& call) const override;
};

class MetadataIdentityAuthenticator final : public Authenticator {
 public:
  static constexpr char kTenantKey[] = "x-forge-tenant";
  static constexpr char kPrincipalKey[] = "x-forge-principal";
  static constexpr char kRolesKey[] = "x-forge-roles";

  // UNAUTHENTICATED when tenant or principal is missing or empty, or a role
  // name is unknown.
  absl::StatusOr<Caller> Authenticate(
      const grpc::ServerContextBase& call) const override;
};

// True when `listen` (host:port) binds a loopback address only:
// 127.0.0.0/8, ::1 or localhost.
bool IsLoopbackListen(absl::string_view listen);

}  // namespace forge::server::auth

#endif  // FORGE_SERVER_AUTH_LOCAL_AUTHENTICATORS_H_
