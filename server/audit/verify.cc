#include "server/audit/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "google/protobuf/util/json_util.h"
#include "server/audit/canonical.h"
#include "server/audit/link_digest.h"
#include "server/audit/log_file.h"
#include "server/audit/record_types.h"

namespace forge::audit {
namespace {

using ::forge::exec::v1::AuditRecord;
using ::forge::exec::v1::EvidencePack;

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return LastErrorStatus(absl::StrCat("open ", path));
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrorStatus(absl::StrCat("read ", path));
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
  }
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct LoadedFile {
  std::string path;
  std::string data;
  // The first sequence the file's name declares (audit-<n>.jsonl), if any.
  std::optional<uint64_t> declared_first = std::nullopt;
  // Declared, else that of its first complete line; UINT64_MAX if none.
  uint64_t first_sequence = UINT64_MAX;
};

// Reads the first line's sequence, cheaply, to order the files.
uint64_t FirstSequence(const std::string& data) {
  const size_t newline = data.find('\n');
  if (newline == std::string::npos) return UINT64_MAX;
  auto record = ParseCanonicalLine(absl::string_view(data).substr(0, newline));
  return record.ok() ? record->sequence() : 0;
}

}  // namespace

VerifyReport VerifyLogFiles(const std::vector<std::string>& paths,
                            const std::vector<std::string>& trusted_keys) {
  std::vector<LogContent> contents;
  for (const std::string& path : paths) {
    auto data = ReadWholeFile(path);
    if (!data.ok()) {
      VerifyReport report;
      report.subject = absl::StrCat("log file ", path);
      ChainVerifier(trusted_keys, &report)
          .Fail(Location{path}, std::string(data.status().message()));
      return report;
    }
    contents.push_back(LogContent{path, std::move(*data)});
  }
  return VerifyLogContents(std::move(contents), trusted_keys);
}

VerifyReport VerifyLogContents(std::vector<LogContent> contents,
                               const std::vector<std::string>& trusted_keys) {
  VerifyReport report;
  report.subject = contents.size() == 1
                       ? absl::StrCat("log file ", contents[0].name)
                       : absl::StrCat(contents.size(), " log files");
  ChainVerifier chain(trusted_keys, &report);
  if (contents.empty()) {
    chain.Fail({}, "no log files given");
    return report;
  }
  std::vector<LoadedFile> files;
  for (LogContent& content : contents) {
    LoadedFile file{content.name, std::move(content.data)};
    file.declared_first = ParseLogFileName(BaseName(content.name));
    file.first_sequence =
        file.declared_first.value_or(FirstSequence(file.data));
    files.push_back(std::move(file));
  }
  std::stable_sort(files.begin(), files.end(),
                   [](const LoadedFile& a, const LoadedFile& b) {
                     return a.first_sequence < b.first_sequence;
                   });
  for (size_t i = 0; i < files.size() && !chain.failed(); ++i) {
    const LoadedFile& file = files[i];
    BadLine bad;
    auto scanned = ScanLogBytes(
        file.data,
        [&](const AuditRecord& record, const LinePosition& position) {
          Location where{file.path, position.line, position.offset,
                         record.sequence()};
          if (position.line == 1 && file.declared_first &&
              *file.declared_first != record.sequence()) {
            chain.Fail(where, absl::StrCat("the file's name declares first "
                                           "sequence ",
                                           *file.declared_first,
                                           " (a record was removed or the "
                                           "file renamed)"));
          }
          return chain.Add(record, where)
                     ? absl::OkStatus()
                     : absl::AbortedError("chain verification failed");
        },
        &bad);
    if (!scanned.ok()) {
      if (!chain.failed()) {
        chain.Fail(
            Location{file.path, bad.position.line, bad.position.offset, 0},
            std::string(bad.status.message()));
      }
      break;
    }
    if (scanned->padding_bytes > 0 && i + 1 < files.size()) {
      chain.Fail(Location{file.path, scanned->lines + 1,
                          scanned->complete_bytes + scanned->torn_bytes, 0},
                 absl::StrCat(scanned->padding_bytes,
                              " NUL bytes at the end of a file that is not "
                              "the last"));
      break;
    }
    if (scanned->torn_bytes == 0) continue;
    if (i + 1 < files.size()) {
      chain.Fail(
          Location{file.path, scanned->lines + 1, scanned->complete_bytes, 0},
          absl::StrCat("torn line (", scanned->torn_bytes,
                       " bytes) in the middle of the chain: ",
                       BaseName(files[i + 1].path), " follows it"));
      break;
    }
    report.torn_tail =
        TornTail{file.path, scanned->complete_bytes, scanned->torn_bytes};
  }
  if (!chain.failed() && report.records == 0 && !report.torn_tail) {
    chain.Fail({}, "the files hold no records");
  }
  report.ok = !chain.failed();
  return report;
}

