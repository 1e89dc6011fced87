#include "cars/approval_token.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace forge::cars {
namespace {

constexpr absl::string_view kPrefix = "fxat1.";
constexpr absl::string_view kClaimsHeader = "forge-exec approval token v1";
constexpr size_t kMaxTokenBytes = 8192;

// Appends one length-prefixed field, so no two different requests encode
// the same (a value cannot pose as a field boundary).
void Field(std::string* out, absl::string_view name, absl::string_view value) {
  absl::StrAppend(out, name, ":", value.size(), ":", value, ";");
}

void Number(std::string* out, absl::string_view name, uint64_t value) {
  Field(out, name, absl::StrCat(value));
}

void DurationField(std::string* out, absl::string_view name,
                   const google::protobuf::Duration& d) {
  Field(out, name, absl::StrCat(d.seconds(), ".", d.nanos()));
}

}  // namespace

std::string ApprovalRequestDigest(
    const forge::exec::v1::ExecuteRequest& request) {
  std::string canonical = "forge-exec approval request v1;";
  Field(&canonical, "runtime", request.runtime());
  Field(&canonical, "code", request.code());
  Number(&canonical, "files", request.files_size());
  for (const auto& file : request.files()) {
    Field(&canonical, "path", file.path());
    Field(&canonical, "content", file.content());
    Number(&canonical, "mode", file.mode());
    Number(&canonical, "classification", file.classification());
  }
  Field(&canonical, "stdin", request.stdin());
  Number(&canonical, "args", request.args_size());
  for (const std::string& arg : request.args()) Field(&canonical, "arg", arg);
  std::vector<std::pair<std::string, std::string>> env(request.env().begin(),
                                                       request.env().end());
  std::sort(env.begin(), env.end());
  Number(&canonical, "env", env.size());
  for (const auto& [name, value] : env) {
    Field(&canonical, "name", name);
    Field(&canonical, "value", value);
  }
  // UNSPECIFIED and NONE mean the same network.
  Number(&canonical, "network",
         request.network() == forge::exec::v1::NETWORK_POLICY_EGRESS ? 2 : 1);
  const forge::exec::v1::Limits& limits = request.limits();
  DurationField(&canonical, "wall_time", limits.wall_time());
  DurationField(&canonical, "cpu_time", limits.cpu_time());
  Number(&canonical, "memory_bytes", limits.memory_bytes());
  Number(&canonical, "max_processes", limits.max_processes());
  Number(&canonical, "max_output_bytes", limits.max_output_bytes());
  Number(&canonical, "max_file_bytes", limits.max_file_bytes());
  Number(&canonical, "workspace_bytes", limits.workspace_bytes());
  return Sha256Hex(canonical);
}

absl::string_view TokenRefusalName(TokenRefusal refusal) {
  switch (refusal) {
    case TokenRefusal::kNone:
      return "accepted";
    case TokenRefusal::kMalformed:
      return "malformed";
    case TokenRefusal::kBadSignature:
      return "bad_signature";
    case TokenRefusal::kExpired:
      return "expired";
    case TokenRefusal::kOtherTenant:
      return "other_tenant";
    case TokenRefusal::kOtherRequester:
      return "other_requester";
    case TokenRefusal::kOtherRequest:
      return "other_request";
    case TokenRefusal::kPolicyChanged:
      return "policy_changed";
  }
  return "unknown";
}

ApprovalTokenSigner::ApprovalTokenSigner(
    std::shared_ptr<const Ed25519PrivateKey> key)
    : key_(std::move(key)) {}

