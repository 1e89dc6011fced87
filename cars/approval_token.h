// Approval tokens: what an APPROVED decision hands back so that the identical
// request can run later, on any replica holding the same signing key, without
// waiting for a person again (DESIGN §5).
//
// A token is a signed statement "approval A lets requester R of tenant T run
// the request whose risk-relevant content hashes to D with runtime N, under
// policy version P, until time E":
//
//   fxat1.<base64url(claims)>.<base64url(Ed25519 signature of claims)>
//
// The claims are ASCII lines ("forge-exec approval token v1" then key=value,
// values C-escaped), so a decoded token is readable. The signature covers the
// exact bytes, so nothing about the claims needs to be canonical.
//
//   ApprovalTokenSigner signer(key);
//   FORGE_ASSIGN_OR_RETURN(std::string token, signer.Issue(grant));
//   TokenCheck check = signer.Check(token, expected, now);
//   if (!check.ok()) refuse(check.reason, check.message);
//
// Thread-safe: the signer is immutable after construction.
#ifndef FORGE_CARS_APPROVAL_TOKEN_H_
#define FORGE_CARS_APPROVAL_TOKEN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::cars {

// SHA-256 (hex) of everything in `request` that CARS assesses or that could
// change what the program does: runtime, code, files (path, content, mode,
// classification), stdin, args, env, network and every limit. Session id,
// labels, output globs and the approval fields are not part of it. Two
// requests with the same digest run the same program the same way.
std::string ApprovalRequestDigest(
    const forge::exec::v1::ExecuteRequest& request);

// What a token binds.
struct ApprovalGrant {
  std::string approval_id;
  std::string tenant;
  std::string requester;
  std::string request_sha256;  // ApprovalRequestDigest
  std::string runtime;
  std::string policy_version;
  absl::Time expires_at;
};

// Why a token was refused. kNone means it was accepted.
enum class TokenRefusal {
  kNone,
  kMalformed,       // not a token at all
  kBadSignature,    // not signed by this service's key (tampered, forged)
  kExpired,         // past its expiry
  kOtherTenant,     // issued to another tenant
  kOtherRequester,  // issued to another principal of the tenant
  kOtherRequest,    // code, runtime, files or options differ
  kPolicyChanged,   // the policy version it was approved under is gone
};

// "malformed", "bad_signature", "expired", ... (audit and metrics labels).
absl::string_view TokenRefusalName(TokenRefusal refusal);

struct TokenCheck {
  TokenRefusal refusal = TokenRefusal::kNone;
  // Human-readable reason naming what does not match; never another
  // tenant's data.
  std::string message;
  // The token's claims; set when the signature verified.
  ApprovalGrant grant;

  bool ok() const { return refusal == TokenRefusal::kNone; }
};

class ApprovalTokenSigner {
 public:
  // `key` must not be null.
  explicit ApprovalTokenSigner(std::shared_ptr<const Ed25519PrivateKey> key);

  // The token of `grant`. INTERNAL if signing fails.
  absl::StatusOr<std::string> Issue(const ApprovalGrant& grant) const;

  // Verifies `token`'s signature and that it binds `expected` (tenant,
  // requester, request_sha256, runtime, policy_version; approval_id and
  // expires_at of `expected` are ignored) and has not expired at `now`.
  // Checks run in the order of TokenRefusal, so a forged token never gets
  // past kBadSignature.
  TokenCheck Check(absl::string_view token, const ApprovalGrant& expected,
                   absl::Time now) const;

 private:
  std::shared_ptr<const Ed25519PrivateKey> key_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_APPROVAL_TOKEN_H_
