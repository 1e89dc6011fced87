// Lets CARS find credentials written into code with the privacy filter's
// detectors (cars/ cannot depend on server/, so it defines the
// SecretScanner interface and the server plugs the filter in here).
// Personal-data types (EMAIL, PHONE, IPV4, ...) are not secrets and are
// left out. Thread-safe, like the Redactor it wraps.
#ifndef FORGE_SERVER_PRIVACY_SECRET_SCANNER_H_
#define FORGE_SERVER_PRIVACY_SECRET_SCANNER_H_

#include <vector>

#include "cars/secret_scanner.h"
#include "server/privacy/redactor.h"

namespace forge::server {

class PrivacySecretScanner : public cars::SecretScanner {
 public:
  // `redactor` must outlive the scanner.
  explicit PrivacySecretScanner(const privacy::Redactor& redactor);
  std::vector<cars::SecretSpan> FindSecrets(
      absl::string_view text) const override;

 private:
  const privacy::Redactor& redactor_;
  const privacy::StreamOptions options_;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_PRIVACY_SECRET_SCANNER_H_
