"""Finds or generates the Python stubs of forge.exec.v1.

Nothing generated is committed: the stubs are made from
proto/forge/exec/v1/execution.proto with Debian's grpc_tools
(python3-grpc-tools) into a directory, by default a per-user cache keyed by
the proto's content, so a changed proto gets fresh stubs.

Environment:
  FORGE_EXEC_PROTO_DIR  the proto/ tree (default: found above this package)
  FORGE_EXEC_STUBS_DIR  where the stubs are (or are generated to)
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
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


def generate(out_dir: str, protos: str | None = None) -> None:
    """Writes execution_pb2.py and execution_pb2_grpc.py under out_dir.

    Raises RuntimeError when protoc fails.
    """
    from grpc_tools import protoc  # Debian: python3-grpc-tools

    protos = protos or proto_dir()
    well_known = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    os.makedirs(out_dir, exist_ok=True)
    status = protoc.main([
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
    with open(os.path.join(protos, EXECUTION_PROTO), "rb") as proto:
        digest = hashlib.sha256(proto.read()).hexdigest()[:16]
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
