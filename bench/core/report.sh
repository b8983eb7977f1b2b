#!/usr/bin/env bash
# report.sh - print issue 2's benchmark table from the figures of count_wasm.sh and bench_core.
# Usage: report.sh FIGURES-FILE   (lines `name value`)
set -euo pipefail
declare -A v
while read -r name value; do v[$name]=$value; done <"$1"
row() { printf '| %-44s | %12s | %-26s | %-14s |\n' "$1" "$2" "$3" "$4"; }
echo "asyncwasm core benchmark (issue 2 workload; reference points measured for the issue)"
row "measure" "asyncwasm" "reference" "target"
row "--------------------------------------------" "------------" "--------------------------" "--------------"
row "wasm instructions per iteration (wasm32)" "${v[wasm_instructions_per_iteration]}" \
    "plain 63, Asyncify 514, C++20 375" "<= 250"
row "  of which wabt pseudo-ops (alloca, drop_keep)" "${v[wabt_pseudo_ops_per_iteration]}" "" ""
row "  same workload, I/O as pooled futures" "${v[wasm_instructions_per_iteration_futures]}" "" ""
row "  floor: bare stackless, direct resumption" "${v[wasm_instructions_per_iteration_floor_direct]}" \
    "bench/core/floor.c" ""
row "  floor: bare stackless, polled from the root" "${v[wasm_instructions_per_iteration_floor_poll]}" \
    "bench/core/floor.c" ""
row "  floor: bare direct + failures propagated" "${v[wasm_instructions_per_iteration_floor_directerr]}" \
    "bench/core/floor.c" ""
row "  floor: bare polled + failures propagated" "${v[wasm_instructions_per_iteration_floor_pollerr]}" \
    "bench/core/floor.c" ""
row "  floor: same + re-entrancy guard" "${v[wasm_instructions_per_iteration_floor_pollguard]}" \
    "bench/core/floor.c" ""
row "  C++20 coroutines, counted the same way" "${v[wasm_instructions_per_iteration_cxx20]}" "C++20 375" ""
row "  plain C calls, counted the same way" "${v[wasm_instructions_per_iteration_floor_plain]}" "plain 63" ""
row "await of an already finished child (ns)" "${v[await_finished_child_ns]}" "Nim 98-159" "<= 9.8"
row "  same, already completed future (ns)" "${v[await_finished_future_ns]}" "Nim 98-159" "<= 9.8"
row "sleep(0) + await (ns)" "${v[sleep0_await_ns]}" "Nim 345" "<= 34.5"
row "  same, aw_sleep_op(0) + AW_AWAIT_OP (ns)" "${v[sleep0_op_await_ns]}" "Nim 345" "<= 34.5"
row "call_soon + drain, one drain each (ns)" "${v[call_soon_drain_ns]}" "Nim 32" "<= 3.2"
row "  call_soon, one drain per 1000 (ns)" "${v[call_soon_batch_ns]}" "Nim 32" "<= 3.2"
row "add a waiter with 30,000 waiting (ns)" "${v[add_waiter_30k_ns]}" "Nim 27000" "<= 2700, O(1)"
row "workload iteration, native (ns)" "${v[workload_iteration_ns]}" "" ""
row "runtime bytes per suspended task, wasm32" "${v[task_header_bytes_wasm32]}" "" "<= 32"
row "  plus an operation slot in the frame, wasm32" "${v[op_slot_bytes_wasm32]}" "" ""
row "runtime bytes per suspended task, x86-64" "${v[task_header_bytes_native]}" "" "<= 32"
row "  runtime allocations per suspension" "${v[extra_runtime_allocations_per_suspended_task]}" "" "0"
row "mallocs per await, steady state" "${v[mallocs_per_await]}" "" "0"
