#include "cars/secret_scanner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace forge::cars {

FallbackSecretScanner::FallbackSecretScanner() {
  static const struct {
    const char* type;
    const char* pattern;
  } kDetectors[] = {
      {"PRIVATE_KEY",
       R"((-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)))"},
      {"AWS_ACCESS_KEY",
       R"(\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})\b)"},
      {"AWS_SECRET_KEY",
       R"((?i)aws_?secret_?(?:access_?)?key["'\s]*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b)"},
      {"GITHUB_TOKEN",
       R"(\b(gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255})\b)"},
      {"GITLAB_TOKEN", R"(\b(glpat-[A-Za-z0-9_-]{20,})\b)"},
      {"LLM_API_KEY",
       R"(\b(sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}))"},
      {"SLACK_TOKEN", R"(\b(xox[abposr]-[A-Za-z0-9-]{10,}))"},
      {"STRIPE_KEY", R"(\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}))"},
      {"GOOGLE_API_KEY", R"(\b(AIza[0-9A-Za-z_-]{35}))"},
      {"JWT",
       R"(\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}))"},
      {"URL_PASSWORD",
       R"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@"'`]+:([^\s@/"'`]{3,})@)"},
      {"BEARER_TOKEN", R"((?i)\bbearer\s+([A-Za-z0-9._~+/-]{20,}=*))"},
      {"PASSWORD",
       R"((?i)(?:password|passwd|passphrase|pwd|secret|api_?key|apikey|access_?token|auth_?token|private_?key|client_?secret)["']?\s*[:=]\s*[rbuf]?["']([^"'\s]{6,})["'])"},
      {"PASSWORD",
       R"((?i)(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY)[A-Z_]*=([^\s"'$`]{6,}))"},
  };
  RE2::Options options;
  options.set_log_errors(false);
  any_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (const auto& d : kDetectors) {
    detectors_.push_back({d.type, std::make_unique<RE2>(d.pattern, options)});
    any_->Add(d.pattern, nullptr);
  }
  if (!any_->Compile()) any_.reset();
}

FallbackSecretScanner::~FallbackSecretScanner() = default;

std::vector<SecretSpan> FallbackSecretScanner::FindSecrets(
    absl::string_view text) const {
  std::vector<SecretSpan> spans;
  // One pass finds which detectors can match at all; only those scan again.
  std::vector<int> candidates;
  if (any_ != nullptr) {
    if (!any_->Match(re2::StringPiece(text.data(), text.size()), &candidates))
      return spans;
  } else {
    for (size_t i = 0; i < detectors_.size(); ++i)
      candidates.push_back(static_cast<int>(i));
  }
  for (int index : candidates) {
    const Detector& d = detectors_[index];
    if (!d.pattern->ok()) continue;
    re2::StringPiece input(text.data(), text.size());
    re2::StringPiece secret;
    while (spans.size() < 4096 &&
           RE2::FindAndConsume(&input, *d.pattern, &secret)) {
      if (secret.empty()) {
        if (input.empty()) break;
        continue;
      }
      const size_t begin = static_cast<size_t>(secret.data() - text.data());
      spans.push_back({begin, begin + secret.size(), d.type});
    }
  }
  std::sort(spans.begin(), spans.end(),
            [](const SecretSpan& a, const SecretSpan& b) {
              return a.begin < b.begin;
            });
  return spans;
}

std::string MaskSecrets(absl::string_view text, std::vector<SecretSpan> spans) {
  std::sort(spans.begin(), spans.end(),
            [](const SecretSpan& a, const SecretSpan& b) {
              return a.begin < b.begin;
            });
  std::string out;
  size_t pos = 0;
  for (const SecretSpan& s : spans) {
    if (s.begin >= text.size() || s.end <= pos || s.end <= s.begin) continue;
    if (s.begin < pos) {  // overlaps the previous span: already masked
      pos = std::min(s.end, text.size());
      continue;
    }
    const size_t begin = s.begin;
    out.append(text.data() + pos, begin - pos);
    absl::StrAppend(&out, "[REDACTED:", s.type, "]");
    pos = std::min(s.end, text.size());
  }
  out.append(text.data() + pos, text.size() - pos);
  return out;
}

}  // namespace forge::cars
