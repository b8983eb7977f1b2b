/*
 * api.c - the synchronous canister API of <asyncwasm/ic.h>: entering and leaving entry points,
 * the message (arguments, caller), replies and rejects, the canister's own facts, and the log.
 *
 * Everything here is a thin typed layer over ic0 imports; it allocates only in ic_arg_bytes and
 * in the formatted variants, which fall back to a fixed message on allocation failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/candid.h"
#include "internal.h"

ic__runtime ic__rt;
static ic__cc ic__sync_cc; /* the call context of a synchronous entry point */

extern void __wasm_call_ctors(void);

/* The IC backend (src/backend/ic.c) defines ic__drain. It is linked whenever the async core is,
 * because the core calls the backend; a purely synchronous canister links neither, and this weak
 * reference then stays null. */
extern void ic__drain(void) __attribute__((weak));
/* Likewise handler.c's ic__handler_block_free: only async handlers make records in blocks. */
extern void ic__handler_block_free(ic__cc *cc) __attribute__((weak));

/* ---- short copies and comparisons (internal.h) ------------------------------------------ */

void ic__copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    uint64_t a, b, c, e;
    uint32_t h, k;
    if (n >= 8) {
        if (n > 32) {
            __builtin_memcpy(d, s, n);
            return;
        }
        if (n > 16) { /* the first and the last 16 bytes */
            __builtin_memcpy(&c, s + 8, 8);
            __builtin_memcpy(&e, s + n - 16, 8);
            __builtin_memcpy(d + 8, &c, 8);
            __builtin_memcpy(d + n - 16, &e, 8);
        }
        __builtin_memcpy(&a, s, 8); /* the first and the last 8 */
        __builtin_memcpy(&b, s + n - 8, 8);
        __builtin_memcpy(d, &a, 8);
        __builtin_memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        __builtin_memcpy(&h, s, 4);
        __builtin_memcpy(&k, s + n - 4, 4);
        __builtin_memcpy(d, &h, 4);
        __builtin_memcpy(d + n - 4, &k, 4);
    } else {
        for (; n; n--)
            *d++ = *s++;
    }
}

bool ic__same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t x, y;
    uint32_t h, k;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            __builtin_memcpy(&x, a + i, 8);
            __builtin_memcpy(&y, b + i, 8);
            if (x != y)
                return false;
        }
        __builtin_memcpy(&x, a + n - 8, 8);
        __builtin_memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        __builtin_memcpy(&h, a, 4);
        __builtin_memcpy(&k, b, 4);
        if (h != k)
            return false;
        __builtin_memcpy(&h, a + n - 4, 4);
        __builtin_memcpy(&k, b + n - 4, 4);
        return h == k;
    }
    for (; n; n--)
        if (*a++ != *b++)
            return false;
    return true;
}

/* ---- entering and leaving ---------------------------------------------------------------- */

/* Constructors run once per module instance: the IC never calls `_initialize`, and wasm memory
 * (with this flag) is fresh after install and after upgrade. */
void ic__run_ctors(void)
{
    ic__rt.ctors_done = true;
    __wasm_call_ctors();
}

/* Every export starts here (or at ic__enter_as). */
void ic__enter(ic_context ctx)
{
    uint32_t bit = 1u << ctx;
    ic__enter_as(ctx, NULL,
                 bit & ((1u << IC_CTX_QUERY) | (1u << IC_CTX_COMPOSITE) | (1u << IC_CTX_INSPECT)));
    if (bit & ((1u << IC_CTX_UPDATE) | (1u << IC_CTX_QUERY) | (1u << IC_CTX_COMPOSITE))) {
        ic__sync_cc.replied = ic__sync_cc.ended = ic__sync_cc.handler_pending = false;
        ic__sync_cc.refs = 0;
        ic__sync_cc.method = "";
        ic__rt.cc = &ic__sync_cc;
    }
}