VerifyReport VerifyEvidencePack(const EvidencePack& pack,
                                const std::vector<std::string>& trusted_keys) {
  VerifyReport report;
  report.subject =
      absl::StrCat("evidence pack for execution ", pack.execution_id());
  ChainVerifier chain(trusted_keys, &report);
  if (pack.records().empty()) {
    chain.Fail({}, "the pack holds no records");
    return report;
  }
  const std::string& tenant = pack.records(0).tenant();
  // Records and links merged in sequence order; both must be given sorted.
  size_t r = 0, l = 0;
  uint64_t exec_records = 0;
  while ((r < static_cast<size_t>(pack.records_size()) ||
          l < static_cast<size_t>(pack.links_size())) &&
         !chain.failed()) {
    const bool take_record =
        r < static_cast<size_t>(pack.records_size()) &&
        (l == static_cast<size_t>(pack.links_size()) ||
         pack.records(r).sequence() <= pack.links(l).sequence());
    if (take_record) {
      const AuditRecord& record = pack.records(r++);
      Location where{"", 0, 0, record.sequence()};
      if (record.execution_id() != pack.execution_id() ||
          record.tenant() != tenant) {
        chain.Fail(where, "record belongs to another execution or tenant");
        break;
      }
      auto counter = record.details().find(kExecutionRecord);
      if (exec_records == 0 &&
          (counter == record.details().end() || counter->second != "1")) {
        chain.Fail(where, "the execution's first records are missing");
        break;
      }
      ++exec_records;
      chain.Add(record, where);
    } else {
      const auto& link = pack.links(l++);
      chain.AddLink(link.sequence(), link.prev_hash(), link.hash(),
                    LinkBodyDigest(link), Location{"", 0, 0, link.sequence()});
    }
  }
  report.ends_with_execution_end =
      pack.records(pack.records_size() - 1).type() == kExecutionEnd;
  if (!chain.failed()) {
    const auto& head = pack.chain_head();
    Location where{"", 0, 0, head.sequence()};
    if (head.sequence() != report.last_sequence ||
        head.hash() != report.last_hash) {
      chain.Fail(where, absl::StrCat("the chain does not end at the signed "
                                     "head (head ",
                                     head.sequence(), ", chain ends at ",
                                     report.last_sequence, ")"));
    } else if (chain.KeyAllowed(pack.public_key(), where)) {
      absl::Status verified = VerifyEd25519(
          pack.public_key(), CanonicalHead(head), pack.signature());
      if (!verified.ok()) {
        chain.Fail(where, absl::StrCat("signature over the chain head is "
                                       "invalid: ",
                                       verified.message()));
      } else {
        ++report.signatures;
        report.signed_through = head.sequence();
        report.signing_keys.insert(absl::BytesToHexString(pack.public_key()));
      }
    }
  }
  report.ok = !chain.failed();
  return report;
}

