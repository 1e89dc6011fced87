#include "server/mcp/json_schema.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;

// Keeps recursion bounded on hostile (deeply nested) arguments.
constexpr int kMaxDepth = 64;

bool IsWhole(const json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) return true;
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasType(const json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return IsWhole(value);
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "null") return value.is_null();
  return true;  // unknown type names are not ours to refuse
}

std::string PointerEscape(const std::string& key) {
  return absl::StrReplaceAll(key, {{"~", "~0"}, {"/", "~1"}});
}

absl::Status Fail(const std::string& where, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(where.empty() ? "/" : where, ": ", what));
}

absl::Status Check(const json& schema, const json& value,
                   const std::string& where, int depth) {
  if (!schema.is_object()) return absl::OkStatus();
  if (depth > kMaxDepth) return Fail(where, "nested too deeply");

  if (auto it = schema.find("type"); it != schema.end()) {
    std::vector<std::string> types;
    if (it->is_string()) types.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const json& t : *it)
        if (t.is_string()) types.push_back(t.get<std::string>());
    }
    bool any = types.empty();
    for (const std::string& type : types) any = any || HasType(value, type);
    if (!any) {
      return Fail(where, absl::StrCat("expected ", absl::StrJoin(types, " or "),
                                      ", got ", JsonTypeName(value)));
    }
  }
  if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
    bool found = false;
    for (const json& option : *it) found = found || option == value;
    if (!found) return Fail(where, absl::StrCat("must be one of ", it->dump()));
  }
  if (auto it = schema.find("const"); it != schema.end() && *it != value) {
    return Fail(where, absl::StrCat("must be ", it->dump()));
  }
  if (value.is_number()) {
    const double d = value.get<double>();
    if (auto it = schema.find("minimum");
        it != schema.end() && it->is_number() && d < it->get<double>())
      return Fail(where, absl::StrCat("must be >= ", it->dump()));
    if (auto it = schema.find("maximum");
        it != schema.end() && it->is_number() && d > it->get<double>())
      return Fail(where, absl::StrCat("must be <= ", it->dump()));
  }
  if (value.is_string()) {
    // Lengths in bytes, a conservative bound for code points.
    const size_t length = value.get_ref<const std::string&>().size();
    if (auto it = schema.find("maxLength"); it != schema.end() &&
                                            it->is_number_unsigned() &&
                                            length > it->get<size_t>())
      return Fail(where, absl::StrCat("longer than ", it->dump()));
    if (auto it = schema.find("minLength");
        it != schema.end() && it->is_number_unsigned()) {
      size_t code_points = 0;
      for (unsigned char c : value.get_ref<const std::string&>())
        code_points += (c & 0xC0) != 0x80;
      if (code_points < it->get<size_t>())
        return Fail(where, absl::StrCat("shorter than ", it->dump()));
    }
  }
  if (value.is_array()) {
    if (auto it = schema.find("minItems"); it != schema.end() &&
                                           it->is_number_unsigned() &&
                                           value.size() < it->get<size_t>())
      return Fail(where, absl::StrCat("fewer than ", it->dump(), " items"));
    if (auto it = schema.find("maxItems"); it != schema.end() &&
                                           it->is_number_unsigned() &&
                                           value.size() > it->get<size_t>())
      return Fail(where, absl::StrCat("more than ", it->dump(), " items"));
    if (auto it = schema.find("items"); it != schema.end() && it->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) {
        absl::Status status =
            Check(*it, value[i], absl::StrCat(where, "/", i), depth + 1);
        if (!status.ok()) return status;
      }
    }
  }
  if (value.is_object()) {
    if (auto it = schema.find("required");
        it != schema.end() && it->is_array()) {
      for (const json& name : *it) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          return Fail(where, absl::StrCat("missing required property \"",
                                          name.get<std::string>(), "\""));
        }
      }
    }
    static const json kEmpty = json::object();
    auto props_it = schema.find("properties");
    const json& properties =
        props_it != schema.end() && props_it->is_object() ? *props_it : kEmpty;
    auto additional = schema.find("additionalProperties");
    for (const auto& [key, child] : value.items()) {
      const std::string at = absl::StrCat(where, "/", PointerEscape(key));
      if (auto p = properties.find(key); p != properties.end()) {
        absl::Status status = Check(*p, child, at, depth + 1);
        if (!status.ok()) return status;
      } else if (additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>())
          return Fail(at, "property not allowed by the schema");
        absl::Status status = Check(*additional, child, at, depth + 1);
        if (!status.ok()) return status;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

const char* JsonTypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return IsWhole(value) ? "integer" : "number";
    default:
      return "unknown";
  }
}

absl::Status ValidateAgainstSchema(const json& schema, const json& value) {
  return Check(schema, value, "", 0);
}

}  // namespace forge::mcp
