#!/usr/bin/env bash
# count_wasm.sh - wasm instructions per workload iteration, counted deterministically.
# Usage: count_wasm.sh A.wasm NA B.wasm NB [SUFFIX]   (SUFFIX is appended to every figure's name)
# A.wasm and B.wasm are bench/core/wasm_workload.c built for NA and NB iterations. wasm-interp
# (wabt) runs each module's exports with --trace, one line per executed instruction; the
# difference of the two counts divided by NB-NA is the cost of one iteration, without the
# set-up both runs share. --dummy-import-func only satisfies wasi-libc's stdio imports, which
# the workload never calls. Prints `wasm_instructions_per_iteration N`,
# `task_header_bytes_wasm32 N` and `op_slot_bytes_wasm32 N`; fails when a run's result is wrong.
set -euo pipefail
a=$1 na=$2 b=$3 nb=$4 sfx=${5:-}
trace() { wasm-interp --dummy-import-func --run-all-exports --trace "$1"; }
ta=$(trace "$a")
tb=$(trace "$b")
for t in "$ta" "$tb"; do
    grep -q '^run() => i32:1$' <<<"$t" || { echo "workload returned a wrong result" >&2; exit 1; }
done
ca=$(grep -c '^#' <<<"$ta")
cb=$(grep -c '^#' <<<"$tb")
echo "wasm_instructions_per_iteration$sfx $(((cb - ca) / (nb - na)))"
# wabt's interpreter adds pseudo-instructions of its own (alloca for a function's locals,
# drop_keep when a branch leaves values): counted above, reported here on their own.
pa=$(grep -cE '\| (alloca|drop_keep) ' <<<"$ta")
pb=$(grep -cE '\| (alloca|drop_keep) ' <<<"$tb")
echo "wabt_pseudo_ops_per_iteration$sfx $(((pb - pa) / (nb - na)))"
# the workload's modules also report sizes (bench/core/floor.c's do not)
for export in task_header_bytes op_slot_bytes; do
    bytes=$(sed -n "s/^$export() => i32:\\([0-9]*\\)\$/\\1/p" <<<"$tb")
    [ -z "$bytes" ] || echo "${export}_wasm32$sfx $bytes"
done
