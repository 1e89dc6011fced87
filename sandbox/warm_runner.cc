#include "sandbox/warm_runner.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace forge::sandbox {
namespace {

// Python: reads the job, checks that this interpreter was started the way
// the job's argv and env would start it (else execs the job), then runs the
// script as a fresh `__main__` module. Tracebacks leave out the runner's own
// frame; SystemExit propagates as it would from a script. Imports nothing
// that interpreter start-up has not already imported.
constexpr char kPythonRunner[] = R"PY(import sys
def _forge_job():
    import os, builtins
    os.write(3, b"R")
    chunks = []
    while True:
        chunk = os.read(3, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(3)
    fields = b"".join(chunks).split(b"\0")
    argc = int(fields[0])
    argv = [os.fsdecode(f) for f in fields[1:1 + argc]]
    envc = int(fields[1 + argc])
    env = fields[2 + argc:2 + argc + envc]
    script = len(sys.orig_argv) - 2
    own_env = sorted(k + b"=" + v for k, v in os.environb.items())
    if sorted(env) != own_env or argv[:script] != sys.orig_argv[:script]:
        os.execve(argv[0], argv, dict(e.split(b"=", 1) for e in env))
    path = argv[script]
    folder = os.path.dirname(path)
    os.chdir(folder)
    sys.argv = argv[script:]
    sys.orig_argv = argv
    sys.path[0] = folder
    with open(path, "rb") as f:
        source = f.read()
    main = type(sys)("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    main.__cached__ = None
    main.__annotations__ = {}
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    sys.modules["__main__"] = main
    return compile(source, path, "exec", dont_inherit=True), main.__dict__
try:
    _forge_code, _forge_globals = _forge_job()
except SystemExit:
    raise
except BaseException as _forge_error:
    sys.excepthook(type(_forge_error), _forge_error.with_traceback(None), None)
    raise SystemExit(1)
del _forge_job
try:
    exec(_forge_code, _forge_globals)
except SystemExit:
    raise
except BaseException as _forge_error:
    _forge_tb = _forge_error.__traceback__.tb_next
    sys.excepthook(type(_forge_error), _forge_error.with_traceback(_forge_tb), _forge_tb)
    raise SystemExit(1)
)PY";

// Node: the same steps; the script then runs through Node's own entry point
// (CommonJS or ESM as for `node script`), from a fresh turn of the event
// loop so no runner frame is on its stack. The globals that -e defines are
// removed first.
constexpr char kNodeRunner[] = R"JS((() => {
  const load = require;
  const fs = load('fs');
  const Module = load('module');
  const path = load('path');
  const childProcess = load('child_process');
  const os = load('os');
  fs.writeSync(3, 'R');
  const chunks = [];
  const buffer = Buffer.allocUnsafe(65536);
  for (;;) {
    let n;
    try {
      n = fs.readSync(3, buffer, 0, buffer.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN' || e.code === 'EINTR') continue;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  fs.closeSync(3);
  const fields = Buffer.concat(chunks).toString('utf8').split('\0');
  const argc = Number(fields[0]);
  const argv = fields.slice(1, 1 + argc);
  const envc = Number(fields[1 + argc]);
  const env = fields.slice(2 + argc, 2 + argc + envc);
  const own = process.execArgv.slice(0, -2);
  const script = 1 + own.length;
  const ownEnv = Object.entries(process.env).map(([k, v]) => k + '=' + v);
  const same = argv.slice(1, script).every((a, i) => a === own[i]) &&
      JSON.stringify(env.slice().sort()) === JSON.stringify(ownEnv.sort());
  for (const name of ['module', 'exports', 'require', '__filename', '__dirname'])
    delete globalThis[name];
  delete process._eval;
  if (!same) {
    const jobEnv = {};
    for (const e of env) {
      const at = e.indexOf('=');
      jobEnv[e.slice(0, at)] = e.slice(at + 1);
    }
    const r = childProcess.spawnSync(argv[0], argv.slice(1),
        {stdio: 'inherit', env: jobEnv});
    process.exit(r.status === null ? 128 + (os.constants.signals[r.signal] || 0) : r.status);
  }
  process.chdir(path.dirname(argv[script]));
  process.argv = [process.execPath, argv[script], ...argv.slice(script + 1)];
  process.execArgv = own;
  setImmediate(Module.runMain);
})();
)JS";

}  // namespace

absl::StatusOr<WarmRunnerKind> WarmRunnerFor(absl::string_view binary) {
  absl::string_view name = binary.substr(binary.rfind('/') + 1);
  if (absl::StartsWith(name, "python3")) return WarmRunnerKind::kPython;
  if (name == "node" || name == "nodejs") return WarmRunnerKind::kNode;
  return absl::NotFoundError(absl::StrCat("no warm runner for ", name));
}

std::vector<std::string> WarmRunnerArgs(WarmRunnerKind kind) {
  switch (kind) {
    case WarmRunnerKind::kPython:
      return {"-c", kPythonRunner};
    case WarmRunnerKind::kNode:
      return {"-e", kNodeRunner};
  }
  return {};
}

std::string EncodeWarmJob(const std::vector<std::string>& argv,
                          const std::vector<std::string>& env) {
  std::string message;
  auto put = [&message](absl::string_view field) {
    message.append(field.data(), field.size());
    message.push_back('\0');
  };
  put(absl::StrCat(argv.size()));
  for (const std::string& arg : argv) put(arg);
  put(absl::StrCat(env.size()));
  for (const std::string& entry : env) put(entry);
  return message;
}

}  // namespace forge::sandbox
