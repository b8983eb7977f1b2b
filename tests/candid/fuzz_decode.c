/*
 * fuzz_decode.c - libFuzzer target for the Candid decoder.
 *
 * Every input is decoded twice: at its own wire types, and at one of a few fixed expected type
 * tuples (chosen by the input's length) that exercise coercion: opt fallbacks, record field
 * matching, variants, references, recursion. Any input must be either accepted or rejected with
 * an error code and a message, never crash, leak or trip a sanitizer. When decoding at the wire
 * types succeeds, the values are re-encoded at those types and decoded again; the result must be
 * equal (the codec round-trips whatever it accepts). The same bytes are also fed, as text, to
 * the value parser (at an expected type) and to the .did parser: errors are fine, crashes not.
 */
#include "asyncwasm/candid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const expected[] = {
    "(nat, int, text, opt bool)",
    "(opt record { a : nat; b : opt text; c : vec int8 })",
    "(variant { ok : vec nat8; err : record { code : nat32; msg : text } })",
    "(List)",
    "(opt opt opt nat, reserved, null)",
    "(principal, service { m : (nat) -> (opt nat) query }, func (text) -> ())",
    "(vec opt record {})",
    "(Tree, float64, float32, int64, nat16)",
};

#define DEFS                                                                                       \
    "type List = opt record { head : int; tail : List };"                                          \
    "type Tree = variant { leaf : nat; node : record { Tree; Tree } };"

static candid_env env;
static candid_tref *types[sizeof expected / sizeof expected[0]];
static uint32_t ntypes[sizeof expected / sizeof expected[0]];

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    candid_env_init(&env);
    candid_error err;
    if (candid_parse_did(&env, DEFS, strlen(DEFS), "fuzz", NULL, NULL, &err))
        abort();
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (candid_parse_tuptype(&env, expected[i], strlen(expected[i]), &types[i], &ntypes[i],
                                 &err))
            abort();
}

static void check(int ok)
{
    if (!ok) {
        fprintf(stderr, "fuzz_decode: property violated\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    candid_arena a;
    candid_arena_init(&a);
    candid_error err;
    candid_dec_config cfg = {200000, 0, 64};

    /* at an expected type */
    size_t k = size % (sizeof expected / sizeof expected[0]);
    candid_value *vals;
    uint32_t n;
    int rc = candid_decode(data, size, &env, types[k], ntypes[k], &cfg, &a, &vals, &n, &err);
    check(rc <= 0 && (rc == 0 || err.message[0]));
    if (rc == 0) {
        candid_buf text = {0};
        check(candid_print_args(&text, vals, n) == 0);
        candid_buf_free(&text);
    }

    /* at the wire types, then round-trip */
    candid_dec d;
    rc = candid_dec_begin(&d, data, size, &cfg, &a, &err);
    uint32_t nargs = rc ? 0 : d.nwire_args;
    candid_value *wv = nargs ? candid_arena_alloc(&a, nargs * sizeof *wv) : NULL;
    for (uint32_t i = 0; !rc && i < nargs; i++)
        rc = candid_dec_arg_wire(&d, &wv[i]);
    if (!rc)
        rc = candid_dec_end(&d);
    check(rc <= 0 && (rc == 0 || err.message[0]));
    if (rc == 0) {
        candid_buf msg = {0};
        rc = candid_encode(&d.wire, d.wire_args, wv, nargs, &msg, &err);
        /* only future types have no encoding */
        check(rc == 0 || rc == CANDID_E_TYPE);
        if (rc == 0) {
            candid_value *back;
            uint32_t nb;
            candid_dec_config big = {0, 0, 1000};
            rc = candid_decode(msg.data, msg.len, &d.wire, d.wire_args, nargs, &big, &a, &back, &nb,
                               &err);
            check(rc == 0 && nb == nargs);
            for (uint32_t i = 0; i < nargs; i++)
                check(candid_value_equal(&wv[i], &back[i]));
        }
        candid_buf_free(&msg);
    }
    candid_dec_free(&d);

    /* the same bytes as Candid text: textual arguments (in a fresh env, since annotations add
     * types to it), then a .did file */
    candid_env te;
    candid_env_init(&te);
    candid_tref *tt;
    uint32_t nt;
    if (candid_parse_did(&te, DEFS, strlen(DEFS), "fuzz", NULL, NULL, &err) ||
        candid_parse_tuptype(&te, expected[k], strlen(expected[k]), &tt, &nt, &err))
        abort();
    rc = candid_parse_args(&te, &a, (const char *)data, size, tt, nt, &vals, &n, NULL, &err);
    check(rc <= 0 && (rc == 0 || err.message[0]));
    candid_env_free(&te);
    candid_env did;
    candid_env_init(&did);
    rc = candid_parse_did(&did, (const char *)data, size, "fuzz.did", NULL, NULL, &err);
    check(rc <= 0 && (rc == 0 || err.message[0]));
    candid_env_free(&did);
    candid_arena_free(&a);
    return 0;
}
