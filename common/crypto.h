// The few cryptographic primitives forge-exec needs, on OpenSSL 3's EVP API:
// SHA-256 (for code digests and the audit hash chain) and Ed25519 (for signed
// audit chain heads and approval tokens).
//
//   std::string digest = Sha256Hex(code);                 // 64 lowercase hex
//   FORGE_ASSIGN_OR_RETURN(Ed25519PrivateKey key,
//                          Ed25519PrivateKey::LoadOrGenerate(path));
//   FORGE_ASSIGN_OR_RETURN(std::string sig, key.Sign(message));
//   FORGE_RETURN_IF_ERROR(VerifyEd25519(key.public_key(), message, sig));
//
// Keys and signatures are raw bytes as RFC 8032 defines them: a 32-byte public
// key, a 64-byte signature. On disk a private key is PKCS#8 PEM (what
// `openssl genpkey -algorithm ed25519` writes), a public key is
// SubjectPublicKeyInfo PEM (what `openssl pkey -pubout` writes).
#ifndef FORGE_COMMON_CRYPTO_H_
#define FORGE_COMMON_CRYPTO_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// OpenSSL's key type, kept out of this header's includes.
struct evp_pkey_st;

namespace forge {

inline constexpr size_t kSha256Bytes = 32;
inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SeedBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

// SHA-256 of `data`: 32 raw bytes. Thread-safe.
std::string Sha256(absl::string_view data);

// SHA-256 of `data` as 64 lowercase hex digits. Thread-safe.
std::string Sha256Hex(absl::string_view data);

// An Ed25519 private key. Move-only; owns the OpenSSL key object. Sign() and
// the accessors are thread-safe (the key is immutable after construction).
class Ed25519PrivateKey {
 public:
  // A fresh random key. INTERNAL if OpenSSL cannot generate one.
  static absl::StatusOr<Ed25519PrivateKey> Generate();

  // The key whose RFC 8032 seed (private key bytes) is `seed`.
  // INVALID_ARGUMENT unless `seed` is 32 bytes.
  static absl::StatusOr<Ed25519PrivateKey> FromSeed(absl::string_view seed);

  // Reads a PKCS#8 PEM Ed25519 key from `path`. NOT_FOUND if the file does not
  // exist; PERMISSION_DENIED if group or others may read or write it (a
  // private key must be mode 0600 or stricter); INVALID_ARGUMENT if it is not
  // an Ed25519 private key.
  static absl::StatusOr<Ed25519PrivateKey> Load(const std::string& path);

  // Load(path) if `path` exists; otherwise generates a key and persists it at
  // `path` with mode 0600 (written to a temporary file, fsync'd, then linked
  // into place, so a crash never leaves a half-written key and two processes
  // racing end up with the same key). The directory must exist.
  static absl::StatusOr<Ed25519PrivateKey> LoadOrGenerate(
      const std::string& path);

  Ed25519PrivateKey(Ed25519PrivateKey&& other) noexcept;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&& other) noexcept;
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;
  ~Ed25519PrivateKey();

  // The matching public key: 32 raw bytes.
  const std::string& public_key() const { return public_key_; }

  // Ed25519 signature of `message`: 64 raw bytes. INTERNAL on an OpenSSL
  // failure (not expected with a valid key).
  absl::StatusOr<std::string> Sign(absl::string_view message) const;

  // The private key as PKCS#8 PEM (secret; for persisting only).
  absl::StatusOr<std::string> ToPem() const;

 private:
  explicit Ed25519PrivateKey(evp_pkey_st* key, std::string public_key);

  evp_pkey_st* key_ = nullptr;
  std::string public_key_;
};

// OK if `signature` is a valid Ed25519 signature of `message` under
// `public_key` (32 raw bytes). INVALID_ARGUMENT if the key or signature has
// the wrong length or the key is not a valid point; UNAUTHENTICATED if the
// signature does not verify. Thread-safe.
absl::Status VerifyEd25519(absl::string_view public_key,
                           absl::string_view message,
                           absl::string_view signature);

// `public_key` (32 raw bytes) as SubjectPublicKeyInfo PEM, for publishing.
// INVALID_ARGUMENT if it is not a valid Ed25519 public key.
absl::StatusOr<std::string> Ed25519PublicKeyToPem(absl::string_view public_key);

// Parses SubjectPublicKeyInfo PEM into the raw 32-byte public key.
// INVALID_ARGUMENT if `pem` is not an Ed25519 public key.
absl::StatusOr<std::string> Ed25519PublicKeyFromPem(absl::string_view pem);

}  // namespace forge

#endif  // FORGE_COMMON_CRYPTO_H_
