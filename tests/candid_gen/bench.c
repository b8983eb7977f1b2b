/*
 * bench.c - `make bench-candid-gen`: throughput of the generated encoder and decoder on a 1 MB
 * message (tests/candid_gen/bench.did), side by side with the Candid library's dynamic path on
 * the same bytes (candid_encode from a value tree, candid_decode to a value tree). The generated
 * decoder is the library's decoder plus a copy into the C structs, so the difference of the two
 * decode rows is the cost of that copy. Figures, not tests: best of several runs.
 */
#include "bench_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROWS 20000
#define RUNS 15

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void report(const char *what, double secs, size_t bytes)
{
    printf("| %-44s | %8.1f | %8.2f |\n", what, (double)bytes / secs / 1e6, secs * 1e3);
}

int main(void)
{
    static bench_gen_row rows[ROWS];
    static uint32_t scores[ROWS][4];
    static char names[ROWS][24];
    for (int i = 0; i < ROWS; i++) {
        bench_gen_row *r = &rows[i];
        r->id = (uint64_t)i * 1000003u;
        int n = snprintf(names[i], sizeof names[i], "user-%d-name", i);
        r->name = (candid_gen_text){names[i], (size_t)n};
        r->owner.len = 10;
        for (int k = 0; k < 10; k++)
            r->owner.bytes[k] = (uint8_t)(i + k);
        r->note.has = i % 3 == 0;
        r->note.value = (candid_gen_text){"a note", 6};
        for (int k = 0; k < 4; k++)
            scores[i][k] = (uint32_t)(i * 7 + k);
        r->scores = (bench_gen_vec_nat32){scores[i], 4};
    }
    bench_gen_load_in in = {.arg0 = {rows, ROWS}};
    candid_buf msg = {0};
    double best = 1e9;
    for (int run = 0; run < RUNS; run++) {
        candid_buf b = {0};
        double t0 = now();
        if (bench_gen_load_in_encode(&in, &b, NULL))
            return 1;
        double t = now() - t0;
        best = t < best ? t : best;
        if (run == RUNS - 1)
            msg = b;
        else
            candid_buf_free(&b);
    }
    printf("message: %zu bytes, %d rows\n\n", msg.len, ROWS);
    printf("| %-44s | %8s | %8s |\n|---|---|---|\n", "native, clang -O2", "MB/s", "ms");
    report("generated encoder (C structs -> bytes)", best, msg.len);

    /* the two decoders alternate, so that both see the same allocator state */
    const candid_env *env = bench_gen_env();
    const candid_type *svc = candid_env_node(env, env->actor);
    const candid_type *fn = candid_env_node(env, svc->u.svc.methods[0].type);
    candid_value *vals = NULL;
    double best_dyn = 1e9;
    candid_arena keep;
    candid_arena_init(&keep);
    best = 1e9;
    for (int run = 0; run < RUNS; run++) {
        candid_arena a;
        candid_arena_init(&a);
        bench_gen_load_in out;
        double t0 = now();
        if (bench_gen_load_in_decode(msg.data, msg.len, &a, &out, NULL))
            return 1;
        double t = now() - t0;
        best = t < best ? t : best;
        candid_arena_free(&a);

        candid_arena_init(&a);
        uint32_t nv;
        t0 = now();
        if (candid_decode(msg.data, msg.len, env, fn->u.func.args, 1, NULL, &a, &vals, &nv, NULL))
            return 1;
        t = now() - t0;
        best_dyn = t < best_dyn ? t : best_dyn;
        if (run == RUNS - 1)
            keep = a;
        else
            candid_arena_free(&a);
    }
    report("generated decoder (bytes -> C structs)", best, msg.len);
    best = best_dyn;
    report("library candid_decode (bytes -> value tree)", best, msg.len);

    best = 1e9;
    for (int run = 0; run < RUNS; run++) {
        candid_buf b = {0};
        double t0 = now();
        if (candid_encode(env, fn->u.func.args, vals, 1, &b, NULL))
            return 1;
        double t = now() - t0;
        best = t < best ? t : best;
        if (b.len != msg.len || memcmp(b.data, msg.data, b.len)) {
            printf("the dynamic encoder's bytes differ\n");
            return 1;
        }
        candid_buf_free(&b);
    }
    report("library candid_encode (value tree -> bytes)", best, msg.len);
    candid_arena_free(&keep);
    candid_buf_free(&msg);
    return 0;
}