/* ic__leave's rare case, out of line (the formatting needs a stack frame). */
__attribute__((noinline)) static void ic__leave_stranded(ic__cc *cc)
{
    ic_rejectf("%s: the async handler is suspended on something other than an inter-canister "
               "call (aw_sleep, a channel, another call context's future) and has no call "
               "outstanding, so the IC would end this call without a reply; use ic_sleep() "
               "in handlers",
               cc->method);
    cc->ended = true;
}

/* Every export ends here: run the ready queue, then make sure a call context that the IC would
 * end for want of anything outstanding is rejected with a message naming the cause (the IC's
 * own "did not reply" names none). */
void ic__leave(void)
{
    if (ic__drain)
        ic__drain();
    ic__cc *cc = ic__rt.cc;
    if (cc && cc->refs == 1 && cc->handler_pending && !cc->replied && ic__rt.ctx != IC_CTX_CLEANUP)
        ic__leave_stranded(cc);
    /* ic__rt keeps this execution's context: nothing runs until the next export enters anew */
}

/* Freed call context records, reused: no malloc per call in steady state. */
static ic__cc *ic__cc_free_list;

/* A heap record from the free list (or malloc), answering nothing yet; NULL when memory runs
 * out. */
static ic__cc *ic__cc_alloc(void)
{
    ic__cc *cc = ic__cc_free_list;
    if (cc)
        ic__cc_free_list = cc->next;
    else if (!(cc = malloc(sizeof *cc)))
        return NULL;
    cc->next = NULL;
    cc->arg = NULL;
    cc->arg_len = 0;
    cc->refs = 1;
    cc->heap = true;
    cc->in_block = false;
    cc->handler_pending = false;
    return cc;
}

ic__cc *ic__cc_hold(void)
{
    ic__cc *cc = ic__rt.cc;
    if (!cc)
        return NULL;
    if (cc->heap) {
        cc->refs++;
        return cc;
    }
    ic__cc *copy = ic__cc_alloc();
    if (!copy)
        return NULL;
    copy->method = cc->method;
    copy->replied = cc->replied;
    copy->ended = cc->ended;
    ic__rt.cc = copy;
    return copy;
}

void ic__cc_free(ic__cc *cc)
{
    if (cc->in_block) {
        ic__handler_block_free(cc);
        return;
    }
    if (ic__rt.cc == cc)
        ic__rt.cc = NULL;
    if (cc->arg != cc->small_arg)
        free(cc->arg);
    cc->arg = NULL;
    cc->next = ic__cc_free_list;
    ic__cc_free_list = cc;
}

ic_context ic_current_context(void)
{
    return ic__rt.ctx;
}

/* ---- principals -------------------------------------------------------------------------- */

const ic_principal IC_MANAGEMENT_CANISTER = {0, {0}};

const char *ic__principal_text(const ic_principal *p, char buf[64])
{
    if (candid_principal_to_text(p->bytes, p->len, buf) < 0)
        strcpy(buf, "(invalid principal)");
    return buf;
}

size_t ic_principal_to_text(const ic_principal *p, char *buf, size_t cap)
{
    char text[CANDID_PRINCIPAL_TEXT_MAX];
    ic__principal_text(p, text);
    size_t n = strlen(text);
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, text, k);
        buf[k] = 0;
    }
    return n;
}

bool ic_principal_from_text(ic_principal *out, const char *text)
{
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (candid_principal_from_text(text, strlen(text), out->bytes, &n, NULL) != 0) {
        memset(out, 0, sizeof *out);
        return false;
    }
    out->len = (uint8_t)n;
    return true;
}

bool ic_principal_from_bytes(ic_principal *out, const void *bytes, size_t len)
{
    out->len = 0;
    if (len > IC_PRINCIPAL_MAX)
        return false;
    out->len = (uint8_t)len;
    ic__copy(out->bytes, bytes, len);
    return true;
}

