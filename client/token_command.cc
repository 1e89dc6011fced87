#include "client/token_command.h"

#include <openssl/rand.h>

#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"

namespace forge::client {
namespace {

constexpr char kUsage[] =
    "forge-exec token new [--tenant T --principal P --roles r1,r2]\n"
    "forge-exec token hash [TOKEN]   (default: the token on stdin)\n";

std::string ConfigEntry(const std::string& digest, const std::string& tenant,
                        const std::string& principal,
                        const std::string& roles) {
  std::string entry =
      absl::StrCat("tokens { sha256: \"", digest, "\" tenant: \"", tenant,
                   "\" principal: \"", principal, "\"");
  for (absl::string_view role :
       absl::StrSplit(roles, ',', absl::SkipWhitespace())) {
    absl::StrAppend(&entry, " roles: \"", absl::StripAsciiWhitespace(role),
                    "\"");
  }
  return entry + " }";
}

}  // namespace

int TokenCommand(const std::vector<std::string>& args,
                 const std::string& tenant, const std::string& principal,
                 const std::string& roles) {
  if (args.size() >= 2 && args[1] == "new" && args.size() == 2) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
      std::cerr << "forge-exec: no randomness for a token\n";
      return 1;
    }
    std::string token;
    absl::WebSafeBase64Escape(
        absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)),
        &token);
    std::cout << token << "\n"
              << ConfigEntry(Sha256Hex(token),
                             tenant.empty() ? "TENANT" : tenant,
                             principal.empty() ? "PRINCIPAL" : principal,
                             roles.empty() ? "executor" : roles)
              << std::endl;
    return 0;
  }
  if (args.size() >= 2 && args[1] == "hash" && args.size() <= 3) {
    std::string token;
    if (args.size() == 3) {
      token = args[2];
    } else {
      token.assign(std::istreambuf_iterator<char>(std::cin),
                   std::istreambuf_iterator<char>());
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
        token.pop_back();
    }
    if (token.empty()) {
      std::cerr << "forge-exec: empty token\n";
      return 2;
    }
    std::cout << Sha256Hex(token) << std::endl;
    return 0;
  }
  std::cerr << kUsage;
  return 2;
}

}  // namespace forge::client
