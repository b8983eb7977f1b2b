#!/usr/bin/env bash
# run_wasi_suite.sh - the core-wasi suite: the core tests, the fd I/O tests (with a preopened
# directory), the fd subscriptions of poll_oneoff (under run_wasi.mjs --fd-events, with standard
# input and output pipes) and the wasi_echo example, all wasm32-wasi modules run by Node's WASI.
# Usage: run_wasi_suite.sh NODE BUILD_DIR TEST_CORE.wasm TEST_IO.wasm ECHO.wasm POLL.wasm
#        [TEST.wasm...]
# (further test modules, such as test_op.wasm, run like TEST_CORE.wasm). Prints each part's output
# and the total `N passed, M failed`.
set -uo pipefail
node=$1 dir=$2 core=$3 io=$4 echo_wasm=$5 poll=$6
shift 6
here=$(dirname "$0")
rm -rf "$dir/files" && mkdir -p "$dir/files"
status=0
"$node" --no-warnings "$here/run_wasi.mjs" "$core" >"$dir/test_core.out" || status=1
"$node" --no-warnings "$here/run_wasi.mjs" "$io" --dir "$dir/files" >"$dir/test_io.out" || status=1
"$here/check_echo.sh" "$node" "$echo_wasm" >"$dir/echo.out" || status=1
printf 'ping\n' | "$node" --no-warnings "$here/run_wasi.mjs" "$poll" --fd-events |
    cat >"$dir/test_wasi_poll.out" || status=1
outs=("$dir/test_core.out" "$dir/test_io.out" "$dir/echo.out" "$dir/test_wasi_poll.out")
for extra in "$@"; do
    out="$dir/$(basename "$extra" .wasm).out"
    "$node" --no-warnings "$here/run_wasi.mjs" "$extra" >"$out" || status=1
    outs+=("$out")
done
cat "${outs[@]}"
cat "${outs[@]}" |
    awk '/^[0-9]+ passed, [0-9]+ failed$/ {p += $1; f += $3} END {print p " passed, " f " failed"}'
exit "$status"
