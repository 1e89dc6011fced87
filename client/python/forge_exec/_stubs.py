"""Finds or generates the Python stubs of forge.exec.v1.

Nothing generated is committed: the stubs are made from proto/forge/ with
Debian's protoc and grpc_python_plugin into a directory, by default a
per-user cache keyed by the protos' content, so a changed proto gets fresh
stubs.

Environment:
  FORGE_EXEC_PROTO_DIR  the proto/ tree (default: found above this package)
  FORGE_EXEC_STUBS_DIR  where the stubs are (or are generated to)
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from types import ModuleType

EXECUTION_PROTO = "forge/exec/v1/execution.proto"

_lock = threading.Lock()
_loaded: tuple[ModuleType, ModuleType] | None = None


def proto_dir() -> str:
    """The proto/ directory holding forge/exec/v1/execution.proto."""
    from_env = os.environ.get("FORGE_EXEC_PROTO_DIR")
    if from_env:
        return from_env
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(here, "proto")
        if os.path.isfile(os.path.join(candidate, EXECUTION_PROTO)):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            raise FileNotFoundError(
                "cannot find proto/forge/exec/v1/execution.proto; "
                "set FORGE_EXEC_PROTO_DIR")
        here = parent


def _forge_protos(protos: str) -> list[str]:
    """Every .proto under proto/forge, relative to `protos` (execution.proto
    may import any of them, and Python imports what it imports)."""
    found = []
    for root, _, files in os.walk(os.path.join(protos, "forge")):
        for name in files:
            if name.endswith(".proto"):
                found.append(os.path.relpath(os.path.join(root, name), protos))
    return sorted(found)


def generate(out_dir: str, protos: str | None = None) -> None:
    """Writes the forge.exec.v1 modules (execution_pb2.py,
    execution_pb2_grpc.py, ...) under out_dir.

    Uses Debian's protoc (protobuf-compiler) with grpc_python_plugin
    (protobuf-compiler-grpc), which match python3-protobuf and python3-grpcio;
    falls back to grpc_tools (python3-grpc-tools) for execution.proto alone
    when those are not installed. Raises RuntimeError when generation fails.
    """
    protos = protos or proto_dir()
    os.makedirs(out_dir, exist_ok=True)
    protoc = shutil.which("protoc")
    plugin = shutil.which("grpc_python_plugin")
    if protoc and plugin:
        command = [protoc, f"--proto_path={protos}", f"--python_out={out_dir}",
                   f"--grpc_python_out={out_dir}",
                   f"--plugin=protoc-gen-grpc_python={plugin}", *_forge_protos(protos)]
        done = subprocess.run(command, cwd=protos, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"protoc failed: {done.stderr.strip()}")
        return
    from grpc_tools import protoc as grpc_tools_protoc  # python3-grpc-tools

    well_known = os.path.join(os.path.dirname(grpc_tools_protoc.__file__), "_proto")
    status = grpc_tools_protoc.main([
        "grpc_tools.protoc",
        f"--proto_path={protos}",
        f"--proto_path={well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        os.path.join(protos, EXECUTION_PROTO),
    ])
    if status != 0:
        raise RuntimeError(f"grpc_tools.protoc failed ({status}) on {EXECUTION_PROTO}")


def _default_stubs_dir(protos: str) -> str:
    hasher = hashlib.sha256()
    for name in _forge_protos(protos):
        with open(os.path.join(protos, name), "rb") as proto:
            hasher.update(name.encode() + b"\0" + proto.read())
    digest = hasher.hexdigest()[:16]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "forge-exec", "python-stubs", digest)


def load() -> tuple[ModuleType, ModuleType]:
    """Returns (execution_pb2, execution_pb2_grpc), generating them if needed."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        out_dir = os.environ.get("FORGE_EXEC_STUBS_DIR")
        if not out_dir:
            out_dir = _default_stubs_dir(proto_dir())
        marker = os.path.join(out_dir, "forge", "exec", "v1",
                              "execution_pb2_grpc.py")
        if not os.path.isfile(marker):
            # Generate beside the target and rename, so a concurrent process
            # never imports half-written stubs.
            parent = os.path.dirname(os.path.abspath(out_dir))
            os.makedirs(parent, exist_ok=True)
            scratch = tempfile.mkdtemp(prefix=".stubs-", dir=parent)
            generate(scratch)
            try:
                os.rename(scratch, out_dir)
            except OSError:
                shutil.rmtree(scratch, ignore_errors=True)
                if not os.path.isfile(marker):  # else: another process won
                    raise
        if out_dir not in sys.path:
            sys.path.insert(0, out_dir)
        pb2 = importlib.import_module("forge.exec.v1.execution_pb2")
        pb2_grpc = importlib.import_module("forge.exec.v1.execution_pb2_grpc")
        _loaded = (pb2, pb2_grpc)
        return _loaded


if __name__ == "__main__":
    # python3 -m forge_exec._stubs OUT_DIR: generate into OUT_DIR.
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m forge_exec._stubs OUT_DIR")
    generate(sys.argv[1])
