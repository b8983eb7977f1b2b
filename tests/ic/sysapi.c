/*
 * sysapi.c - a test canister for the synchronous canister API and the WASI polyfill: inspect
 * message, heartbeat, a synchronous composite query, principals in text, cycles, controllers,
 * C library calls that reach WASI (clock_gettime, getentropy, getenv, stdio, exit), and a timer
 * set again in post_upgrade.
 * tests/ic/sysapi.test.mjs drives it in icsim.
 */
#define _DEFAULT_SOURCE /* clock_gettime, getentropy */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asyncwasm/ic_async.h"

static ic_types t_text = IC_TYPES("(text)");
static ic_types t_principal = IC_TYPES("(principal)");
static ic_types t_opt_principal = IC_TYPES("(opt principal)");
static ic_types t_nat64_bool = IC_TYPES("(nat64, bool)");

static uint64_t beats;

/* Ingress to `forbidden` is refused; everything else is accepted. */
IC_INSPECT_MESSAGE()
{
    char name[32];
    ic_method_name(name, sizeof name);
    if (strcmp(name, "forbidden") != 0)
        ic_accept_message();
}

IC_UPDATE(forbidden)
{
    ic_reply_empty();
}

IC_HEARTBEAT()
{
    beats++;
}

/* beats : () -> (nat64) composite_query (a synchronous composite query) */
IC_COMPOSITE_QUERY(beats)
{
    ic_reply_nat64(beats);
}

static int read_principal(ic_reader *r, void *out)
{
    return ic_read_principal(r, out);
}

/* to_text : (principal) -> (text) */
IC_QUERY(to_text)
{
    ic_principal p;
    char buf[64];
    if (ic_args(&t_principal, read_principal, &p, "to_text")) {
        ic_principal_to_text(&p, buf, sizeof buf);
        ic_reply_text(buf);
    }
}

static int read_text_z(ic_reader *r, void *out)
{
    const char *s;
    size_t n;
    int rc = ic_read_text(r, &s, &n);
    if (rc == 0)
        snprintf(out, 80, "%.*s", (int)n, s);
    return rc;
}

/* from_text : (text) -> (opt principal): null when the text is not a principal */
IC_QUERY(from_text)
{
    char text[80];
    ic_principal p;
    if (!ic_args(&t_text, read_text_z, text, "from_text"))
        return;
    ic_writer w;
    ic_writer_begin(&w, &t_opt_principal);
    bool ok = ic_principal_from_text(&p, text);
    ic_write_opt(&w, ok);
    if (ok)
        ic_write_principal(&w, &p);
    ic_reply_writer(&w);
}

/* me : () -> (nat64 balance, bool caller_is_controller) */
IC_UPDATE(me)
{
    ic_principal caller = ic_caller();
    ic_cycles balance = ic_cycle_balance();
    ic_writer w;
    ic_writer_begin(&w, &t_nat64_bool);
    ic_write_nat64(&w, balance.high ? UINT64_MAX : balance.low);
    ic_write_bool(&w, ic_is_controller(&caller));
    ic_reply_writer(&w);
}

/* wasi : () -> (text): what the C library sees through the WASI polyfill. */
IC_UPDATE(wasi)
{
    struct timespec ts;
    unsigned char rnd[8];
    char out[200];
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    int entropy = getentropy(rnd, sizeof rnd);
    const char *greeting = getenv("GREETING");
    fprintf(stderr, "stderr line\n");
    printf("stdout line without newline");
    fflush(stdout);
    snprintf(out, sizeof out, "clock=%s entropy=%d env=%s missing=%s",
             ns == ic_time() ? "ic0.time" : "other", entropy, greeting ? greeting : "(none)",
             getenv("NOPE") ? "set" : "(none)");
    ic_reply_text(out);
}

/* libc : () -> (text): the canister's own allocator (src/ic/alloc.c) and formatter
 * (src/ic/format.c), which replace wasi-libc's: each check that fails is named in the reply. */
static void check(char *out, size_t cap, bool ok, const char *what)
{
    if (!ok)
        snprintf(out + strlen(out), cap - strlen(out), " FAILED:%s", what);
}

/* The pointer as the compiler cannot know it: keeps it from folding allocation checks away. */
static void *opaque(void *p)
{
    void *volatile v = p;
    return v;
}

