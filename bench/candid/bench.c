/*
 * bench.c - Candid encode/decode throughput on a ~1 MB message: a vec of records
 *   record { id : nat; name : text; owner : principal; note : opt text; scores : vec nat32 }
 *
 * Native build: builds the message with the streaming encoder, times encoding (streaming writers)
 * and decoding (candid_decode into dynamic values at the expected type), prints MB/s, and writes
 * the message to the file named on the command line for the @dfinity/candid side
 * (bench/candid/bench.mjs) to decode the same bytes.
 *
 * With -DCANDID_BENCH_WASM it builds a freestanding wasm32 module exporting `encode_only` and
 * `encode_decode` (BENCH_WASM_RECORDS records) for `wasm-interp --trace`: the difference of
 * their traced instruction counts, divided by the message size, is instructions per byte.
 */
#include "asyncwasm/candid.h"

#include <stdlib.h>
#include <string.h>

#define TYPE_TEXT                                                                                  \
    "(vec record { id : nat; name : text; owner : principal; note : opt text; scores : vec "       \
    "nat32 })"

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static candid_env env;
static candid_tref *types;
static uint32_t ntypes;
static const candid_type *rec; /* the record node, fields in id order */
enum { F_ID, F_NAME, F_OWNER, F_NOTE, F_SCORES };
static int order[5]; /* field kinds in wire (id) order, known statically by generated code */

static int setup(void)
{
    static const char *const names[] = {"id", "name", "owner", "note", "scores"};
    rng = 88172645463325252ull;
    candid_env_init(&env);
    if (candid_parse_tuptype(&env, TYPE_TEXT, strlen(TYPE_TEXT), &types, &ntypes, NULL))
        return -1;
    rec = candid_env_node(&env, candid_env_node(&env, types[0])->u.inner);
    for (uint32_t f = 0; f < rec->u.rec.n; f++)
        for (int k = 0; k < 5; k++)
            if (!strcmp(rec->u.rec.fields[f].name, names[k]))
                order[f] = k;
    return 0;
}

/* Writes `n` pseudo-random records with the streaming encoder (fields in id order, as
 * generated code does). */
static int build(candid_buf *out, uint32_t n)
{
    static const char *const words[] = {"alpha",   "bravo", "charlie", "delta",  "echo",
                                        "foxtrot", "golf",  "hotel",   "índigo", "☃ snow"};
    candid_enc enc;
    candid_enc_init(&enc);
    candid_enc_arg_type(&enc, &env, types[0]);
    candid_enc_vec(&enc, n);
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t f = 0; f < 5; f++) {
            int field = order[f];
            if (field == F_ID) {
                candid_enc_nat(&enc, rnd() >> (rnd() % 60));
            } else if (field == F_NAME) {
                char buf[96];
                size_t len = 0;
                for (int w = 0; w < 3; w++) {
                    const char *s = words[rnd() % 10];
                    size_t l = strlen(s);
                    memcpy(buf + len, s, l);
                    len += l;
                    buf[len++] = ' ';
                }
                candid_enc_text(&enc, buf, len);
            } else if (field == F_OWNER) {
                uint8_t p[29];
                size_t len = 10 + rnd() % 20;
                for (size_t k = 0; k < len; k++)
                    p[k] = (uint8_t)rnd();
                candid_enc_principal(&enc, p, len);
            } else if (field == F_NOTE) {
                int present = rnd() % 2;
                candid_enc_opt(&enc, present);
                if (present)
                    candid_enc_text(&enc, "a note that is present", 22);
            } else {
                uint32_t k = (uint32_t)(rnd() % 9);
                candid_enc_vec(&enc, k);
                for (uint32_t j = 0; j < k; j++)
                    candid_enc_nat32(&enc, (uint32_t)rnd());
            }
        }
    }
    int rc = candid_enc_finish(&enc, out);
    candid_enc_free(&enc);
    return rc;
}

static int decode(const candid_buf *msg, uint32_t expect_records)
{
    candid_arena a;
    candid_arena_init(&a);
    candid_value *vals;
    uint32_t n;
    int rc = candid_decode(msg->data, msg->len, &env, types, ntypes, NULL, &a, &vals, &n, NULL);
    if (!rc && (n != 1 || vals[0].u.vec.n != expect_records))
        rc = -1;
    candid_arena_free(&a);
    return rc;
}

#ifdef CANDID_BENCH_WASM

#ifndef BENCH_WASM_RECORDS
#define BENCH_WASM_RECORDS 100
#endif

__attribute__((export_name("encode_only"))) int encode_only(void)
{
    candid_buf msg = {0};
    int rc = setup() || build(&msg, BENCH_WASM_RECORDS);
    rc = rc ? -1 : (int)msg.len;
    candid_buf_free(&msg);
    candid_env_free(&env);
    return rc;
}

__attribute__((export_name("encode_decode"))) int encode_decode(void)
{
    candid_buf msg = {0};
    int rc = setup() || build(&msg, BENCH_WASM_RECORDS) || decode(&msg, BENCH_WASM_RECORDS);
    rc = rc ? -1 : (int)msg.len;
    candid_buf_free(&msg);
    candid_env_free(&env);
    return rc;
}

#else

#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench MESSAGE_OUT_FILE\n");
        return 2;
    }
    if (setup())
        return 1;
    /* about 1 MB */
    uint32_t n = 1;
    candid_buf msg = {0};
    for (;;) {
        msg.len = 0;
        if (build(&msg, n))
            return 1;
        if (msg.len >= 1000000)
            break;
        n = (uint32_t)((double)n * 1000000.0 / (double)msg.len) + 1;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(msg.data, 1, msg.len, f) != msg.len || fclose(f)) {
        fprintf(stderr, "bench: cannot write %s\n", argv[1]);
        return 1;
    }
    const int reps = 20;
    double best_dec = 1e9, best_enc = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        if (decode(&msg, n)) {
            fprintf(stderr, "bench: decoding failed\n");
            return 1;
        }
        double t1 = now();
        candid_buf again = {0};
        rng = 88172645463325252ull;
        if (build(&again, n))
            return 1;
        double t2 = now();
        candid_buf_free(&again);
        if (t1 - t0 < best_dec)
            best_dec = t1 - t0;
        if (t2 - t1 < best_enc)
            best_enc = t2 - t1;
    }
    double mb = (double)msg.len / 1e6;
    printf("message: %zu bytes, %u records\n", msg.len, n);
    printf("C decode (candid_decode, dynamic values): %8.1f MB/s  (%.2f ms)\n", mb / best_dec,
           best_dec * 1e3);
    printf("C encode (streaming writers):             %8.1f MB/s  (%.2f ms)\n", mb / best_enc,
           best_enc * 1e3);
    printf("C_DECODE_MBS=%.3f\nC_ENCODE_MBS=%.3f\n", mb / best_dec, mb / best_enc);
    candid_buf_free(&msg);
    candid_env_free(&env);
    return 0;
}

#endif
