#include "common/crypto.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"

namespace forge {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// "context: <first OpenSSL error>", clearing OpenSSL's error queue so a stale
// error never shows up in a later message.
std::string OpenSslError(absl::string_view context) {
  unsigned long code = ERR_get_error();
  std::string reason = code == 0 ? "unknown error" : [code] {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    return std::string(buf);
  }();
  ERR_clear_error();
  return absl::StrCat(context, ": ", reason);
}

// SHA-256 is fetched once: OpenSSL 3's implicit fetch on every digest costs
// more than hashing a short audit record.
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* key) {
  std::string out(kEd25519PublicKeyBytes, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(
          key, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != kEd25519PublicKeyBytes) {
    return absl::InternalError(OpenSslError("reading Ed25519 public key"));
  }
  return out;
}

absl::StatusOr<PkeyPtr> PublicKeyFromRaw(absl::string_view public_key) {
  if (public_key.size() != kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 public key must be ", kEd25519PublicKeyBytes,
                     " bytes, got ", public_key.size()));
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size()));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        OpenSslError("not a valid Ed25519 public key"));
  }
  return key;
}

absl::StatusOr<std::string> ReadSmallFile(int fd, const std::string& path) {
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrorStatus(absl::StrCat("read ", path));
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > (1 << 16)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": too large for a key file"));
    }
  }
  return data;
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrorStatus(absl::StrCat("write ", path));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string Sha256(absl::string_view data) {
  std::string out(kSha256Bytes, '\0');
  unsigned int len = 0;
  // EVP_Digest cannot fail for SHA-256 short of memory exhaustion, which is
  // a crash anyway.
  EVP_Digest(data.data(), data.size(),
             reinterpret_cast<unsigned char*>(out.data()), &len, Sha256Md(),
             nullptr);
  return out;
}

std::string Sha256Hex(absl::string_view data) {
  return absl::BytesToHexString(Sha256(data));
}

Ed25519PrivateKey::Ed25519PrivateKey(evp_pkey_st* key, std::string public_key)
    : key_(key), public_key_(std::move(public_key)) {}

Ed25519PrivateKey::Ed25519PrivateKey(Ed25519PrivateKey&& other) noexcept
    : key_(std::exchange(other.key_, nullptr)),
      public_key_(std::move(other.public_key_)) {}

Ed25519PrivateKey& Ed25519PrivateKey::operator=(
    Ed25519PrivateKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
    public_key_ = std::move(other.public_key_);
  }
  return *this;
}

Ed25519PrivateKey::~Ed25519PrivateKey() { EVP_PKEY_free(key_); }

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  std::string seed(kEd25519SeedBytes, '\0');
  if (RAND_priv_bytes(reinterpret_cast<unsigned char*>(seed.data()),
                      static_cast<int>(seed.size())) != 1) {
    return absl::InternalError(OpenSslError("generating Ed25519 key"));
  }
  auto key = FromSeed(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(
    absl::string_view seed) {
  if (seed.size() != kEd25519SeedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 seed must be ", kEd25519SeedBytes, " bytes, got ",
                     seed.size()));
  }
  PkeyPtr key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  if (key == nullptr) {
    return absl::InternalError(OpenSslError("creating Ed25519 key"));
  }
  FORGE_ASSIGN_OR_RETURN(std::string public_key, RawPublicKey(key.get()));
  return Ed25519PrivateKey(key.release(), std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Load(
    const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return LastErrorStatus(absl::StrCat("open ", path));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return LastErrorStatus(absl::StrCat("stat ", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    snprintf(mode, sizeof(mode), "%03o", st.st_mode & 0777);
    return absl::PermissionDeniedError(absl::StrCat(
        path, ": private key is accessible by group or others (mode ", mode,
        "); chmod 600 it"));
  }
  FORGE_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(fd.get(), path));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio == nullptr ? nullptr
                             : PEM_read_bio_PrivateKey(bio.get(), nullptr,
                                                       nullptr, nullptr));
  OPENSSL_cleanse(pem.data(), pem.size());
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        OpenSslError(absl::StrCat(path, ": not a PEM private key")));
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an Ed25519 key"));
  }
  FORGE_ASSIGN_OR_RETURN(std::string public_key, RawPublicKey(key.get()));
  return Ed25519PrivateKey(key.release(), std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::LoadOrGenerate(
    const std::string& path) {
  auto loaded = Load(path);
  if (!absl::IsNotFound(loaded.status())) return loaded;

  FORGE_ASSIGN_OR_RETURN(Ed25519PrivateKey key, Generate());
  FORGE_ASSIGN_OR_RETURN(std::string pem, key.ToPem());
  unsigned char nonce[8];
  RAND_bytes(nonce, sizeof(nonce));
  const std::string tmp =
      absl::StrCat(path, ".tmp.", getpid(), ".",
                   absl::BytesToHexString(absl::string_view(
                       reinterpret_cast<const char*>(nonce), sizeof(nonce))));
  {
    UniqueFd fd(open(tmp.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     0600));
    if (!fd) return LastErrorStatus(absl::StrCat("create ", tmp));
    absl::Status written = WriteAll(fd.get(), pem, tmp);
    if (written.ok() && fsync(fd.get()) != 0) {
      written = LastErrorStatus(absl::StrCat("fsync ", tmp));
    }
    OPENSSL_cleanse(pem.data(), pem.size());
    if (!written.ok()) {
      unlink(tmp.c_str());
      return written;
    }
  }
  // link() fails with EEXIST if another process got there first; then its
  // key is the one everybody uses.
  const bool linked = link(tmp.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  unlink(tmp.c_str());
  if (!linked) {
    if (link_errno == EEXIST) return Load(path);
    errno = link_errno;
    return LastErrorStatus(absl::StrCat("link ", path));
  }
  UniqueFd dir(open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir || fsync(dir.get()) != 0) {
    return LastErrorStatus(absl::StrCat("fsync directory of ", path));
  }
  return key;
}

absl::StatusOr<std::string> Ed25519PrivateKey::Sign(
    absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t len = signature.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != kEd25519SignatureBytes) {
    return absl::InternalError(OpenSslError("Ed25519 sign"));
  }
  return signature;
}

absl::StatusOr<std::string> Ed25519PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return absl::InternalError(OpenSslError("encoding Ed25519 private key"));
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::Status VerifyEd25519(absl::string_view public_key,
                           absl::string_view message,
                           absl::string_view signature) {
  if (signature.size() != kEd25519SignatureBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 signature must be ", kEd25519SignatureBytes,
                     " bytes, got ", signature.size()));
  }
  FORGE_ASSIGN_OR_RETURN(PkeyPtr key, PublicKeyFromRaw(public_key));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr,
                                             nullptr, key.get()) != 1) {
    return absl::InternalError(OpenSslError("Ed25519 verify init"));
  }
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
      signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  ERR_clear_error();
  if (ok != 1) {
    return absl::UnauthenticatedError("Ed25519 signature does not verify");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Ed25519PublicKeyToPem(
    absl::string_view public_key) {
  FORGE_ASSIGN_OR_RETURN(PkeyPtr key, PublicKeyFromRaw(public_key));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return absl::InternalError(OpenSslError("encoding Ed25519 public key"));
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> Ed25519PublicKeyFromPem(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio == nullptr
                  ? nullptr
                  : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(OpenSslError("not a PEM public key"));
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("not an Ed25519 public key");
  }
  return RawPublicKey(key.get());
}

}  // namespace forge