std::string FormatVerdict(const VerifyReport& report) {
  std::string out =
      absl::StrCat("audit verify: ", report.ok ? "OK" : "FAILED", "\n");
  absl::StrAppend(&out, "  checked: ", report.subject, "\n");
  if (report.records > 0) {
    absl::StrAppend(&out, "  records: ", report.records, " intact, sequences ",
                    report.first_sequence, "..", report.last_sequence,
                    report.from_genesis
                        ? " (from the chain's genesis)"
                        : " (earlier records of the chain not supplied)",
                    "\n");
  }
  if (report.ends_with_execution_end.has_value()) {
    absl::StrAppend(&out, "  execution: ",
                    *report.ends_with_execution_end
                        ? "complete, its last record is execution_end\n"
                        : "no execution_end record (still running, or its "
                          "last record is missing)\n");
  }
  if (report.unverifiable_links > 0) {
    absl::StrAppend(&out, "  links: ", report.unverifiable_links,
                    " chain links carry no body digest; their hashes are "
                    "taken as given\n");
  }
  if (report.problem) {
    const Problem& p = *report.problem;
    std::string where;
    if (!p.where.file.empty()) {
      where = absl::StrCat(p.where.file, " line ", p.where.line, " (byte ",
                           p.where.offset, ")");
    }
    if (p.where.sequence != 0) {
      absl::StrAppend(&where, where.empty() ? "" : ", ", "sequence ",
                      p.where.sequence);
    }
    absl::StrAppend(&out, "  first bad record: ", where.empty() ? "-" : where,
                    "\n  problem: ", p.message, "\n");
  }
  if (report.signatures > 0) {
    absl::StrAppend(
        &out, "  signatures: ", report.signatures,
        " chain head signature(s) valid, covering sequences up to ",
        report.signed_through, "; key ",
        absl::StrJoin(report.signing_keys, ", "),
        report.keys_pinned
            ? " (trusted)"
            : " (embedded, not pinned: pass the published public key to "
              "check it)",
        "\n");
  } else if (report.ok) {
    absl::StrAppend(&out,
                    "  signatures: none; no record is covered by a "
                    "signed chain head\n");
  }
  if (report.ok && report.records > 0 &&
      report.signed_through < report.last_sequence &&
      report.unverifiable_links == 0 && report.signatures > 0) {
    absl::StrAppend(&out, "  unsigned tail: sequences ",
                    std::max(report.signed_through + 1, report.first_sequence),
                    "..", report.last_sequence,
                    " are chained but not yet covered by a signature\n");
  }
  for (const Recovery& recovery : report.recoveries) {
    absl::StrAppend(&out, "  recovered (sequence ", recovery.sequence,
                    "): ", recovery.description, "\n");
  }
  if (report.torn_tail) {
    absl::StrAppend(
        &out, "  torn final line: ", report.torn_tail->bytes,
        " bytes at the end of ", report.torn_tail->file, " (offset ",
        report.torn_tail->offset,
        "), a write cut short by a crash; it was never acknowledged and is "
        "truncated, with a log_recovery record, when the log next opens\n");
  }
  return out;
}

absl::StatusOr<std::string> ReadPublicKeyFile(const std::string& path) {
  auto data = ReadWholeFile(path);
  if (!data.ok()) return data.status();
  const absl::string_view text = absl::StripAsciiWhitespace(*data);
  if (text.size() == 64) {
    const std::string raw = absl::HexStringToBytes(text);
    if (absl::BytesToHexString(raw) == absl::AsciiStrToLower(text)) return raw;
  }
  return Ed25519PublicKeyFromPem(*data);
}

absl::StatusOr<EvidencePack> ReadEvidencePackFile(const std::string& path) {
  auto data = ReadWholeFile(path);
  if (!data.ok()) return data.status();
  EvidencePack pack;
  const absl::string_view text = absl::StripLeadingAsciiWhitespace(*data);
  if (!text.empty() && text[0] == '{') {
    auto parsed =
        google::protobuf::util::JsonStringToMessage(std::string(text), &pack);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not an evidence pack (JSON): ", parsed.ToString()));
    }
    return pack;
  }
  if (!pack.ParseFromString(*data)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an evidence pack (binary protobuf)"));
  }
  return pack;
}

}  // namespace forge::audit
