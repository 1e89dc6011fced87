"""Python client of forge-execd (forge.exec.v1.ExecutionService).

Runs on Debian's python3 with python3-grpcio; the protobuf stubs are
generated from proto/ on first use (see _stubs.py).
"""

from forge_exec.client import (ForgeExecClient, ForgeExecError, InputFile,
                               Limits, Result)

__all__ = ["ForgeExecClient", "ForgeExecError", "InputFile", "Limits", "Result"]
