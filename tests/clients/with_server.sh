#!/usr/bin/env bash
# with_server.sh BUILD_DIR COMMAND [ARGS...]
#
# Starts forge-execd from BUILD_DIR on a free loopback port (metrics off,
# audit trail in a temporary directory),
# runs COMMAND with FORGE_EXEC_ADDRESS=host:port in its environment, then
# stops the server with SIGTERM. Exits with COMMAND's status; 77 (the tests'
# SKIP_RETURN_CODE) when not root, because the sandbox needs root here.
set -euo pipefail

build_dir="$1"
shift

if (( EUID != 0 )); then
  echo "SKIP: forge-execd's sandbox needs root (uid maps onto an unprivileged host id)"
  exit 77
fi

server="$build_dir/server/forge-execd"
[[ -x "$server" ]] || { echo "FAIL: $server is not built" >&2; exit 1; }

work="$(mktemp -d /tmp/forge-client-test-XXXXXX)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The metrics listener is disabled with the flag: an empty config field cannot
# override the embedded default, and parallel tests must not share port 9464.
printf 'listen: "127.0.0.1:0"\naudit { dir: "%s/audit" }\n' "$work" >"$work/config.textproto"
"$server" --config "$work/config.textproto" --metrics_listen= >"$work/stdout" 2>"$work/stderr" &
pid=$!

address=""
for _ in $(seq 300); do
  address="$(sed -n 's/^forge-execd listening on //p' "$work/stdout")"
  [[ -n "$address" ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: forge-execd exited at start:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -n "$address" ]] || { echo "FAIL: forge-execd did not listen within 30s" >&2; exit 1; }
echo "forge-execd (pid $pid) listening on $address"

status=0
FORGE_EXEC_ADDRESS="$address" "$@" || status=$?
if (( status != 0 )); then
  echo "--- forge-execd log (last 40 lines) ---" >&2
  tail -n 40 "$work/stderr" >&2
fi
exit "$status"
