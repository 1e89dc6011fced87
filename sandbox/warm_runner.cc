#include "sandbox/warm_runner.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace forge::sandbox {
namespace {

// Python: reads the job, checks that this interpreter was started the way
// the job's argv and env would start it (else execs the job), then runs the
// script as a fresh `__main__` module. Tracebacks leave out the runner's own
// frame; SystemExit, uncaught exceptions and KeyboardInterrupt end the
// process as they would from a script.
//
// After the script, the std streams are flushed (stderr first) before an
// error is reported, as for a script file. The exit then does the steps of
// the interpreter's finalization a program can observe, in its order, and
// _exits: join the non-daemon threads
// (threading._shutdown), the atexit handlers, flush sys.stdout/stderr, then
// finalize the program's own objects: its `__main__` namespace cleared as
// the interpreter clears modules (finalizers run in reference order), every
// text or buffered file still open flushed (text layers first: a file
// reachable only from a reference cycle would otherwise lose its buffer when
// the collector finalizes the layers in any order), a collection for
// cycles; then the std streams again. What
// it leaves out is the teardown of the interpreter's own state (modules,
// memory). The interpreter's start-up objects are frozen before the job
// (gc.freeze) so that collection and the file scan visit only the
// program's objects. When the std streams cannot be flushed the exit is
// left to the interpreter, which reports it as on the cold path.
//
// Imports nothing that interpreter start-up has not already imported
// (gc and atexit are builtins; they are taken out of sys.modules again).
//
// Before it reports ready the runner compiles an empty source once: the
// interpreter builds its AST node types on the first call of the compile()
// builtin, which took ~0.7 ms of every job's path (Debian's Python 3.11;
// +~110 KiB PSS per ready sandbox instead). Those types are frozen with the
// rest of start-up.
//
// The -c source runs the three parts below one after the other, each
// compiled on its own (exec of a string): the parser's peak memory is that
// of the largest part, not of the whole runner, and what the interpreter
// keeps of it stays in every ready sandbox (~0.3 MiB less PSS measured).
constexpr char kPythonRunnerJob[] = R"PY(import sys
def _forge_builtin(name):
    module = sys.modules.get(name)
    if module is None:
        module = __import__(name)
        del sys.modules[name]
    return module
_forge_gc = _forge_builtin("gc")
_forge_atexit = _forge_builtin("atexit")
def _forge_job():
    import os, builtins
    compile("", "", "exec")
    _forge_gc.freeze()
    os.write(4, b"R")
    os.close(4)
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
)PY";

constexpr char kPythonRunnerExit[] = R"PY(def _forge_exit_status(error):
    code = error.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code if -2**31 <= code < 2**31 else None
    if sys.stderr is None:
        return None
    try:
        sys.stderr.write(str(code))
    except Exception:
        pass
    try:
        sys.stderr.write("\n")
    except Exception:
        pass
    return 1
def _forge_flush_std():
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except Exception:
            return False
    return True
def _forge_exit(status, interrupted, namespace):
    import os, _io
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()
    _forge_atexit._run_exitfuncs()
    if not _forge_flush_std() and not interrupted:
        return
    for name in ("last_type", "last_value", "last_traceback"):
        sys.__dict__.pop(name, None)
    for name in [n for n in namespace if n[:1] == "_" and n != "__builtins__"]:
        namespace[name] = None
    for name in [n for n in namespace if n != "__builtins__"]:
        namespace[name] = None
    del namespace
    files = [o for o in _forge_gc.get_objects() if isinstance(o, _io._IOBase)]
    for kind in (_io.TextIOWrapper, (_io.BufferedWriter, _io.BufferedRandom, _io.BufferedRWPair)):
        for f in files:
            if isinstance(f, kind):
                try:
                    if not f.closed:
                        f.flush()
                except Exception:
                    pass
    del files
    _forge_gc.collect()
    if not _forge_flush_std() and not interrupted:
        return
    if interrupted:
        import _signal
        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGINT)
        os._exit(130)
    os._exit(status)
)PY";

constexpr char kPythonRunnerMain[] = R"PY(try:
    _forge_code, _forge_globals = _forge_job()
except SystemExit:
    raise
except BaseException as _forge_error:
    sys.excepthook(type(_forge_error), _forge_error.with_traceback(None), None)
    raise SystemExit(1)
del _forge_job
_forge_error = None
try:
    exec(_forge_code, _forge_globals)
except BaseException as _forge_raised:
    _forge_error = _forge_raised
del _forge_code
for _forge_stream in (sys.stderr, sys.stdout):
    try:
        _forge_stream.flush()
    except Exception:
        pass
