#include "server/mcp/module_generator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/mcp/module_runtime.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;

constexpr int kMaxTypeDepth = 4;

std::string Quoted(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> TypesOf(const json& schema) {
  std::vector<std::string> types;
  if (!schema.is_object()) return types;
  auto it = schema.find("type");
  if (it == schema.end()) return types;
  if (it->is_string()) types.push_back(it->get<std::string>());
  if (it->is_array()) {
    for (const json& t : *it)
      if (t.is_string()) types.push_back(t.get<std::string>());
  }
  return types;
}

const json& PropertiesOf(const json& schema) {
  static const json* const kEmpty = new json(json::object());
  if (!schema.is_object()) return *kEmpty;
  auto it = schema.find("properties");
  return it != schema.end() && it->is_object() ? *it : *kEmpty;
}

std::vector<std::string> RequiredOf(const json& schema) {
  std::vector<std::string> required;
  if (!schema.is_object()) return required;
  auto it = schema.find("required");
  if (it == schema.end() || !it->is_array()) return required;
  for (const json& name : *it)
    if (name.is_string()) required.push_back(name.get<std::string>());
  return required;
}

std::string DescriptionOf(const json& schema) {
  if (!schema.is_object()) return "";
  auto it = schema.find("description");
  return it != schema.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string PyType(const json& schema, int depth) {
  if (!schema.is_object() || depth > kMaxTypeDepth) return "Any";
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    std::vector<std::string> values;
    for (const json& v : *e) {
      if (!v.is_string() && !v.is_number()) return "Any";
      values.push_back(v.dump());
    }
    if (!values.empty())
      return absl::StrCat("Literal[", absl::StrJoin(values, ", "), "]");
  }
  std::vector<std::string> out;
  for (const std::string& type : TypesOf(schema)) {
    if (type == "string")
      out.push_back("str");
    else if (type == "integer")
      out.push_back("int");
    else if (type == "number")
      out.push_back("float");
    else if (type == "boolean")
      out.push_back("bool");
    else if (type == "null")
      out.push_back("None");
    else if (type == "object")
      out.push_back("dict[str, Any]");
    else if (type == "array")
      out.push_back(absl::StrCat(
          "list[", PyType(schema.value("items", json()), depth + 1), "]"));
  }
  return out.empty() ? "Any" : absl::StrJoin(out, " | ");
}

std::string TsType(const json& schema, int depth) {
  if (!schema.is_object() || depth > kMaxTypeDepth) return "unknown";
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    std::vector<std::string> values;
    for (const json& v : *e) {
      if (!v.is_string() && !v.is_number()) return "unknown";
      values.push_back(v.dump());
    }
    if (!values.empty()) return absl::StrJoin(values, " | ");
  }
  std::vector<std::string> out;
  for (const std::string& type : TypesOf(schema)) {
    if (type == "string")
      out.push_back("string");
    else if (type == "integer" || type == "number")
      out.push_back("number");
    else if (type == "boolean")
      out.push_back("boolean");
    else if (type == "null")
      out.push_back("null");
    else if (type == "array")
      out.push_back(absl::StrCat(
          "Array<", TsType(schema.value("items", json()), depth + 1), ">"));
    else if (type == "object") {
      const json& properties = PropertiesOf(schema);
      if (properties.empty()) {
        out.push_back("Record<string, unknown>");
        continue;
      }
      const std::vector<std::string> required = RequiredOf(schema);
      std::vector<std::string> fields;
      for (const auto& [key, child] : properties.items()) {
        const bool req =
            std::find(required.begin(), required.end(), key) != required.end();
        fields.push_back(absl::StrCat(
            Quoted(key), req ? ": " : "?: ", TsType(child, depth + 1)));
      }
      out.push_back(absl::StrCat("{ ", absl::StrJoin(fields, "; "), " }"));
    }
  }
  return out.empty() ? "unknown" : absl::StrJoin(out, " | ");
}

std::string PyIdentifier(const std::string& key) {
  std::string out =
      key.empty() || absl::ascii_isdigit(key[0]) ? "_" : std::string();
  for (char c : key) out.push_back(absl::ascii_isalnum(c) ? c : '_');
  static const char* const kKeywords[] = {
      "False",  "None",   "True",    "and",      "as",       "assert", "async",
      "await",  "break",  "class",   "continue", "def",      "del",    "elif",
      "else",   "except", "finally", "for",      "from",     "global", "if",
      "import", "in",     "is",      "lambda",   "nonlocal", "not",    "or",
      "pass",   "raise",  "return",  "try",      "while",    "with",   "yield"};
  for (const char* keyword : kKeywords)
    if (out == keyword) out.push_back('_');
  if (out[0] == '_') out = "p" + out;  // never clash with the module's own
  return out;
}

std::string PyDoc(const std::string& text) {
  return absl::StrReplaceAll(text,
                             {{"\\", "\\\\"}, {"\"\"\"", "\\\"\\\"\\\""}});
}

