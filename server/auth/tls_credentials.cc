#include "server/auth/tls_credentials.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace forge::server::auth {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

absl::Status Bad(absl::string_view field, absl::string_view path,
                 absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("auth.tls.", field, " ", path, ": ", what));
}

absl::StatusOr<std::string> ReadPem(absl::string_view field,
                                    const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("auth.tls.", field, ": required when auth.tls is set"));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Bad(field, path,
               absl::StrCat("cannot be read (", std::strerror(errno), ")"));
  }
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate in `pem`, or an error naming the file.
absl::StatusOr<X509Ptr> FirstCertificate(absl::string_view field,
                                         const std::string& path,
                                         const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) {
    return Bad(field, path, "holds no PEM certificate");
  }
  return cert;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
ServerCredentialsFromConfig(const forge::exec::v1::AuthConfig& config) {
  if (!config.has_tls()) return grpc::InsecureServerCredentials();
  const forge::exec::v1::TlsConfig& tls = config.tls();
  absl::StatusOr<std::string> cert_pem = ReadPem("cert_path", tls.cert_path());
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadPem("key_path", tls.key_path());
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<X509Ptr> cert =
      FirstCertificate("cert_path", tls.cert_path(), *cert_pem);
  if (!cert.ok()) return cert.status();
  BioPtr key_bio = MemoryBio(*key_pem);
  KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return Bad("key_path", tls.key_path(),
               "holds no PEM private key (or it is encrypted)");
  }
  if (X509_check_private_key(cert->get(), key.get()) != 1) {
    ERR_clear_error();
    return Bad("key_path", tls.key_path(),
               absl::StrCat("does not match the certificate in "
                            "auth.tls.cert_path ",
                            tls.cert_path()));
  }
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key_pem, *cert_pem});
  if (!tls.client_ca_path().empty()) {
    absl::StatusOr<std::string> ca_pem =
        ReadPem("client_ca_path", tls.client_ca_path());
    if (!ca_pem.ok()) return ca_pem.status();
    absl::StatusOr<X509Ptr> ca =
        FirstCertificate("client_ca_path", tls.client_ca_path(), *ca_pem);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca_pem;
    options.client_certificate_request =
        tls.require_client_cert()
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  } else if (tls.require_client_cert()) {
    return absl::InvalidArgumentError(
        "auth.tls.require_client_cert needs auth.tls.client_ca_path (the CA "
        "that signs client certificates)");
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace forge::server::auth
