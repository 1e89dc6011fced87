#include "server/auth/local_authenticators.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace forge::server::auth {
namespace {

// The single value of metadata `key`, or "" when absent.
std::string MetadataValue(const grpc::ServerContextBase& call,
                          absl::string_view key) {
  const auto& metadata = call.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<Caller> AnonymousAuthenticator::Authenticate(
    const grpc::ServerContextBase& /*call*/) const {
  return AnonymousCaller();
}

absl::StatusOr<Caller> MetadataIdentityAuthenticator::Authenticate(
    const grpc::ServerContextBase& call) const {
  Caller caller;
  caller.tenant = MetadataValue(call, kTenantKey);
  caller.principal = MetadataValue(call, kPrincipalKey);
  if (caller.tenant.empty() || caller.principal.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "identity metadata required: ", kTenantKey, " and ", kPrincipalKey));
  }
  for (absl::string_view name :
       absl::StrSplit(MetadataValue(call, kRolesKey), ',', absl::SkipEmpty())) {
    name = absl::StripAsciiWhitespace(name);
    absl::optional<Role> role = ParseRole(name);
    if (!role.has_value()) {
      return absl::UnauthenticatedError(
          absl::StrCat(kRolesKey, ": unknown role \"", name, "\""));
    }
    caller.roles |= static_cast<uint32_t>(*role);
  }
  return caller;
}

bool IsLoopbackListen(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host = listen.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[")) {
    if (!absl::ConsumeSuffix(&host, "]")) return false;
  }
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8: four dotted decimal parts, the first 127.
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (absl::string_view part : parts) {
    if (part.empty() || part.size() > 3) return false;
    for (char c : part) {
      if (!absl::ascii_isdigit(c)) return false;
    }
    if (std::stoi(std::string(part)) > 255) return false;
  }
  return true;
}

}  // namespace forge::server::auth
