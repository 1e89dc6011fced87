#include "server/auth/token_table.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"

namespace forge::server::auth {
namespace {

using ::forge::exec::v1::AuthTokens;
using ::forge::exec::v1::TokenIdentity;

absl::StatusOr<std::array<uint8_t, 32>> ParseDigest(absl::string_view field,
                                                    absl::string_view hex) {
  std::array<uint8_t, 32> digest;
  bool ok = hex.size() == 64;
  for (char c : hex) ok = ok && absl::ascii_isxdigit(c);
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".sha256: expected 64 hex digits (the SHA-256 of the token)"));
  }
  const std::string bytes = absl::HexStringToBytes(hex);
  std::copy(bytes.begin(), bytes.end(), digest.begin());
  return digest;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("auth.tokens_file ", path, ": cannot be read"));
  }
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

absl::StatusOr<Caller> CallerFromConfig(
    absl::string_view field, absl::string_view tenant,
    absl::string_view principal,
    const google::protobuf::RepeatedPtrField<std::string>& roles) {
  if (tenant.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".tenant: required"));
  }
  if (principal.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".principal: required"));
  }
  Caller caller{std::string(tenant), std::string(principal), 0};
  for (const std::string& name : roles) {
    absl::optional<Role> role = ParseRole(name);
    if (!role.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".roles: unknown role \"", name,
                       "\" (executor, approver, auditor, admin)"));
    }
    caller.roles |= static_cast<uint32_t>(*role);
  }
  if (caller.roles == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".roles: at least one role is required"));
  }
  return caller;
}

absl::StatusOr<TokenTable> TokenTable::FromConfig(
    const forge::exec::v1::AuthConfig& config) {
  std::vector<std::pair<std::string, const TokenIdentity*>> identities;
  for (int i = 0; i < config.tokens_size(); ++i) {
    identities.emplace_back(absl::StrCat("auth.tokens[", i, "]"),
                            &config.tokens(i));
  }
  AuthTokens from_file;
  if (!config.tokens_file().empty()) {
    absl::StatusOr<std::string> text = ReadWholeFile(config.tokens_file());
    if (!text.ok()) return text.status();
    if (!google::protobuf::TextFormat::ParseFromString(*text, &from_file)) {
      // The parser's own message could quote a line of the file, which
      // holds only hashes, but say less anyway.
      return absl::InvalidArgumentError(
          absl::StrCat("auth.tokens_file ", config.tokens_file(),
                       ": not a valid AuthTokens textproto "
                       "(tokens { sha256: ... tenant: ... principal: ... "
                       "roles: ... })"));
    }
    for (int i = 0; i < from_file.tokens_size(); ++i) {
      identities.emplace_back(
          absl::StrCat("auth.tokens_file ", config.tokens_file(), ": tokens[",
                       i, "]"),
          &from_file.tokens(i));
    }
  }
  TokenTable table;
  for (const auto& [field, identity] : identities) {
    absl::StatusOr<std::array<uint8_t, 32>> digest =
        ParseDigest(field, identity->sha256());
    if (!digest.ok()) return digest.status();
    for (const Entry& existing : table.entries_) {
      if (existing.digest == *digest) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".sha256: the same token is listed twice"));
      }
    }
    absl::StatusOr<Caller> caller = CallerFromConfig(
        field, identity->tenant(), identity->principal(), identity->roles());
    if (!caller.ok()) return caller.status();
    table.entries_.push_back(Entry{*digest, std::move(*caller)});
  }
  return table;
}

absl::StatusOr<Caller> TokenTable::Lookup(absl::string_view token) const {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(token.data()), token.size(), digest);
  // Every entry is compared; the match (if any) is picked without leaving
  // the loop early.
  const Entry* match = nullptr;
  for (const Entry& entry : entries_) {
    const bool equal =
        CRYPTO_memcmp(digest, entry.digest.data(), sizeof(digest)) == 0;
    match = equal ? &entry : match;
  }
  OPENSSL_cleanse(digest, sizeof(digest));
  if (match == nullptr) {
    return absl::NotFoundError("bearer token not recognised");
  }
  return match->caller;
}

}  // namespace forge::server::auth
