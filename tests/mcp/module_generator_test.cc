#include "server/mcp/module_generator.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

ToolDefinition Tool() {
  ToolDefinition tool;
  tool.server = "files";
  tool.tool = "read-file";
  tool.name = "files.read-file";
  tool.identifier = "read_file";
  tool.description = "Reads a file.\nReturns \"\"\" quoted */ text.";
  tool.summary = "Reads a file.";
  tool.input_schema = json::parse(R"({
    "type": "object",
    "properties": {
      "path": {"type": "string", "description": "Where"},
      "head": {"type": "integer"},
      "mode": {"enum": ["text", "base64"]},
      "class": {"type": "array", "items": {"type": "string"}}
    },
    "required": ["path"]})");
  tool.access = forge::exec::v1::TOOL_ACCESS_READ;
  return tool;
}

std::string FileOf(const std::vector<GeneratedFile>& files,
                   const std::string& path) {
  for (const auto& file : files)
    if (file.path == path) return file.content;
  return "<missing " + path + ">";
}

TEST(ModuleGeneratorTest, PythonModuleHasATypedSignatureAndDocstring) {
  ToolDefinition tool = Tool();
  auto files = GenerateToolTree({&tool});
  const std::string py = FileOf(files, "python/files/read_file.py");
  EXPECT_THAT(
      py, HasSubstr("def read_file(path: str, *, class_: list[str] | "
                    "None = None, head: int | None = None, mode: "
                    "Literal[\"text\", \"base64\"] | None = None) -> Any:"));
  EXPECT_THAT(py, HasSubstr("_args[\"class\"] = class_"));
  EXPECT_THAT(py, HasSubstr("TOOL = \"files.read-file\""));
  EXPECT_THAT(py, HasSubstr("Returns \\\"\\\"\\\" quoted"));  // escaped
  EXPECT_THAT(py, HasSubstr("path (str, required): Where"));
  EXPECT_THAT(FileOf(files, "python/files/__init__.py"),
              HasSubstr("read_file: Reads a file."));
}

TEST(ModuleGeneratorTest, TypeScriptAndJavaScriptModules) {
  ToolDefinition tool = Tool();
  auto files = GenerateToolTree({&tool});
  const std::string ts = FileOf(files, "ts/files/read_file.ts");
  EXPECT_THAT(ts, HasSubstr("export interface ReadFileArgs {"));
  EXPECT_THAT(ts, HasSubstr("\"path\": string;"));
  EXPECT_THAT(ts, HasSubstr("\"head\"?: number;"));
  EXPECT_THAT(ts, HasSubstr("\"mode\"?: \"text\" | \"base64\";"));
  EXPECT_THAT(ts,
              HasSubstr("export async function read_file(args: ReadFileArgs)"));
  EXPECT_THAT(ts, HasSubstr("quoted *\\/ text"));  // comment stays closed
  EXPECT_THAT(ts, Not(HasSubstr("quoted */")));
  const std::string js = FileOf(files, "ts/files/read_file.js");
  EXPECT_THAT(js, HasSubstr("require(\"../forge_tools.js\")"));
  EXPECT_THAT(js, HasSubstr("module.exports = { read_file,"));
}

TEST(ModuleGeneratorTest, IndexHasOneLinePerTool) {
  ToolDefinition a = Tool();
  ToolDefinition b = Tool();
  b.name = "files.write";
  b.summary = "Writes.";
  const std::string index = ToolIndexJson({&a, &b});
  json parsed = json::parse(index);
  ASSERT_EQ(parsed["tools"].size(), 2u);
  EXPECT_EQ(parsed["tools"][1],
            json({{"name", "files.write"}, {"summary", "Writes."}}));
  EXPECT_THAT(
      index,
      HasSubstr(
          "\n{\"name\":\"files.read-file\",\"summary\":\"Reads a file.\"},\n"));
}

TEST(ModuleGeneratorTest, ImportLines) {
  ToolDefinition tool = Tool();
  EXPECT_EQ(PythonImportOf(tool), "from files.read_file import read_file");
  EXPECT_EQ(TypeScriptImportOf(tool),
            "import { read_file } from \"/tools/ts/files/read_file.ts\";");
}

}  // namespace
}  // namespace forge::mcp
