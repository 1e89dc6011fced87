#!/usr/bin/env bash
# typescript_client_test.sh SOURCE_DIR STAGE_DIR node|deno
#
# Stages client/typescript into STAGE_DIR with the dependencies that
# scripts/install-deps put in .deps/typescript-client (nothing is downloaded),
# then, against the server in $FORGE_EXEC_ADDRESS:
#   node: type-checks and compiles with tsc, runs the example and the test
#         with /usr/bin/node;
#   deno: runs the example and the test from the TypeScript source with the
#         project's Deno, using the staged node_modules.
set -euo pipefail

source_dir="$1"
stage="$2"
engine="$3"
modules="$source_dir/.deps/typescript-client/node_modules"
[[ -d "$modules/@grpc/grpc-js" ]] ||
  { echo "FAIL: $modules is missing; run scripts/install-deps" >&2; exit 1; }

rm -rf "$stage"
mkdir -p "$stage"
cp -r "$source_dir/client/typescript/"{package.json,tsconfig.json,src,test} "$stage/"
ln -s "$modules" "$stage/node_modules"
cd "$stage"
export FORGE_EXEC_PROTO_DIR="$source_dir/proto"

case "$engine" in
  node)
    /usr/bin/node node_modules/typescript/bin/tsc -p .
    /usr/bin/node dist/src/example.js | tee example.out
    /usr/bin/node dist/test/client_test.js | tee test.out
    grep -Eq '^# pass [1-9]' test.out || { echo "FAIL: no test passed" >&2; exit 1; }
    grep -q '^# fail 0$' test.out
    ;;
  deno)
    deno="$source_dir/.deps/bin/deno"
    export DENO_DIR="$stage/.deno" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
    # An unreachable registry proves nothing is fetched.
    export NPM_CONFIG_REGISTRY=http://127.0.0.1:9/
    flags=(--node-modules-dir=manual --no-remote --no-check --allow-all)
    "$deno" run "${flags[@]}" src/example.ts | tee example.out
    "$deno" test "${flags[@]}" test/client_test.ts 2>&1 | tee test.out
    grep -Eq '^ok \| [1-9][0-9]* passed \| 0 failed' test.out ||
      { echo "FAIL: deno test did not pass" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 SOURCE_DIR STAGE_DIR node|deno" >&2
    exit 2
    ;;
esac

# The example's output is part of the contract shown in the client's README.
grep -q '^health: SERVING$' example.out
grep -q '^python said "hello from python\\n"; OUTCOME_EXITED exit_code=3$' example.out
grep -q '^finished: OUTCOME_EXITED exit_code=0$' example.out
grep -q '^sleep: OUTCOME_WALL_TIMEOUT' example.out
grep -Eq '^busy loop: OUTCOME_(APPROVAL_PENDING|WALL_TIMEOUT)' example.out
grep -q '^refused: INVALID_ARGUMENT: ' example.out
echo "PASS: typescript client ($engine)"
