#!/usr/bin/env bash
# python_client_test.sh SOURCE_DIR STUBS_DIR
#
# Generates the Python stubs into STUBS_DIR with Debian's grpc_tools, then,
# against the server in $FORGE_EXEC_ADDRESS, runs the example (checking its
# output) and the client's integration test with /usr/bin/python3.
set -euo pipefail

source_dir="$1"
stubs="$2"
export FORGE_SOURCE_DIR="$source_dir"
export FORGE_EXEC_STUBS_DIR="$stubs"
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$source_dir/client/python"

rm -rf "$stubs"
/usr/bin/python3 -m forge_exec._stubs "$stubs"
[[ -f "$stubs/forge/exec/v1/execution_pb2_grpc.py" ]]

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
/usr/bin/python3 "$source_dir/client/python/example.py" | tee "$out"
grep -q "^health: SERVING$" "$out"
grep -q "^python said 'hello from python\\\\n'; OUTCOME_EXITED exit_code=3$" "$out"
grep -q "^finished: OUTCOME_EXITED exit_code=0$" "$out"
grep -q "^bash said 'args, from a file and stdin\\\\n'$" "$out"
grep -q "^sleep: OUTCOME_WALL_TIMEOUT" "$out"
grep -Eq "^busy loop: OUTCOME_(APPROVAL_PENDING|WALL_TIMEOUT)" "$out"
grep -q "^refused: INVALID_ARGUMENT: " "$out"

/usr/bin/python3 "$source_dir/tests/clients/python_client_test.py"
echo "PASS: python client"
