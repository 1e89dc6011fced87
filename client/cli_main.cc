// forge-exec: command-line client of forge-execd.
//
//   forge-exec run [--runtime R] [--stdin FILE] FILE|- [-- ARGS...]
//   forge-exec runtimes
//   forge-exec token new|hash   (client/token_command.h)
//   forge-exec approvals list|approve ID|deny ID --reason TEXT
//   Common flags: --server HOST:PORT, --timeout DURATION, --json, --token T
//
// `run` streams the program's stdout and stderr live to the terminal's and
// exits with the program's exit code: 124 on a wall or CPU timeout (like
// timeout(1)), 128+N when it died of signal N, 137 when it ran out of memory,
// 125 when the service could not run it (the reason is printed), 126 when
// CARS blocked it or approval is still needed, 130 when cancelled.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cars/format_assessment.h"
#include "client/cli_approvals.h"
#include "client/exec_client.h"
#include "client/token_command.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "server/audit/verify.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "forge-execd address host:port");
ABSL_FLAG(std::string, runtime, "",
          "runtime (python, javascript, typescript, bash); "
          "default: from the file's extension");
ABSL_FLAG(std::string, stdin, "",
          "file whose content is the program's standard input");
ABSL_FLAG(absl::Duration, timeout, absl::ZeroDuration(),
          "wall-clock limit of the program (e.g. 30s); default: the server's");
ABSL_FLAG(bool, json, false, "print every event as one JSON object per line");
ABSL_FLAG(std::string, evidence, "",
          "audit verify: an evidence pack file (JSON or binary)");
ABSL_FLAG(std::string, public_key, "",
          "audit verify: the server's published public key file");
ABSL_FLAG(std::string, token, "", "bearer token (default: $FORGE_EXEC_TOKEN)");
ABSL_FLAG(std::string, tls_ca, "",
          "connect with TLS, trusting the CA certificates in this PEM file");
ABSL_FLAG(std::string, tls_cert, "",
          "with --tls_ca: client certificate chain (PEM) for mTLS");
ABSL_FLAG(std::string, tls_key, "",
          "with --tls_ca: private key (PEM) of --tls_cert");
ABSL_FLAG(std::string, tenant, "", "token new: the tenant of the config entry");
ABSL_FLAG(std::string, principal, "",
          "token new: the principal of the config entry");
ABSL_FLAG(std::string, roles, "",
          "token new: comma-separated roles of the config entry");
ABSL_FLAG(absl::Duration, approval_wait, absl::ZeroDuration(),
          "run: how long to wait for an approval when one is required "
          "(e.g. 10m)");
ABSL_FLAG(std::string, approval_token, "",
          "run: the token of an approval of this exact request");

