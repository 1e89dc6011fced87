// Checks a tool call's arguments against the tool's JSON Schema before the
// call leaves the server. The subset checked is the one tool schemas use:
// `type` (one name or a list), `required`, `properties`,
// `additionalProperties` (false, or a schema), `items`, `enum`, `const`,
// `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`.
// Other keywords are ignored (a schema using them is checked less strictly,
// never refused). Pure functions; thread-safe.
#ifndef FORGE_SERVER_MCP_JSON_SCHEMA_H_
#define FORGE_SERVER_MCP_JSON_SCHEMA_H_

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace forge::mcp {

// OK when `value` satisfies `schema`; otherwise INVALID_ARGUMENT naming the
// first offending location as a JSON pointer ("/path/0: expected string,
// got number"). A non-object schema accepts everything.
absl::Status ValidateAgainstSchema(const nlohmann::json& schema,
                                   const nlohmann::json& value);

// The JSON Schema type name of `value` ("integer" for whole numbers).
const char* JsonTypeName(const nlohmann::json& value);

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_JSON_SCHEMA_H_