std::string Indented(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (std::string& line : lines)
    if (!line.empty()) line = absl::StrCat(prefix, line);
  return absl::StrJoin(lines, "\n");
}

std::string CommentSafe(const std::string& text) {
  return absl::StrReplaceAll(text, {{"*/", "*\\/"}});
}

std::string PascalCase(const std::string& identifier) {
  std::string out;
  bool upper = true;
  for (char c : identifier) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? absl::ascii_toupper(c) : c);
    upper = false;
  }
  return out.empty() ? "Tool" : out;
}

// Required properties first (in `required` order), then the rest by name.
std::vector<std::pair<std::string, bool>> Parameters(const json& schema) {
  std::vector<std::pair<std::string, bool>> params;
  const json& properties = PropertiesOf(schema);
  for (const std::string& name : RequiredOf(schema))
    params.push_back({name, true});
  for (const auto& [key, child] : properties.items()) {
    bool seen = false;
    for (const auto& p : params) seen = seen || p.first == key;
    if (!seen) params.push_back({key, false});
  }
  return params;
}

std::string PythonModule(const ToolDefinition& tool) {
  const json& properties = PropertiesOf(tool.input_schema);
  std::vector<std::string> signature, docs, body;
  bool keyword_only = false;
  std::vector<std::string> used;
  for (const auto& [key, required] : Parameters(tool.input_schema)) {
    std::string name = PyIdentifier(key);
    while (std::find(used.begin(), used.end(), name) != used.end())
      name.push_back('_');
    used.push_back(name);
    const json child = properties.contains(key) ? properties[key] : json();
    const std::string type = PyType(child, 0);
    if (required) {
      signature.push_back(absl::StrCat(name, ": ", type));
      body.push_back(absl::StrCat("    _args[", Quoted(key), "] = ", name));
    } else {
      if (!keyword_only) signature.push_back("*");
      keyword_only = true;
      signature.push_back(absl::StrCat(name, ": ", type, " | None = None"));
      body.push_back(absl::StrCat("    if ", name,
                                  " is not None:\n        _args[", Quoted(key),
                                  "] = ", name));
    }
    std::string doc = DescriptionOf(child);
    absl::StrReplaceAll({{"\n", " "}}, &doc);
    docs.push_back(absl::StrCat("        ", name, " (", type,
                                required ? ", required" : ", optional",
                                "): ", PyDoc(doc)));
  }
  std::string out = absl::StrCat(
      "\"\"\"", tool.name, ": ", PyDoc(tool.summary),
      "\n\nGenerated by forge-exec from the MCP server's tool list.\n\"\"\"\n",
      "from typing import Any, Literal\n\n",
      "from forge_tools import ToolError, call as _call\n\n",
      "TOOL = ", Quoted(tool.name), "\n",
      "ACCESS = ", Quoted(AccessName(tool.access)), "\n\n\n", "def ",
      tool.identifier, "(", absl::StrJoin(signature, ", "), ") -> Any:\n",
      "    \"\"\"",
      absl::StripLeadingAsciiWhitespace(Indented(
          PyDoc(std::string(absl::StripAsciiWhitespace(
              tool.description.empty() ? tool.name : tool.description))),
          "    ")),
      "\n\n");
  if (!docs.empty())
    absl::StrAppend(&out, "    Args:\n", absl::StrJoin(docs, "\n"), "\n\n");
  absl::StrAppend(&out,
                  "    Raises:\n        ToolError: the call was refused or "
                  "failed (see ToolError.code).\n    \"\"\"\n",
                  "    _args: dict[str, Any] = {}\n");
  for (const std::string& line : body) absl::StrAppend(&out, line, "\n");
  absl::StrAppend(&out, "    return _call(TOOL, _args)\n");
  return out;
}

std::string TsArgsType(const ToolDefinition& tool) {
  const json& properties = PropertiesOf(tool.input_schema);
  std::string out = "{\n";
  for (const auto& [key, required] : Parameters(tool.input_schema)) {
    const json child = properties.contains(key) ? properties[key] : json();
    std::string doc = DescriptionOf(child);
    if (!doc.empty()) {
      absl::StrReplaceAll({{"\n", " "}}, &doc);
      absl::StrAppend(&out, "  /** ", CommentSafe(doc), " */\n");
    }
    absl::StrAppend(&out, "  ", Quoted(key),
                    required ? ": " : "?: ", TsType(child, 0), ";\n");
  }
  absl::StrAppend(&out, "}");
  return out;
}

bool HasRequired(const ToolDefinition& tool) {
  return !RequiredOf(tool.input_schema).empty();
}

