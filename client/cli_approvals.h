// `forge-exec approvals …`: list and decide approvals from the command line.
//
//   forge-exec approvals list [--state pending|approved|denied|expired]
//   forge-exec approvals approve ID [--reason TEXT]
//   forge-exec approvals deny ID --reason TEXT
//
// `approve` prints the approval token (the requester re-submits the
// identical request with `forge-exec run --approval_token TOKEN`).
#ifndef FORGE_CLIENT_CLI_APPROVALS_H_
#define FORGE_CLIENT_CLI_APPROVALS_H_

#include <string>
#include <vector>

#include "client/exec_client.h"

namespace forge::client {

// `positional` starts with "approvals". Returns the process exit code: 0 on
// success, 2 for a usage error, 125 when the server refused.
int ApprovalsCommand(ExecClient& client,
                     const std::vector<std::string>& positional, bool json);

}  // namespace forge::client

#endif  // FORGE_CLIENT_CLI_APPROVALS_H_
