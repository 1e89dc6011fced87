// Secrets in code: the interface CARS uses to find credentials written into
// the code it assesses (so they become findings and are masked in every
// excerpt and description), and a small built-in scanner used when no other
// is supplied.
#ifndef FORGE_CARS_SECRET_SCANNER_H_
#define FORGE_CARS_SECRET_SCANNER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace forge::cars {

// A secret's byte range [begin, end) in the scanned text and its type
// ("AWS_ACCESS_KEY", "PASSWORD", ...).
struct SecretSpan {
  size_t begin = 0;
  size_t end = 0;
  std::string type;
};

// Finds secrets in text. Implementations must be thread-safe (one scanner
// serves every assessment) and must tolerate any bytes.
class SecretScanner {
 public:
  virtual ~SecretScanner() = default;
  // Spans in ascending order of `begin`; they may overlap.
  virtual std::vector<SecretSpan> FindSecrets(absl::string_view text) const = 0;
};

// The built-in scanner: fixed-prefix key formats (AWS, GitHub, GitLab,
// OpenAI/Anthropic-style "sk-", Slack, Stripe, Google), JWTs, PEM private
// keys, passwords in URLs and quoted values assigned to password-, secret-,
// token- and key-like names. Thread-safe.
class FallbackSecretScanner : public SecretScanner {
 public:
  FallbackSecretScanner();
  ~FallbackSecretScanner() override;
  std::vector<SecretSpan> FindSecrets(absl::string_view text) const override;

 private:
  struct Detector {
    std::string type;
    std::unique_ptr<RE2> pattern;  // group 1 is the secret itself
  };
  std::vector<Detector> detectors_;
  std::unique_ptr<RE2::Set> any_;
};

// `text` with every span replaced by "[REDACTED:TYPE]". Overlapping spans
// are merged; spans outside the text are ignored.
std::string MaskSecrets(absl::string_view text, std::vector<SecretSpan> spans);

}  // namespace forge::cars

#endif  // FORGE_CARS_SECRET_SCANNER_H_
