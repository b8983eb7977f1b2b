#!/usr/bin/env bash
# check_echo.sh - run examples/wasi_echo under Node's WASI on known input and check its output.
# Usage: check_echo.sh NODE ECHO.wasm   Prints `N passed, M failed`.
set -uo pipefail
node=$1
wasm=$2
out=$(printf 'hello\nasync world\nlast line without newline' |
    "$node" --no-warnings "$(dirname "$0")/run_wasi.mjs" "$wasm")
rc=$?
pass=0
fail=0
expect() {
    if grep -qxF -- "$1" <<<"$out"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: no line '$1'"; fi
}
expect "HELLO!"
expect "ASYNC WORLD!"
expect "LAST LINE WITHOUT NEWLINE!"
expect "echo: 3 lines read, 3 lines written"
expect "echo: as expected, timeout: timed out after 5 ms"
if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: exit status $rc"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