std::string TypeScriptModule(const ToolDefinition& tool) {
  const std::string type = absl::StrCat(PascalCase(tool.identifier), "Args");
  return absl::StrCat(
      "// ", tool.name,
      " (generated by forge-exec from the MCP server's tool list)\n",
      "import { call, ToolError } from \"../forge_tools.ts\";\n",
      "export { ToolError };\n\n", "export const TOOL = ", Quoted(tool.name),
      ";\nexport const ACCESS = ", Quoted(AccessName(tool.access)), ";\n\n",
      "export interface ", type, " ", TsArgsType(tool), "\n\n", "/**\n",
      Indented(
          CommentSafe(tool.description.empty() ? tool.name : tool.description),
          " * "),
      "\n *\n * @throws ToolError when the call is refused or fails (see "
      ".code).\n */\n",
      "export async function ", tool.identifier, "(args: ", type,
      HasRequired(tool) ? "" : " = {}", "): Promise<unknown> {\n",
      "  return await call(TOOL, args);\n}\n\nexport default ", tool.identifier,
      ";\n");
}

std::string JavaScriptModule(const ToolDefinition& tool) {
  std::string type = TsArgsType(tool);
  absl::StrReplaceAll({{"\n", " "}}, &type);
  return absl::StrCat(
      "// ", tool.name,
      " (generated by forge-exec from the MCP server's tool list)\n",
      "\"use strict\";\n",
      "const { call, ToolError } = require(\"../forge_tools.js\");\n\n",
      "const TOOL = ", Quoted(tool.name),
      ";\nconst ACCESS = ", Quoted(AccessName(tool.access)), ";\n\n", "/**\n",
      Indented(
          CommentSafe(tool.description.empty() ? tool.name : tool.description),
          " * "),
      "\n *\n * @param {", CommentSafe(type), "} args\n",
      " * @returns {Promise<unknown>}\n",
      " * @throws {ToolError} when the call is refused or fails (see .code)\n "
      "*/\n",
      "async function ", tool.identifier, "(args) {\n",
      "  return call(TOOL, args === undefined ? {} : args);\n}\n\n",
      "module.exports = { ", tool.identifier,
      ", ToolError, TOOL, ACCESS, default: ", tool.identifier, " };\n");
}

}  // namespace

std::string PythonImportOf(const ToolDefinition& tool) {
  return absl::StrCat("from ", tool.server, ".", tool.identifier, " import ",
                      tool.identifier);
}

std::string TypeScriptImportOf(const ToolDefinition& tool) {
  return absl::StrCat("import { ", tool.identifier, " } from \"",
                      kToolsMountPoint, "/ts/", tool.server, "/",
                      tool.identifier, ".ts\";");
}

std::string ToolIndexJson(const std::vector<const ToolDefinition*>& tools) {
  std::string out =
      "{\"usage\": \"Python: from <server>.<tool> import <tool> "
      "(/tools/python on sys.path). TypeScript: import { <tool> } from "
      "\\\"/tools/ts/<server>/<tool>.ts\\\". Node: "
      "require(\\\"/tools/ts/<server>/<tool>.js\\\"). Docstrings carry the "
      "full description.\",\n\"tools\": [\n";
  for (size_t i = 0; i < tools.size(); ++i) {
    json line = {{"name", tools[i]->name}, {"summary", tools[i]->summary}};
    absl::StrAppend(&out,
                    line.dump(-1, ' ', false, json::error_handler_t::replace),
                    i + 1 < tools.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&out, "]}\n");
  return out;
}

std::vector<GeneratedFile> GenerateToolTree(
    const std::vector<const ToolDefinition*>& tools) {
  std::vector<GeneratedFile> files;
  files.push_back({"index.json", ToolIndexJson(tools)});
  files.push_back({"python/forge_tools.py", kPythonRuntime});
  files.push_back({"ts/forge_tools.ts", kTypeScriptRuntime});
  files.push_back({"ts/forge_tools.js", kJavaScriptRuntime});
  std::string last_server;
  for (const ToolDefinition* tool : tools) {
    if (tool->server != last_server) {
      last_server = tool->server;
      std::string doc =
          absl::StrCat("\"\"\"Tools of the MCP server ", tool->server, ":\n\n");
      for (const ToolDefinition* t : tools) {
        if (t->server == tool->server)
          absl::StrAppend(&doc, "    ", t->identifier, ": ", PyDoc(t->summary),
                          "\n");
      }
      absl::StrAppend(&doc, "\"\"\"\n");
      files.push_back(
          {absl::StrCat("python/", tool->server, "/__init__.py"), doc});
    }
    const std::string stem = absl::StrCat(tool->server, "/", tool->identifier);
    files.push_back(
        {absl::StrCat("python/", stem, ".py"), PythonModule(*tool)});
    files.push_back(
        {absl::StrCat("ts/", stem, ".ts"), TypeScriptModule(*tool)});
    files.push_back(
        {absl::StrCat("ts/", stem, ".js"), JavaScriptModule(*tool)});
  }
  return files;
}

}  // namespace forge::mcp
