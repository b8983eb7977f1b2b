/*
 * wasm_workload.c - the benchmark workload as a freestanding wasm32 module for wasm-interp.
 *
 * wabt's wasm-interp runs no WASI, so this module imports nothing: it links wasi-libc only for
 * malloc/memcpy (which need no import) and brings its own minimal backend with a constant clock
 * (the workload uses no timers and no fds). It exports `run`, which runs WL_ITERATIONS iterations
 * and returns 1 when the result is right, `task_header_bytes` (sizeof(aw_task) on wasm32) and
 * `op_slot_bytes` (sizeof(aw_op)). Built with -DWL_IO_FUTURE, the workload's I/O is a pooled
 * future instead of a slot (the figure before slots existed, for comparison).
 * bench/core/count_wasm.sh builds it for two iteration counts and divides the difference of the
 * traced instruction counts by the difference of iterations.
 */
#include "../../src/aw/backend.h"
#include "workload.h"

uint64_t aw__backend_now(void)
{
    return 0;
}

void aw__backend_arm(uint64_t deadline)
{
    (void)deadline;
}

void aw__backend_log(const char *text, size_t len)
{
    (void)text;
    (void)len;
}

int aw__backend_wait(uint64_t deadline, aw__watch *watches, size_t n)
{
    (void)deadline;
    (void)watches;
    (void)n;
    return 0;
}

__attribute__((export_name("run"))) int run(void)
{
    long long n = WL_ITERATIONS;
    return wl_run(WL_ITERATIONS) == n * (2 * n + 1);
}

__attribute__((export_name("task_header_bytes"))) int task_header_bytes(void)
{
    return (int)sizeof(aw_task);
}

__attribute__((export_name("op_slot_bytes"))) int op_slot_bytes(void)
{
    return (int)sizeof(aw_op);
}