del _forge_stream
_forge_status, _forge_interrupted = 0, False
if isinstance(_forge_error, SystemExit):
    _forge_status = _forge_exit_status(_forge_error)
    if _forge_status is None:
        raise _forge_error
elif _forge_error is not None:
    _forge_tb = _forge_error.__traceback__.tb_next
    sys.last_type, sys.last_value, sys.last_traceback = type(_forge_error), _forge_error, _forge_tb
    sys.excepthook(type(_forge_error), _forge_error.with_traceback(_forge_tb), _forge_tb)
    _forge_status, _forge_interrupted = 1, isinstance(_forge_error, KeyboardInterrupt)
    del _forge_tb
del _forge_error
_forge_exit(_forge_status, _forge_interrupted, _forge_globals)
del _forge_globals
raise SystemExit(_forge_status)
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
  fs.writeSync(4, 'R');
  fs.closeSync(4);
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

// Deno: a preload module (see warm_runner.h). Reads the job through the
// granted /proc paths, revokes them, checks that the job's script is the
// main module Deno will load next, and gives the program its arguments and
// working directory. Synchronous throughout: nothing of it is left on the
// event loop when the main module runs.
constexpr char kDenoRunner[] = R"JS({
  const job = Deno.openSync('/proc/self/fd/3');
  const ready = Deno.openSync('/proc/self/fd/4', {write: true});
  ready.writeSync(new Uint8Array([82]));
  ready.close();
  const chunks = [];
  const buffer = new Uint8Array(65536);
  for (;;) {
    const n = job.readSync(buffer);
    if (n === null) break;
    chunks.push(buffer.slice(0, n));
  }
  job.close();
  for (const [name, path] of [['read', '/proc/self/fd/3'], ['write', '/proc/self/fd/4']]) {
    if (Deno.permissions.querySync({name, path: '/proc/self/fd'}).state !== 'granted') {
      Deno.permissions.revokeSync({name, path});
    }
  }
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const bytes = new Uint8Array(size);
  size = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, size);
    size += chunk.length;
  }
  const fields = new TextDecoder().decode(bytes).split('\0');
  const argv = fields.slice(1, 1 + Number(fields[0]));
  const main = decodeURIComponent(new URL(Deno.mainModule).pathname);
  const script = argv.indexOf(main, 1);
  if (script < 0) {
    Deno.stderr.writeSync(new TextEncoder().encode(
        'warm runner: the job is not for this interpreter\n'));
    Deno.exit(70);
  }
  const args = argv.slice(script + 1);
  const own = Object.getOwnPropertyDescriptor(Deno, 'args');
  Object.defineProperty(Deno, 'args', {...own, get: () => args});
  try {
    Deno.chdir(main.slice(0, main.lastIndexOf('/')) || '/');
  } catch {
  }
}
)JS";

// Each part goes into a raw triple-quoted Python literal.
constexpr bool HasTripleQuote(const char* text) {
  for (; *text != '\0'; ++text) {
    if (text[0] == '\'' && text[1] == '\'' && text[2] == '\'') return true;
  }
  return false;
}
static_assert(!HasTripleQuote(kPythonRunnerJob) &&
              !HasTripleQuote(kPythonRunnerExit) &&
              !HasTripleQuote(kPythonRunnerMain));

std::string PythonRunnerSource() {
  std::string source;
  for (const char* part :
       {kPythonRunnerJob, kPythonRunnerExit, kPythonRunnerMain}) {
    absl::StrAppend(&source, "exec(r\'\'\'", part, "\'\'\')\n");
  }
  return source;
}

}  // namespace

absl::StatusOr<WarmRunnerKind> WarmRunnerFor(absl::string_view binary) {
  absl::string_view name = binary.substr(binary.rfind('/') + 1);
  if (absl::StartsWith(name, "python3")) return WarmRunnerKind::kPython;
  if (name == "node" || name == "nodejs") return WarmRunnerKind::kNode;
  if (name == "deno") return WarmRunnerKind::kDeno;
  return absl::NotFoundError(absl::StrCat("no warm runner for ", name));
}

std::vector<std::string> WarmRunnerArgs(WarmRunnerKind kind,
                                        absl::string_view script) {
  switch (kind) {
    case WarmRunnerKind::kPython:
      return {"-c", PythonRunnerSource()};
    case WarmRunnerKind::kNode:
      return {"-e", kNodeRunner};
    case WarmRunnerKind::kDeno:
      return {"--allow-read=/proc/self/fd/3", "--allow-write=/proc/self/fd/4",
              "--preload",
              absl::StrCat("data:application/javascript;base64,",
                           absl::Base64Escape(kDenoRunner)),
              std::string(script)};
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
