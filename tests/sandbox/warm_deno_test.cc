// Deno's warm runner (a --preload module, warm_runner.h): the program is
// Deno's main module with the cold path's permissions, arguments, working
// directory, exit codes and uncaught-error reports. Each script runs cold and
// warm (warm_vs_cold.h) with the default config's Deno flags. Needs root (id
// maps) and Deno (scripts/install-deps); skips otherwise.
#include <climits>
#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sandbox/warm_vs_cold.h"

namespace forge::sandbox {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string DenoBinary() {
  const char* source = std::getenv("FORGE_SOURCE_DIR");
  std::string link = absl::StrCat(source ? source : ".", "/.deps/bin/deno");
  char resolved[PATH_MAX];
  if (::realpath(link.c_str(), resolved) == nullptr) return link;
  return resolved;
}

class WarmDenoTest : public WarmVsColdTest {
 protected:
  void SetUp() override {
    std::string deno = DenoBinary();
    runtime_.binary = deno;
    runtime_.args = {"run",
                     "--quiet",
                     "--no-prompt",
                     "--no-config",
                     "--no-npm",
                     "--no-remote",
                     "--allow-read=/workspace,/tmp",
                     "--allow-write=/workspace,/tmp"};
    runtime_.script = "/workspace/main.ts";
    runtime_.env = {"PATH=/usr/bin:/bin",     "HOME=/workspace",
                    "LANG=C.UTF-8",           "DENO_DIR=/tmp/.deno",
                    "DENO_NO_UPDATE_CHECK=1", "NO_COLOR=1"};
    runtime_.binds = {deno.substr(0, deno.rfind('/'))};
    WarmVsColdTest::SetUp();
  }
};

TEST_F(WarmDenoTest, TheScriptIsTheMainModuleWithItsArguments) {
  Observed cold = RunBoth(
      "const n: number = 2;\n"
      "console.log(import.meta.main, Deno.mainModule, import.meta.url,\n"
      "            JSON.stringify(Deno.args), Deno.args === Deno.args,\n"
      "            Deno.cwd(), n);\n",
      {"first", "second arg"});
  EXPECT_EQ(cold.exit_code, 0) << cold.err;
  // Deno.args === Deno.args is compared between the runs only.
  EXPECT_THAT(
      cold.out,
      HasSubstr("true file:///workspace/main.ts "
                "file:///workspace/main.ts [\"first\",\"second arg\"] "));
  EXPECT_THAT(cold.out, HasSubstr(" /workspace 2\n"));
}

TEST_F(WarmDenoTest, PermissionsAreTheColdOnes) {
  Observed cold = RunBoth(
      "const states = [];\n"
      "for (const name of ['read', 'write'] as const) {\n"
      "  for (const path of [undefined, '/proc', '/proc/self/fd',\n"
      "      '/proc/self/fd/3', '/proc/self/fd/4', '/workspace', '/tmp',\n"
      "      '/etc']) {\n"
      "    states.push(name + ' ' + path + ' ' +\n"
      "        Deno.permissions.querySync({name, path}).state);\n"
      "  }\n"
      "}\n"
      "for (const name of ['env', 'net', 'run', 'ffi', 'sys'] as const)\n"
      "  states.push(name + ' ' + Deno.permissions.querySync({name}).state);\n"
      "console.log(states.join('\\n'));\n"
      "for (const path of ['/proc/self/fd/3', '/proc/self/fd/4']) {\n"
      "  try {\n"
      "    Deno.readFileSync(path);\n"
      "    console.log('read', path);\n"
      "  } catch (e) {\n"
      "    console.log(path, e.name);\n"
      "  }\n"
      "  try {\n"
      "    Deno.writeTextFileSync(path, 'x');\n"
      "    console.log('wrote', path);\n"
      "  } catch (e) {\n"
      "    console.log(path, e.name);\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(cold.exit_code, 0) << cold.err;
  EXPECT_THAT(cold.out, HasSubstr("read /proc/self/fd/3 prompt\n"));
  EXPECT_THAT(cold.out, HasSubstr("write /proc/self/fd/4 prompt\n"));
  EXPECT_THAT(cold.out, HasSubstr("read /workspace granted\n"));
  EXPECT_THAT(cold.out, HasSubstr("/proc/self/fd/3 NotCapable\n"));
  EXPECT_THAT(cold.out, Not(HasSubstr("read /proc/self/fd/3\n")));
  EXPECT_THAT(cold.out, Not(HasSubstr("wrote /proc/self/fd/4\n")));
}

TEST_F(WarmDenoTest, ExitCodes) {
  EXPECT_EQ(RunBoth("Deno.exit(5);\n").exit_code, 5);
  EXPECT_EQ(RunBoth("Deno.exitCode = 6;\n").exit_code, 6);
  Observed unload = RunBoth(
      "globalThis.addEventListener('unload', () => console.log('unload'));\n"
      "setTimeout(() => console.log('timer'), 50);\n"
      "console.log('main');\n");
  EXPECT_EQ(unload.out, "main\ntimer\nunload\n");
}

TEST_F(WarmDenoTest, UncaughtErrorsAreReportedAsCold) {
  Observed thrown = RunBoth(
      "function fail(): never {\n"
      "  throw new TypeError('boom');\n"
      "}\n"
      "fail();\n");
  EXPECT_EQ(thrown.exit_code, 1);
  EXPECT_THAT(thrown.err, HasSubstr("Uncaught"));
  EXPECT_THAT(thrown.err, HasSubstr("TypeError: boom"));
  EXPECT_THAT(thrown.err, HasSubstr("file:///workspace/main.ts:2:9"));
  Observed rejected = RunBoth("await Promise.reject(new Error('later'));\n");
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_THAT(rejected.err, HasSubstr("Error: later"));
  Observed syntax = RunBoth("const = ;\n");
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_THAT(syntax.err, HasSubstr("main.ts"));
}

TEST_F(WarmDenoTest, OutputFilesAndImportsOfTheWorkspace) {
  Observed cold = RunBoth(
      "Deno.writeTextFileSync('written.txt', 'from deno');\n"
      "Deno.writeTextFileSync('helper.ts', 'export const x: number = 3;');\n"
      "const { x } = await import('./helper.ts');\n"
      "console.log(x);\n");
  EXPECT_EQ(cold.exit_code, 0) << cold.err;
  EXPECT_EQ(cold.out, "3\n");
  ASSERT_EQ(cold.files.size(), 1u);
  EXPECT_EQ(cold.files[0].second, "from deno");
}

}  // namespace
}  // namespace forge::sandbox
