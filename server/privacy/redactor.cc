#include "server/privacy/redactor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace forge::privacy {

// Defined in the generated builtin_rules.cc.
absl::string_view BuiltInRulesData();

namespace {

using forge::exec::v1::PrivacyConfig;
using forge::exec::v1::PrivacyRuleSet;

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (error_.empty()) {
      error_ = absl::StrCat("line ", line + 1, " column ", column + 1, ": ",
                            message);
    }
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

bool Lists(const google::protobuf::RepeatedPtrField<std::string>& names,
           absl::string_view a, absl::string_view b) {
  return std::find(names.begin(), names.end(), a) != names.end() ||
         std::find(names.begin(), names.end(), b) != names.end();
}

}  // namespace

absl::string_view Redactor::BuiltInRulesText() { return BuiltInRulesData(); }

absl::StatusOr<PrivacyRuleSet> Redactor::ParseRules(absl::string_view text) {
  PrivacyRuleSet rules;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &rules)) {
    return absl::InvalidArgumentError(
        absl::StrCat("privacy rules: ", errors.error()));
  }
  return rules;
}

absl::StatusOr<PrivacyRuleSet> Redactor::LoadRulesFile(
    const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return LastErrorStatus(absl::StrCat("open ", path));
  std::string text;
  char buf[1 << 14];
  for (;;) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus(absl::StrCat("read ", path));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  auto rules = ParseRules(text);
  if (!rules.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

absl::StatusOr<std::unique_ptr<Redactor>> Redactor::CreateFromConfig(
    const PrivacyConfig& config) {
  absl::StatusOr<PrivacyRuleSet> rules =
      config.rules_path().empty() ? ParseRules(BuiltInRulesText())
                                  : LoadRulesFile(config.rules_path());
  if (!rules.ok()) return rules.status();
  return Create(*rules, config);
}

absl::StatusOr<std::unique_ptr<Redactor>> Redactor::Create(
    const PrivacyRuleSet& rules, const PrivacyConfig& config) {
  std::unique_ptr<Redactor> r(new Redactor());
  const std::vector<forge::exec::v1::PrivacyRule> custom(
      config.custom_rules().begin(), config.custom_rules().end());
  auto compiled = RuleSet::Compile(rules, custom);
  if (!compiled.ok()) return compiled.status();
  r->rules_ = std::move(*compiled);
  r->finder_ = std::make_unique<SpanFinder>(*r->rules_);
  r->config_ = config;
  const std::vector<std::string> global(config.disabled().begin(),
                                        config.disabled().end());
  auto global_mask = r->rules_->MaskWithout(global);
  if (!global_mask.ok()) return global_mask.status();
  r->global_mask_ = *global_mask;
  r->classified_enabled_ =
      !Lists(config.disabled(), kClassifiedCategory, kClassifiedFileType);
  for (const auto& [tenant, t] : config.tenants()) {
    const std::vector<std::string> again(t.enabled().begin(),
                                         t.enabled().end());
    const std::vector<std::string> off(t.disabled().begin(),
                                       t.disabled().end());
    auto with_global = r->rules_->MaskWithout(global, again);
    if (!with_global.ok()) return with_global.status();
    auto with_tenant = r->rules_->MaskWithout(off);
    if (!with_tenant.ok()) return with_tenant.status();
    r->tenant_masks_[tenant] = *with_global & *with_tenant;
    const bool classified =
        (r->classified_enabled_ ||
         Lists(t.enabled(), kClassifiedCategory, kClassifiedFileType)) &&
        !Lists(t.disabled(), kClassifiedCategory, kClassifiedFileType);
    r->tenant_classified_[tenant] = classified;
  }
  if (config.disabled_filter()) {
    r->global_mask_.reset();
    r->classified_enabled_ = false;
    for (auto& [tenant, mask] : r->tenant_masks_) mask.reset();
    for (auto& [tenant, on] : r->tenant_classified_) on = false;
  }
  if (config.has_idle_release()) {
    const absl::Duration d = absl::Seconds(config.idle_release().seconds()) +
                             absl::Nanoseconds(config.idle_release().nanos());
    if (d < absl::ZeroDuration()) {
      return absl::InvalidArgumentError("privacy: idle_release is negative");
    }
    if (d > absl::ZeroDuration()) r->idle_release_ = d;
  }
  if (config.has_value_start_hold()) {
    const absl::Duration d =
        absl::Seconds(config.value_start_hold().seconds()) +
        absl::Nanoseconds(config.value_start_hold().nanos());
    if (d < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "privacy: value_start_hold is negative");
    }
    if (d > absl::ZeroDuration()) r->value_start_hold_ = d;
  }
  return r;
}

StreamOptions Redactor::DefaultOptions() const {
  StreamOptions options;
  options.enabled = global_mask_;
  return options;
}

StreamOptions Redactor::OptionsForTenant(absl::string_view tenant) const {
  StreamOptions options;
  auto it = tenant_masks_.find(tenant);
  options.enabled = it != tenant_masks_.end() ? it->second : global_mask_;
  return options;
}

bool Redactor::ClassifiedEnabledFor(absl::string_view tenant) const {
  auto it = tenant_classified_.find(tenant);
  return it != tenant_classified_.end() ? it->second : classified_enabled_;
}

std::unique_ptr<RedactionStream> Redactor::NewStream(
    const StreamOptions& options) const {
  return std::unique_ptr<RedactionStream>(
      new RedactionStream(*this, options, nullptr));
}

std::string Redactor::Redact(absl::string_view text,
                             const StreamOptions& options,
                             RedactionCounts* counts) const {
  std::string out;
  out.reserve(text.size());
  RedactionStream stream(*this, options, nullptr);
  stream.Feed(text, &out);
  stream.Flush(&out);
  if (counts != nullptr) {
    for (const auto& [type, n] : stream.counts()) (*counts)[type] += n;
  }
  return out;
}

std::vector<SensitiveSpan> Redactor::FindSpans(
    absl::string_view text, const StreamOptions& options) const {
  std::vector<SensitiveSpan> spans;
  std::string out;
  RedactionStream stream(*this, options, &spans);
  stream.Feed(text, &out);
  stream.Flush(&out);
  return spans;
}

}  // namespace forge::privacy