namespace forge::client {
namespace {

using ::forge::exec::v1::ExecuteEvent;

constexpr char kUsage[] =
    "forge-exec: run code in forge-execd's sandboxes\n\n"
    "  forge-exec run [--runtime R] [--stdin FILE] FILE|- [-- ARGS...]\n"
    "  forge-exec assess [--runtime R] FILE|-\n"
    "  forge-exec runtimes\n"
    "  forge-exec approvals list [--state pending]\n"
    "  forge-exec approvals approve ID [--reason TEXT]\n"
    "  forge-exec approvals deny ID --reason TEXT\n"
    "  forge-exec evidence EXECUTION_ID          (prints the pack as JSON)\n"
    "  forge-exec audit verify FILE... | --evidence PACK [--public_key "
    "FILE]\n"
    "  forge-exec token new [--tenant T --principal P --roles R,...]\n"
    "  forge-exec token hash [TOKEN]            (default: token on stdin)\n\n"
    "Flags: --server HOST:PORT  --timeout 30s  --json  --token T\n"
    "       --tls_ca CA.pem [--tls_cert CERT.pem --tls_key KEY.pem]\n"
    "run:   --approval_wait 10m  --approval_token TOKEN\n";

absl::StatusOr<std::string> ReadFileOrStdin(const std::string& path) {
  std::stringstream content;
  if (path == "-") {
    content << std::cin.rdbuf();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    content << file.rdbuf();
  }
  return content.str();
}

void PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::cout << json << std::endl;
}

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

int ExitCodeFor(const forge::exec::v1::Finished& finished) {
  using namespace forge::exec::v1;
  switch (finished.outcome()) {
    case OUTCOME_EXITED:
      return finished.exit_code();
    case OUTCOME_SIGNALED:
      return 128 + finished.signal();
    case OUTCOME_WALL_TIMEOUT:
    case OUTCOME_CPU_TIMEOUT:
      return 124;
    case OUTCOME_MEMORY_LIMIT:
      return 137;
    case OUTCOME_SANDBOX_VIOLATION:
      return 128 + 31;  // SIGSYS
    case OUTCOME_CANCELLED:
      return 130;
    case OUTCOME_BLOCKED:
    case OUTCOME_APPROVAL_PENDING:
    case OUTCOME_APPROVAL_DENIED:
    case OUTCOME_APPROVAL_EXPIRED:
      return 126;
    default:
      return 125;
  }
}

int Run(ExecClient& client, const std::vector<std::string>& positional) {
  if (positional.size() < 2) {
    std::cerr << "forge-exec run: which file? (use - for standard input)\n"
              << kUsage;
    return 2;
  }
  const std::string& path = positional[1];
  absl::StatusOr<std::string> code = ReadFileOrStdin(path);
  if (!code.ok()) {
    std::cerr << "forge-exec: " << code.status().message() << "\n";
    return 2;
  }
  std::string runtime = absl::GetFlag(FLAGS_runtime);
  if (runtime.empty()) {
    if (path == "-") {
      std::cerr << "forge-exec run: reading code from standard input needs "
                   "--runtime\n";
      return 2;
    }
    absl::StatusOr<std::string> inferred = client.RuntimeForFile(path);
    if (!inferred.ok()) {
      std::cerr << "forge-exec: " << inferred.status().message() << "\n";
      return 2;
    }
    runtime = *inferred;
  }
  forge::exec::v1::ExecuteRequest request;
  request.set_runtime(runtime);
  request.set_code(*code);
  for (size_t i = 2; i < positional.size(); ++i)
    request.add_args(positional[i]);
  if (!absl::GetFlag(FLAGS_stdin).empty()) {
    absl::StatusOr<std::string> input =
        ReadFileOrStdin(absl::GetFlag(FLAGS_stdin));
    if (!input.ok()) {
      std::cerr << "forge-exec: " << input.status().message() << "\n";
      return 2;
    }
    request.set_stdin(*input);
  }
  if (absl::GetFlag(FLAGS_timeout) > absl::ZeroDuration()) {
    *request.mutable_limits()->mutable_wall_time() =
        google::protobuf::util::TimeUtil::NanosecondsToDuration(
            absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_timeout)));
  }
  request.set_approval_token(absl::GetFlag(FLAGS_approval_token));
  if (absl::GetFlag(FLAGS_approval_wait) > absl::ZeroDuration()) {
    *request.mutable_approval_wait() =
        google::protobuf::util::TimeUtil::NanosecondsToDuration(
            absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_approval_wait)));
  }
  const bool json = absl::GetFlag(FLAGS_json);
  int exit_code = 125;
  absl::Status status = client.Execute(request, [&](const ExecuteEvent& event) {
    if (json) PrintJson(event);
    if (event.has_output() && !json) {
      WriteAll(
          event.output().stream() == forge::exec::v1::STREAM_STDERR ? 2 : 1,
          event.output().data());
    } else if (event.has_approval_required() && !json) {
      std::cerr << "forge-exec: approval required: "
                << event.approval_required().approval_id() << " (expires "
                << google::protobuf::util::TimeUtil::ToString(
                       event.approval_required().expires_at())
                << ")"
                << (request.has_approval_wait() ? "; waiting for a decision"
                                                : "")
                << "\n";
    } else if (event.has_approval_resolved() && !json) {
      const auto& resolved = event.approval_resolved();
      std::cerr << "forge-exec: approval "
                << forge::exec::v1::ApprovalDecision_Name(resolved.decision())
                << (resolved.approver().empty() ? "" : " by ")
                << resolved.approver() << "\n";
    } else if (event.has_finished()) {
      exit_code = ExitCodeFor(event.finished());
      const auto& finished = event.finished();
      if (!json && finished.outcome() != forge::exec::v1::OUTCOME_EXITED) {
        std::cerr << "forge-exec: "
                  << forge::exec::v1::Outcome_Name(finished.outcome())
                  << (finished.message().empty() ? "" : ": ")
                  << finished.message() << "\n";
      }
    }
  });
  if (!status.ok()) {
    std::cerr << "forge-exec: " << absl::StatusCodeToString(status.code())
              << ": " << status.message() << "\n";
    return 125;
  }
  return exit_code;
}

int Assess(ExecClient& client, const std::vector<std::string>& positional) {
  if (positional.size() < 2) {
    std::cerr << "forge-exec assess: which file? (use - for standard input)\n"
              << kUsage;
    return 2;
  }
  const std::string& path = positional[1];
  absl::StatusOr<std::string> code = ReadFileOrStdin(path);
  if (!code.ok()) {
    std::cerr << "forge-exec: " << code.status().message() << "\n";
    return 2;
  }
  std::string runtime = absl::GetFlag(FLAGS_runtime);
  if (runtime.empty()) {
    absl::StatusOr<std::string> inferred = client.RuntimeForFile(path);
    if (!inferred.ok()) {
      std::cerr << "forge-exec: " << inferred.status().message() << "\n";
      return 2;
    }
    runtime = *inferred;
  }
  forge::exec::v1::AssessRequest request;
  request.set_runtime(runtime);
  request.set_code(*code);
  absl::StatusOr<forge::exec::v1::RiskAssessment> assessment =
      client.Assess(request);
  if (!assessment.ok()) {
    std::cerr << "forge-exec: "
              << absl::StatusCodeToString(assessment.status().code()) << ": "
              << assessment.status().message() << "\n";
    return 125;
  }
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(*assessment);
  } else {
    std::cout << forge::cars::FormatAssessment(*assessment);
  }
  return 0;
}