bool ic_principal_eq(const ic_principal *a, const ic_principal *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

ic_principal ic_caller(void)
{
    ic_principal p;
    memset(&p, 0, sizeof p);
    uint32_t n = ic0_msg_caller_size();
    p.len = (uint8_t)(n > IC_PRINCIPAL_MAX ? IC_PRINCIPAL_MAX : n);
    ic0_msg_caller_copy(IC__ADDR(p.bytes), 0, p.len);
    return p;
}

ic_principal ic_self(void)
{
    ic_principal p;
    memset(&p, 0, sizeof p);
    uint32_t n = ic0_canister_self_size();
    p.len = (uint8_t)(n > IC_PRINCIPAL_MAX ? IC_PRINCIPAL_MAX : n);
    ic0_canister_self_copy(IC__ADDR(p.bytes), 0, p.len);
    return p;
}

bool ic_is_controller(const ic_principal *p)
{
    return ic0_is_controller(IC__ADDR(p->bytes), p->len) == 1;
}

/* ---- time, status, cycles ---------------------------------------------------------------- */

uint64_t ic_time(void)
{
    return ic0_time();
}

ic_canister_status ic_status(void)
{
    return (ic_canister_status)ic0_canister_status();
}

uint64_t ic_canister_version(void)
{
    return ic0_canister_version();
}

uint64_t ic_instructions(uint32_t counter)
{
    return ic0_performance_counter(counter);
}

bool ic_in_replicated_execution(void)
{
    return ic0_in_replicated_execution() == 1;
}

/* 128-bit amounts come back as 16 little-endian bytes. */
static ic_cycles ic__cycles_le(const uint8_t b[16])
{
    ic_cycles c;
    memcpy(&c.low, b, 8);
    memcpy(&c.high, b + 8, 8);
    return c;
}

ic_cycles ic_cycle_balance(void)
{
    uint8_t b[16];
    ic0_canister_cycle_balance128(IC__ADDR(b));
    return ic__cycles_le(b);
}

ic_cycles ic_msg_cycles_available(void)
{
    uint8_t b[16];
    ic0_msg_cycles_available128(IC__ADDR(b));
    return ic__cycles_le(b);
}

ic_cycles ic_msg_cycles_refunded(void)
{
    uint8_t b[16];
    ic0_msg_cycles_refunded128(IC__ADDR(b));
    return ic__cycles_le(b);
}

ic_cycles ic_msg_cycles_accept(ic_cycles max)
{
    uint8_t b[16];
    ic0_msg_cycles_accept128(max.high, max.low, IC__ADDR(b));
    return ic__cycles_le(b);
}

/* ---- the incoming message ---------------------------------------------------------------- */

size_t ic_arg_size(void)
{
    return ic0_msg_arg_data_size();
}

void ic_arg_copy(void *dst, size_t offset, size_t size)
{
    ic0_msg_arg_data_copy(IC__ADDR(dst), (uint32_t)offset, (uint32_t)size);
}

uint8_t *ic_arg_bytes(size_t *len)
{
    size_t n = ic0_msg_arg_data_size();
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    ic0_msg_arg_data_copy(IC__ADDR(buf), 0, (uint32_t)n);
    *len = n;
    return buf;
}

size_t ic_method_name(char *buf, size_t cap)
{
    size_t n = ic0_msg_method_name_size();
    if (cap == 0)
        return n;
    size_t k = n < cap - 1 ? n : cap - 1;
    ic0_msg_method_name_copy(IC__ADDR(buf), 0, (uint32_t)k);
    buf[k] = 0;
    return n;
}

void ic_accept_message(void)
{
    ic0_accept_message();
}

/* ---- replying ---------------------------------------------------------------------------- */

/* ic__reply_ok's refusals, out of line (the formatting needs a stack frame): NULL when there is
 * no call context to answer here, else the context the runtime already ended. */
__attribute__((noinline)) static bool ic__reply_refused(const ic__cc *cc)
{
    if (!cc) {
        static const char msg[] = "asyncwasm: reply or reject dropped: this message execution "
                                  "(cleanup, timer, init ...) has no call to answer";
        ic0_debug_print(IC__ADDR(msg), sizeof msg - 1);
    } else {
        ic_printf("asyncwasm: %s: reply or reject dropped: the call was already ended", cc->method);
    }
    return false;
}

/* The kinds of message execution that may answer a call (spec CI "Overview of imports":
 * msg_reply and msg_reject in U Q CQ Ry Rt CRy CRt). */
#define IC__MAY_REPLY                                                                              \
    ((1u << IC_CTX_UPDATE) | (1u << IC_CTX_QUERY) | (1u << IC_CTX_COMPOSITE) |                     \
     (1u << IC_CTX_CALLBACK))

/* Whether the current message may answer its call context; logs why not. */
static bool ic__reply_ok(void)
{
    ic__cc *cc = ic__rt.cc;
    if (!cc || !((1u << ic__rt.ctx) & IC__MAY_REPLY))
        return ic__reply_refused(NULL);
    if (cc->ended)
        return ic__reply_refused(cc);
    return true;
}

/* ic__claim_reply's other cases, out of line: log a refusal, or trap on a second answer. */
__attribute__((noinline)) static bool ic__claim_reply_slow(void)
{
    if (!ic__reply_ok())
        return false;
    ic_trap("asyncwasm: this call was already replied to or rejected");
    return false;
}

/* Decide whether the current message may answer its call context now, and mark it answered.
 * Returns true when the reply or reject must be sent; false (after logging why) when there is no
 * call context to answer here (cleanup, timer) or the runtime already ended it. Traps, as the IC
 * would, when the context was already answered. Inline: every reply goes through it. */
static inline __attribute__((always_inline)) bool ic__claim_reply(void)
{
    ic__cc *cc = ic__rt.cc;
    if (!cc || !((1u << ic__rt.ctx) & IC__MAY_REPLY) || cc->ended || cc->replied)
        return ic__claim_reply_slow();
    cc->replied = true;
    return true;
}

bool ic_replied(void)
{
    return ic__rt.cc && ic__rt.cc->replied;
}

void ic_reply_append(const void *data, size_t len)
{
    if (ic__reply_ok())
        ic0_msg_reply_data_append(IC__ADDR(data), (uint32_t)len);
}

void ic_reply_send(void)
{
    if (ic__claim_reply())
        ic0_msg_reply();
}

/* Reply with head + body (either may be empty) after one check. */
static void ic__reply2(const void *head, size_t hlen, const void *body, size_t blen)
{
    if (!ic__claim_reply())
        return;
    ic0_msg_reply_data_append(IC__ADDR(head), (uint32_t)hlen);
    if (blen)
        ic0_msg_reply_data_append(IC__ADDR(body), (uint32_t)blen);
    ic0_msg_reply();
}

void ic_reply_raw(const void *data, size_t len)
{
    ic__reply2(data, len, NULL, 0);
}

/* A Candid message of one value whose type needs no type table: "DIDL", 0 types, 1 argument of
 * the primitive type `op` (spec "Binary format": primitive types are negative SLEB128 opcodes). */
static size_t ic__didl_prim(uint8_t *buf, uint8_t op)
{
    memcpy(buf, "DIDL\x00\x01", 6);
    buf[6] = op;
    return 7;
}

static size_t ic__leb(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

static size_t ic__sleb(uint8_t *p, int64_t v)
{
    size_t n = 0;
    for (;;) {
        uint8_t b = v & 0x7f;
        v >>= 7; /* arithmetic shift on every target we build for */
        if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
            p[n++] = b;
            return n;
        }
        p[n++] = b | 0x80;
    }
}

void ic_reply_empty(void)
{
    static const char empty[6] = "DIDL\x00\x00";
    if (!ic__claim_reply())
        return;
    ic0_msg_reply_data_append(IC__ADDR(empty), sizeof empty);
    ic0_msg_reply();
}

void ic_reply_text_n(const char *text, size_t len)
{
    uint8_t head[20];
    size_t n = ic__didl_prim(head, 0x71);
    n += ic__leb(head + n, len);
    ic__reply2(head, n, text, len);
}

void ic_reply_text(const char *text)
{
    ic_reply_text_n(text, strlen(text));
}

void ic_reply_nat64(uint64_t v)
{
    uint8_t buf[16];
    size_t n = ic__didl_prim(buf, 0x78);
    for (int i = 0; i < 8; i++)
        buf[n++] = (uint8_t)(v >> (8 * i));
    ic_reply_raw(buf, n);
}

void ic_reply_nat(uint64_t v)
{
    uint8_t buf[20];
    size_t n = ic__didl_prim(buf, 0x7d);
    n += ic__leb(buf + n, v);
    ic_reply_raw(buf, n);
}

void ic_reply_int(int64_t v)
{
    uint8_t buf[20];
    size_t n = ic__didl_prim(buf, 0x7c);
    n += ic__sleb(buf + n, v);
    ic_reply_raw(buf, n);
}

void ic_reply_bool(bool v)
{
    uint8_t buf[8];
    size_t n = ic__didl_prim(buf, 0x7e);
    buf[n++] = v ? 1 : 0;
    ic_reply_raw(buf, n);
}

void ic_reply_blob(const void *data, size_t len)
{
    /* One type: vec nat8 (0x6d 0x7b); one argument of type 0. */
    uint8_t head[20];
    memcpy(head, "DIDL\x01\x6d\x7b\x01\x00", 9);
    size_t n = 9 + ic__leb(head + 9, len);
    ic__reply2(head, n, data, len);
}

void ic_reply_principal(const ic_principal *p)
{
    uint8_t buf[48];
    size_t n = ic__didl_prim(buf, 0x68);
    buf[n++] = 1; /* an id follows (0 would be an opaque reference) */
    n += ic__leb(buf + n, p->len);
    memcpy(buf + n, p->bytes, p->len);
    ic_reply_raw(buf, n + p->len);
}

/* Length of the well-formed UTF-8 sequence at p (Unicode Table 3-7), or 0 if there is none. */
static uint32_t ic__utf8_seq(const uint8_t *p, uint32_t avail)
{
    uint8_t c = p[0], lo = 0x80, hi = 0xbf;
    uint32_t need;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        lo = c == 0xe0 ? 0xa0 : lo; /* no overlong forms */
        hi = c == 0xed ? 0x9f : hi; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        lo = c == 0xf0 ? 0x90 : lo;
        hi = c == 0xf4 ? 0x8f : hi; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (avail <= need || p[1] < lo || p[1] > hi)
        return 0;
    for (uint32_t k = 2; k <= need; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return need + 1;
}

/* Replace every byte that does not begin a well-formed UTF-8 sequence by '?'. */
void ic__utf8_sanitize(char *s, uint32_t len)
{
    uint8_t *p = (uint8_t *)s;
    for (uint32_t i = 0; i < len;) {
        uint32_t n = ic__utf8_seq(p + i, len - i);
        if (n == 0)
            p[i++] = '?';
        else
            i += n;
    }
}

void ic_reject(const char *message)
{
    size_t n = strlen(message);
    if (!ic__claim_reply())
        return;
    char *copy = malloc(n ? n : 1);
    if (!copy) {
        static const char oom[] = "out of memory while rejecting";
        ic0_msg_reject(IC__ADDR(oom), sizeof oom - 1);
        return;
    }
    memcpy(copy, message, n);
    ic__utf8_sanitize(copy, (uint32_t)n);
    ic0_msg_reject(IC__ADDR(copy), (uint32_t)n);
    free(copy);
}

void ic_rejectf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ic_reject(buf);
}

/* ---- debugging --------------------------------------------------------------------------- */

void ic_print(const char *text)
{
    ic0_debug_print(IC__ADDR(text), (uint32_t)strlen(text));
}

void ic_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    ic0_debug_print(IC__ADDR(buf), (uint32_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
}

void ic_trap(const char *message)
{
    ic0_trap(IC__ADDR(message), (uint32_t)strlen(message));
}
