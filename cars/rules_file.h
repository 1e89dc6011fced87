// Loading the CARS rule file (deploy/cars/rules.textproto). The only file
// CARS reads.
#ifndef FORGE_CARS_RULES_FILE_H_
#define FORGE_CARS_RULES_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forge/exec/v1/cars.pb.h"

namespace forge::cars {

// Parses textproto `text` as a CarsRuleSet. INVALID_ARGUMENT with the
// parser's line and column on a syntax error. Does not validate the rules
// (Assessor::Create does).
absl::StatusOr<forge::exec::v1::CarsRuleSet> ParseRuleSet(
    absl::string_view text);

// Reads and parses the file at `path`. NOT_FOUND / PERMISSION_DENIED from
// the read, INVALID_ARGUMENT (with the path) from the parse.
absl::StatusOr<forge::exec::v1::CarsRuleSet> LoadRuleSetFile(
    const std::string& path);

}  // namespace forge::cars

#endif  // FORGE_CARS_RULES_FILE_H_