absl::StatusOr<std::string> ApprovalTokenSigner::Issue(
    const ApprovalGrant& grant) const {
  std::string claims = absl::StrCat(kClaimsHeader, "\n");
  auto line = [&claims](absl::string_view key, absl::string_view value) {
    absl::StrAppend(&claims, key, "=", absl::CEscape(value), "\n");
  };
  line("approval_id", grant.approval_id);
  line("tenant", grant.tenant);
  line("requester", grant.requester);
  line("request_sha256", grant.request_sha256);
  line("runtime", grant.runtime);
  line("policy_version", grant.policy_version);
  line("expires_at", absl::StrCat(absl::ToUnixSeconds(grant.expires_at)));
  absl::StatusOr<std::string> signature = key_->Sign(claims);
  if (!signature.ok()) return signature.status();
  return absl::StrCat(kPrefix, absl::WebSafeBase64Escape(claims), ".",
                      absl::WebSafeBase64Escape(*signature));
}

TokenCheck ApprovalTokenSigner::Check(absl::string_view token,
                                      const ApprovalGrant& expected,
                                      absl::Time now) const {
  TokenCheck check;
  auto refuse = [&check](TokenRefusal refusal, std::string message) {
    check.refusal = refusal;
    check.message = std::move(message);
    return check;
  };
  if (token.size() > kMaxTokenBytes || !absl::ConsumePrefix(&token, kPrefix)) {
    return refuse(TokenRefusal::kMalformed,
                  "approval_token: not an approval token");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string claims, signature;
  if (parts.size() != 2 || !absl::WebSafeBase64Unescape(parts[0], &claims) ||
      !absl::WebSafeBase64Unescape(parts[1], &signature)) {
    return refuse(TokenRefusal::kMalformed,
                  "approval_token: not an approval token");
  }
  if (!VerifyEd25519(key_->public_key(), claims, signature).ok()) {
    return refuse(TokenRefusal::kBadSignature,
                  "approval_token: signature does not verify (altered, or "
                  "not issued by this service)");
  }
  // Signed by us, so well-formed unless the format changed.
  std::vector<absl::string_view> lines =
      absl::StrSplit(claims, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kClaimsHeader) {
    return refuse(TokenRefusal::kMalformed,
                  "approval_token: unknown token version");
  }
  ApprovalGrant& grant = check.grant;
  int64_t expires_unix = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(lines[i], absl::MaxSplits('=', 1));
    std::string value;
    if (!absl::CUnescape(kv.second, &value)) {
      return refuse(TokenRefusal::kMalformed,
                    "approval_token: unreadable claims");
    }
    if (kv.first == "approval_id") grant.approval_id = value;
    if (kv.first == "tenant") grant.tenant = value;
    if (kv.first == "requester") grant.requester = value;
    if (kv.first == "request_sha256") grant.request_sha256 = value;
    if (kv.first == "runtime") grant.runtime = value;
    if (kv.first == "policy_version") grant.policy_version = value;
    if (kv.first == "expires_at" && !absl::SimpleAtoi(value, &expires_unix)) {
      return refuse(TokenRefusal::kMalformed,
                    "approval_token: unreadable expiry");
    }
  }
  grant.expires_at = absl::FromUnixSeconds(expires_unix);
  if (now >= grant.expires_at) {
    return refuse(
        TokenRefusal::kExpired,
        absl::StrCat("approval_token: expired at ",
                     absl::FormatTime(absl::RFC3339_sec, grant.expires_at,
                                      absl::UTCTimeZone())));
  }
  if (grant.tenant != expected.tenant) {
    return refuse(TokenRefusal::kOtherTenant,
                  "approval_token: not issued to this tenant");
  }
  if (grant.requester != expected.requester) {
    return refuse(TokenRefusal::kOtherRequester,
                  "approval_token: issued to another principal");
  }
  if (grant.request_sha256 != expected.request_sha256 ||
      grant.runtime != expected.runtime) {
    return refuse(TokenRefusal::kOtherRequest,
                  "approval_token: issued for a different request (code, "
                  "runtime, files or options differ)");
  }
  if (grant.policy_version != expected.policy_version) {
    return refuse(
        TokenRefusal::kPolicyChanged,
        absl::StrCat("approval_token: approved under policy ",
                     grant.policy_version, ", the policy is now ",
                     expected.policy_version, "; ask for a new approval"));
  }
  return check;
}

}  // namespace forge::cars
