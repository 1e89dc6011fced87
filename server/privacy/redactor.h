// Redactor is the privacy filter: it replaces personal data and secrets in
// program output with "[REDACTED:TYPE]" (DESIGN §6). It is built once from
// a rule set (deploy/privacy/rules.textproto, or the copy built into the
// binary) and the PrivacyConfig, is immutable afterwards, and is shared by
// every execution and thread.
//
//   auto redactor = Redactor::Create(rules, config);       // once, at start
//   StreamOptions options = (*redactor)->OptionsForTenant(tenant);
//   options.classified = ClassifiedIndex::Build(confidential_contents);
//   auto out = (*redactor)->NewStream(options);            // per stream
//   out->Feed(chunk, &bytes);  ...  out->Flush(&bytes);
//   std::string file = (*redactor)->Redact(content, options);  // files
//
// Thread-safe: every const method may be called concurrently. Streams are
// single-threaded and must not outlive the Redactor.
#ifndef FORGE_SERVER_PRIVACY_REDACTOR_H_
#define FORGE_SERVER_PRIVACY_REDACTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "forge/exec/v1/privacy.pb.h"
#include "server/privacy/redaction_stream.h"
#include "server/privacy/rule_set.h"
#include "server/privacy/span_finder.h"

namespace forge::privacy {

class Redactor {
 public:
  // Compiles `rules` plus config.custom_rules() and checks the config (every
  // category or type name it lists must exist). INVALID_ARGUMENT naming the
  // offending rule or name otherwise.
  static absl::StatusOr<std::unique_ptr<Redactor>> Create(
      const forge::exec::v1::PrivacyRuleSet& rules,
      const forge::exec::v1::PrivacyConfig& config = {});

  // Loads the rules from config.rules_path() (or the built-in rules when it
  // is empty) and calls Create.
  static absl::StatusOr<std::unique_ptr<Redactor>> CreateFromConfig(
      const forge::exec::v1::PrivacyConfig& config);

  // Parses rules in text format. INVALID_ARGUMENT with the parser's message.
  static absl::StatusOr<forge::exec::v1::PrivacyRuleSet> ParseRules(
      absl::string_view text);
  // Reads and parses a rules file (NOT_FOUND etc. from the read).
  static absl::StatusOr<forge::exec::v1::PrivacyRuleSet> LoadRulesFile(
      const std::string& path);
  // The rules built into the binary (deploy/privacy/rules.textproto).
  static absl::string_view BuiltInRulesText();

  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // Options with the globally enabled rules and no classified files. When
  // the config disables the filter, no rule is enabled.
  StreamOptions DefaultOptions() const;
  // Options for one tenant: global `disabled`, minus the tenant's `enabled`,
  // plus the tenant's `disabled`. Unknown tenants get DefaultOptions().
  // A tenant that disables "classified" (or CLASSIFIED_FILE) gets no
  // classified guard even if the caller sets `classified` later — check
  // classified_enabled().
  StreamOptions OptionsForTenant(absl::string_view tenant) const;
  bool ClassifiedEnabledFor(absl::string_view tenant) const;

  // A stream for one output stream (stdout or stderr).
  std::unique_ptr<RedactionStream> NewStream(
      const StreamOptions& options) const;

  // One-shot redaction of a whole text (returned files, tests). Adds the
  // counts to `*counts` when not null. Same result as a stream fed `text`
  // and flushed.
  std::string Redact(absl::string_view text, const StreamOptions& options,
                     RedactionCounts* counts = nullptr) const;

  // The sensitive spans of `text` with their types, without rewriting it;
  // exactly the spans Redact replaces, in order and not overlapping (a PEM
  // block is one span from its begin marker to the end of its end marker).
  std::vector<SensitiveSpan> FindSpans(absl::string_view text,
                                       const StreamOptions& options) const;

  // How long held output may wait before the caller should ReleaseHeld.
  absl::Duration idle_release() const { return idle_release_; }
  // After ReleaseHeld(out, /*hold_value_start=*/true) left bytes held, how
  // long more before the caller should release them with ReleaseHeld(out).
  absl::Duration value_start_hold() const { return value_start_hold_; }
  const std::string& rules_version() const { return rules_->version(); }
  // Every type name a count may carry.
  const std::vector<std::string>& type_names() const {
    return rules_->type_names();
  }
  const RuleSet& rules() const { return *rules_; }
  const SpanFinder& finder() const { return *finder_; }

 private:
  Redactor() = default;

  std::unique_ptr<RuleSet> rules_;
  std::unique_ptr<SpanFinder> finder_;
  forge::exec::v1::PrivacyConfig config_;
  RuleMask global_mask_;
  bool classified_enabled_ = true;
  absl::flat_hash_map<std::string, RuleMask> tenant_masks_;
  absl::flat_hash_map<std::string, bool> tenant_classified_;
  absl::Duration idle_release_ = absl::Milliseconds(1);
  absl::Duration value_start_hold_ = absl::Milliseconds(100);
};

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_REDACTOR_H_
