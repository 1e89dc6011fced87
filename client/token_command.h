// `forge-exec token ...`: bearer tokens for forge-execd's auth config.
//
//   forge-exec token new [--tenant T --principal P --roles r1,r2]
//       prints a new random token (32 bytes, base64url) on the first line
//       and, on the second, the `tokens { ... }` entry that accepts it.
//   forge-exec token hash [TOKEN]
//       prints the SHA-256 (hex) of TOKEN, or of standard input without its
//       trailing newline; the same as `printf %s "$TOKEN" | sha256sum`.
#ifndef FORGE_CLIENT_TOKEN_COMMAND_H_
#define FORGE_CLIENT_TOKEN_COMMAND_H_

#include <string>
#include <vector>

namespace forge::client {

// `args` starts with "token". Returns the process exit code (2 on usage
// errors).
int TokenCommand(const std::vector<std::string>& args,
                 const std::string& tenant, const std::string& principal,
                 const std::string& roles);

}  // namespace forge::client

#endif  // FORGE_CLIENT_TOKEN_COMMAND_H_
