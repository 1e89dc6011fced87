// TokenTable: the bearer tokens a server accepts, each stored only as the
// SHA-256 of the token, and who presents it. Lookup hashes the presented
// token and compares its digest with every entry in constant time
// (CRYPTO_memcmp, no early exit), so neither the token's bytes nor the
// position of a match show in the time a lookup takes.
//
// Immutable after construction; thread-safe.
#ifndef FORGE_SERVER_AUTH_TOKEN_TABLE_H_
#define FORGE_SERVER_AUTH_TOKEN_TABLE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forge/exec/v1/config.pb.h"
#include "google/protobuf/repeated_field.h"
#include "server/auth/caller.h"

namespace forge::server::auth {

// The Caller a configured identity entry names. INVALID_ARGUMENT (the
// message starts with `field`) when tenant or principal is empty, a role is
// unknown, or no role is given.
absl::StatusOr<Caller> CallerFromConfig(
    absl::string_view field, absl::string_view tenant,
    absl::string_view principal,
    const google::protobuf::RepeatedPtrField<std::string>& roles);

class TokenTable {
 public:
  // The tokens of `config.tokens` and of the file `config.tokens_file` (an
  // AuthTokens textproto). INVALID_ARGUMENT naming the entry when a digest
  // is not 64 hex digits or occurs twice, or an identity is incomplete;
  // the read or parse error (naming the file) when the file is unusable.
  static absl::StatusOr<TokenTable> FromConfig(
      const forge::exec::v1::AuthConfig& config);

  // The caller whose token is `token`; NOT_FOUND otherwise (the message
  // never contains the token).
  absl::StatusOr<Caller> Lookup(absl::string_view token) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::array<uint8_t, 32> digest;
    Caller caller;
  };
  std::vector<Entry> entries_;
};

}  // namespace forge::server::auth

#endif  // FORGE_SERVER_AUTH_TOKEN_TABLE_H_