// forge-exec audit verify FILE... | --evidence PACK [--public_key FILE]
int AuditVerify(const std::vector<std::string>& positional) {
  if (positional.size() < 2 || positional[1] != "verify") {
    std::cerr << "forge-exec audit: the command is `audit verify`\n" << kUsage;
    return 2;
  }
  std::vector<std::string> trusted;
  if (!absl::GetFlag(FLAGS_public_key).empty()) {
    absl::StatusOr<std::string> key =
        forge::audit::ReadPublicKeyFile(absl::GetFlag(FLAGS_public_key));
    if (!key.ok()) {
      std::cerr << "forge-exec: " << key.status().message() << "\n";
      return 2;
    }
    trusted.push_back(*key);
  }
  forge::audit::VerifyReport report;
  if (!absl::GetFlag(FLAGS_evidence).empty()) {
    absl::StatusOr<forge::exec::v1::EvidencePack> pack =
        forge::audit::ReadEvidencePackFile(absl::GetFlag(FLAGS_evidence));
    if (!pack.ok()) {
      std::cerr << "forge-exec: " << pack.status().message() << "\n";
      return 2;
    }
    report = forge::audit::VerifyEvidencePack(*pack, trusted);
  } else {
    std::vector<std::string> files(positional.begin() + 2, positional.end());
    if (files.empty()) {
      std::cerr
          << "forge-exec audit verify: which log files? (or --evidence PACK)\n";
      return 2;
    }
    report = forge::audit::VerifyLogFiles(files, trusted);
  }
  std::cout << forge::audit::FormatVerdict(report);
  return report.ok ? 0 : 1;
}

// forge-exec evidence EXECUTION_ID [--out FILE]: fetches the pack (JSON).
int Evidence(ExecClient& client, const std::vector<std::string>& positional) {
  if (positional.size() < 2) {
    std::cerr << "forge-exec evidence: which execution id?\n";
    return 2;
  }
  absl::StatusOr<forge::exec::v1::EvidencePack> pack =
      client.GetEvidence(positional[1]);
  if (!pack.ok()) {
    std::cerr << "forge-exec: "
              << absl::StatusCodeToString(pack.status().code()) << ": "
              << pack.status().message() << "\n";
    return 125;
  }
  PrintJson(*pack);
  return 0;
}

int Runtimes(ExecClient& client) {
  absl::StatusOr<forge::exec::v1::ListRuntimesResponse> runtimes =
      client.ListRuntimes();
  if (!runtimes.ok()) {
    std::cerr << "forge-exec: " << runtimes.status().message() << "\n";
    return 125;
  }
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(*runtimes);
    return 0;
  }
  for (const auto& runtime : runtimes->runtimes()) {
    std::string extensions;
    for (const auto& extension : runtime.extensions())
      absl::StrAppend(&extensions, " ", extension);
    std::printf("%-12s %-40s ready=%u warm=%s ext:%s\n", runtime.name().c_str(),
                runtime.version().c_str(), runtime.ready(),
                runtime.warm() ? "yes" : "no", extensions.c_str());
  }
  return 0;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> positional(rest.begin() + 1, rest.end());
  if (positional.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  ClientOptions options;
  options.server = absl::GetFlag(FLAGS_server);
  options.token = absl::GetFlag(FLAGS_token);
  if (options.token.empty() && std::getenv("FORGE_EXEC_TOKEN") != nullptr) {
    options.token = std::getenv("FORGE_EXEC_TOKEN");
  }
  if (!absl::GetFlag(FLAGS_tls_ca).empty()) {
    grpc::SslCredentialsOptions tls;
    for (auto [flag, pem] :
         {std::pair{absl::GetFlag(FLAGS_tls_ca), &tls.pem_root_certs},
          std::pair{absl::GetFlag(FLAGS_tls_cert), &tls.pem_cert_chain},
          std::pair{absl::GetFlag(FLAGS_tls_key), &tls.pem_private_key}}) {
      if (flag.empty()) continue;
      absl::StatusOr<std::string> content = ReadFileOrStdin(flag);
      if (!content.ok()) {
        std::cerr << "forge-exec: " << content.status().message() << "\n";
        return 2;
      }
      *pem = *std::move(content);
    }
    options.credentials = grpc::SslCredentials(tls);
  }
  ExecClient client(options);
  const std::string& command = positional[0];
  if (command == "run") return Run(client, positional);
  if (command == "runtimes") return Runtimes(client);
  if (command == "assess") return Assess(client, positional);
  if (command == "audit") return AuditVerify(positional);
  if (command == "evidence") return Evidence(client, positional);
  if (command == "token") {
    return TokenCommand(positional, absl::GetFlag(FLAGS_tenant),
                        absl::GetFlag(FLAGS_principal),
                        absl::GetFlag(FLAGS_roles));
  }
  if (command == "approvals")
    return ApprovalsCommand(client, positional, absl::GetFlag(FLAGS_json));
  std::cerr << "forge-exec: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}

}  // namespace
}  // namespace forge::client

int main(int argc, char** argv) { return forge::client::Main(argc, argv); }
