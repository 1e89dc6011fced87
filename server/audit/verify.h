// Offline verification of audit logs and evidence packs, and the verdict text
// `forge-exec audit verify` prints. Needs nothing but the files (or the pack)
// and, optionally, the published public key.
//
//   VerifyReport report = VerifyLogFiles({"audit-...1.jsonl", ...}, keys);
//   std::cout << FormatVerdict(report);
//   return report.ok ? 0 : 1;
//
// All functions are thread-safe.
#ifndef FORGE_SERVER_AUDIT_VERIFY_H_
#define FORGE_SERVER_AUDIT_VERIFY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "forge/exec/v1/execution.pb.h"
#include "server/audit/chain_verifier.h"

namespace forge::audit {

// Verifies log files, given in any order, as one chain: they are ordered by
// their first sequence; every line must be a canonical record with a correct
// hash; sequences and prev_hash links must continue without gaps across files;
// every chain_head_signed signature must verify (with one of `trusted_keys`,
// raw 32-byte Ed25519 keys, or with the embedded keys when none are given).
// A torn final line in the last file is reported (report.torn_tail) and is
// not a failure: it was never acknowledged. A torn line anywhere else is.
VerifyReport VerifyLogFiles(const std::vector<std::string>& paths,
                            const std::vector<std::string>& trusted_keys);

// One log file's name (its last path component names its first sequence)
// and bytes.
struct LogContent {
  std::string name;
  std::string data;
};

// VerifyLogFiles on contents already in memory.
VerifyReport VerifyLogContents(std::vector<LogContent> contents,
                               const std::vector<std::string>& trusted_keys);

// Verifies an evidence pack: every record re-hashes; records and links
// together form a gap-free chain from the execution's first record to the
// signed head; the signature over the head verifies with the pack's public
// key, which must be one of `trusted_keys` when any are given; the
// execution's records are all there (execution_record counters 1..n).
VerifyReport VerifyEvidencePack(const forge::exec::v1::EvidencePack& pack,
                                const std::vector<std::string>& trusted_keys);

// The human-readable verdict: first line "audit verify: OK" or
// "audit verify: FAILED", then what was checked, the first bad record if any,
// torn tails and recoveries, and how far the signatures reach.
std::string FormatVerdict(const VerifyReport& report);

// Reads a public key file: SubjectPublicKeyInfo PEM (as the server publishes
// it) or 64 hex digits. Returns the raw 32 bytes.
absl::StatusOr<std::string> ReadPublicKeyFile(const std::string& path);

// Reads an evidence pack file: binary protobuf, or protobuf JSON (as
// `grpcurl` prints it) when the file starts with '{'.
absl::StatusOr<forge::exec::v1::EvidencePack> ReadEvidencePackFile(
    const std::string& path);

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_VERIFY_H_