IC_UPDATE(libc)
{
    char out[600], small[4];
    int n = snprintf(
        out, sizeof out,
        "%d|%5u|%-4s|%03x|%#X|%.2f|%g|%e|%zu|%lld|%c|%.3s|%*d|%+d|%.0f|%.0f|%.17g|%g|%g|%%", -42,
        7u, "ab", 255u, 0xabu, 3.14159, 0.0001, 12345.678, (size_t)9, -5LL, 'Z', "abcdef", 4, 1, 3,
        2.5, 3.5, 0.1, 1e20, 100.0);
    const char *hello = "hello"; /* not a literal: no truncation warning */
    int cut = snprintf(small, sizeof small, "%s", hello);
    snprintf(out + n, sizeof out - (size_t)n, " n=%d cut=%d:%s", n, cut, small);

    /* size classes: 16-byte alignment, reuse of a freed block of the same class */
    char *a = opaque(malloc(24)), *b = opaque(malloc(100));
    check(out, sizeof out, a && b && ((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0, "align");
    memset(a, 0xAA, 24);
    free(a);
    char *c = opaque(malloc(20));
    check(out, sizeof out, c == a, "reuse");
    /* calloc zeroes a recycled (dirty) block */
    free(c);
    unsigned char *z = calloc(4, 5);
    check(out, sizeof out, z && z[0] == 0 && z[19] == 0, "calloc");
    /* realloc keeps the contents, in place while the class has room */
    memcpy(b, "0123456789", 10);
    char *b2 = opaque(realloc(b, 110));
    check(out, sizeof out, b2 == b, "realloc-in-place");
    char *b3 = realloc(b2, 5000);
    check(out, sizeof out, b3 && memcmp(b3, "0123456789", 10) == 0, "realloc-move");
    /* over-aligned blocks, and their free */
    void *al = aligned_alloc(256, 40), *pm = NULL;
    check(out, sizeof out, al && ((uintptr_t)al & 255) == 0, "aligned_alloc");
    free(al);
    check(out, sizeof out, posix_memalign(&pm, 3, 8) == EINVAL && !pm, "posix_memalign-einval");
    check(out, sizeof out, posix_memalign(&pm, 64, 8) == 0 && ((uintptr_t)pm & 63) == 0,
          "posix_memalign");
    free(pm);
    /* failures: too large for any class, calloc overflow (NULL, no trap) */
    check(out, sizeof out, opaque(malloc((size_t)3 << 30)) == NULL, "malloc-huge");
    check(out, sizeof out, opaque(calloc(SIZE_MAX / 2, 4)) == NULL, "calloc-overflow");
    free(z);
    free(b3);
    ic_reply_text(out);
}

/* Timers are lost on upgrade; post_upgrade sets one again and the runtime arms the global timer
 * when post_upgrade returns. */
static uint64_t after_upgrade;

static void upgraded_job(void *arg)
{
    (void)arg;
    after_upgrade++;
}

IC_POST_UPGRADE()
{
    if (!ic_timer_after(1000000000u, upgraded_job, NULL))
        ic_trap("post_upgrade: out of memory");
}

/* upgraded : () -> (nat64) query: runs of the timer set in post_upgrade */
IC_QUERY(upgraded)
{
    ic_reply_nat64(after_upgrade);
}

/* shapes : (vec text, opt nat64, variant { none; some : text }, record { a : nat; b : vec bool })
 *          -> (text): every container reader, described as text. */
static ic_types t_shapes = IC_TYPES("(vec text, opt nat64, variant { none; some : text }, "
                                    "record { a : nat; b : vec bool })");

static int read_shapes(ic_reader *r, void *out)
{
    char *o = out; /* 256 bytes */
    size_t n, len, m;
    const char *s;
    bool present, flag;
    uint64_t u;
    uint32_t tag;
    int rc = ic_read_vec(r, &n);
    int k = snprintf(o, 256, "vec[%u]:", (unsigned)n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = ic_read_text(r, &s, &len)) == 0)
            k += snprintf(o + k, 256 - (size_t)k, " %.*s", (int)len, s);
    if (rc == 0 && (rc = ic_read_opt(r, &present)) == 0) {
        u = 0;
        if (present)
            rc = ic_read_nat64(r, &u);
        k += snprintf(o + k, 256 - (size_t)k, present ? "; opt %llu" : "; null",
                      (unsigned long long)u);
    }
    if (rc == 0 && (rc = ic_read_variant(r, &tag)) == 0) {
        /* tags in field-id order: none (0), some (1) */
        if (tag == 1 && (rc = ic_read_text(r, &s, &len)) == 0)
            k += snprintf(o + k, 256 - (size_t)k, "; some %.*s", (int)len, s);
        else if (tag == 0)
            k += snprintf(o + k, 256 - (size_t)k, "; none");
    }
    if (rc == 0 && (rc = ic_read_record(r)) == 0 && (rc = ic_read_nat(r, &u)) == 0 &&
        (rc = ic_read_vec(r, &m)) == 0) {
        k += snprintf(o + k, 256 - (size_t)k, "; a=%llu b=", (unsigned long long)u);
        for (size_t i = 0; rc == 0 && i < m; i++)
            if ((rc = ic_read_bool(r, &flag)) == 0)
                k += snprintf(o + k, 256 - (size_t)k, "%c", flag ? 'T' : 'F');
    }
    return rc;
}

IC_QUERY(shapes)
{
    char out[256];
    if (ic_args(&t_shapes, read_shapes, out, "shapes"))
        ic_reply_text(out);
}

/* facts : () -> (nat64 status, nat64 version, bool replicated, bool counted, bool replied_before);
 * logs ic_replied() after the reply. */
static ic_types t_facts = IC_TYPES("(nat64, nat64, bool, bool, bool)");

IC_UPDATE(facts)
{
    ic_writer w;
    bool before = ic_replied();
    ic_writer_begin(&w, &t_facts);
    ic_write_nat64(&w, (uint64_t)ic_status());
    ic_write_nat64(&w, ic_canister_version());
    ic_write_bool(&w, ic_in_replicated_execution());
    ic_write_bool(&w, ic_instructions(IC_COUNTER_MESSAGE) > 0);
    ic_write_bool(&w, before);
    ic_reply_writer(&w);
    ic_printf("replied after: %d", ic_replied());
}

/* quit : () -> (): exit(3) traps with "exit(3)". */
IC_UPDATE(quit)
{
    exit(3);
}
