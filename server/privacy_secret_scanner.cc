#include "server/privacy_secret_scanner.h"

#include "absl/container/flat_hash_set.h"

namespace forge::server {
namespace {

bool IsPersonalData(absl::string_view type) {
  static const auto* const kPersonal =
      new absl::flat_hash_set<absl::string_view>{
          "EMAIL",    "PHONE",          "US_SSN",  "CREDIT_CARD",
          "IBAN",     "IPV4",           "IPV6",    "DATE_OF_BIRTH",
          "PASSPORT", "DRIVER_LICENSE", "PARTIAL", "CLASSIFIED_FILE"};
  return kPersonal->contains(type);
}

}  // namespace

PrivacySecretScanner::PrivacySecretScanner(const privacy::Redactor& redactor)
    : redactor_(redactor), options_(redactor.DefaultOptions()) {}

std::vector<cars::SecretSpan> PrivacySecretScanner::FindSecrets(
    absl::string_view text) const {
  std::vector<cars::SecretSpan> secrets;
  for (const privacy::SensitiveSpan& span :
       redactor_.FindSpans(text, options_)) {
    if (IsPersonalData(span.type)) continue;
    secrets.push_back({span.begin, span.end, std::string(span.type)});
  }
  return secrets;
}

}  // namespace forge::server
