/*
 * ic.h - writing Internet Computer canisters in C: entry points, the message, replies and
 * rejects, and the canister's own facts (time, cycles, status).
 *
 * A canister is a wasm32 module whose exported functions the IC calls, one message at a time:
 * `canister_update NAME`, `canister_query NAME`, `canister_init`, and so on (spec CI "Entry
 * points"). The macros below define those exports. Each export enters the runtime (running C
 * constructors once per module instance, recording the kind of context), runs the body, and before
 * returning drains the async runtime's ready queue: the IC backend is passive, nothing runs between
 * messages.
 *
 *     IC_QUERY(greet)
 *     {
 *         ic_reply_text("hello");
 *     }
 *
 * Every call context must be answered exactly once, by ic_reply_* or ic_reject. A synchronous
 * handler that returns without answering is rejected by the IC itself with CANISTER_ERROR ("did
 * not reply"). Async handlers (IC_UPDATE_ASYNC, <asyncwasm/ic_async.h>) are checked by the runtime,
 * which rejects with a clear message instead.
 *
 * All functions here must be called from a context where the spec allows the underlying ic0 import
 * (see <asyncwasm/ic0.h>); otherwise the IC traps. Functions that allocate return NULL or an error
 * on allocation failure and never trap for it, unless their contract says so.
 */
#ifndef ASYNCWASM_IC_H
#define ASYNCWASM_IC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- principals -------------------------------------------------------------------------- */

/* A principal (spec IX "Principals"): 0 to 29 bytes. The management canister is the empty one. */
#define IC_PRINCIPAL_MAX 29
typedef struct ic_principal {
    uint8_t len;                     /* number of bytes used, 0..29 */
    uint8_t bytes[IC_PRINCIPAL_MAX]; /* the raw bytes */
} ic_principal;

/* The management canister, aaaaa-aa. */
extern const ic_principal IC_MANAGEMENT_CANISTER;

/* Make a principal from raw bytes; returns false (and an empty principal) when len > 29. */
bool ic_principal_from_bytes(ic_principal *out, const void *bytes, size_t len);

/* Parse the textual form ("rrkah-fqaaa-aaaaa-aaaaq-cai", case-insensitive); returns false on a
 * bad checksum, character, dash position or length, leaving *out empty. */
bool ic_principal_from_text(ic_principal *out, const char *text);

/* Print the textual form into buf (NUL-terminated, cut to cap - 1; 64 bytes always suffice).
 * Returns the full length. */
size_t ic_principal_to_text(const ic_principal *p, char *buf, size_t cap);

/* True when both principals have the same bytes. */
bool ic_principal_eq(const ic_principal *a, const ic_principal *b);

/* The caller of the current call context (in a callback: the original caller). */
ic_principal ic_caller(void);

/* This canister's own id. */
ic_principal ic_self(void);

/* True when p is a controller of this canister (ic0.is_controller). */
bool ic_is_controller(const ic_principal *p);

/* ---- time, status, cycles ---------------------------------------------------------------- */

/* Nanoseconds since 1970-01-01 (UTC); constant during one message execution. */
uint64_t ic_time(void);

/* ic0.canister_status: running, stopping or stopped. */
typedef enum ic_canister_status {
    IC_STATUS_RUNNING = 1,
    IC_STATUS_STOPPING = 2,
    IC_STATUS_STOPPED = 3,
} ic_canister_status;
ic_canister_status ic_status(void);

/* The canister version: it grows with every install, upgrade and settings change. */
uint64_t ic_canister_version(void);

/* Instructions executed so far: in this message (IC_COUNTER_MESSAGE) or in the whole call context
 * (IC_COUNTER_CALL_CONTEXT). */
enum { IC_COUNTER_MESSAGE = 0, IC_COUNTER_CALL_CONTEXT = 1 };
uint64_t ic_instructions(uint32_t counter);

/* True in replicated execution (update, replicated query, timer ...), false in a query call. */
bool ic_in_replicated_execution(void);

/* A 128-bit cycle amount. */
typedef struct ic_cycles {
    uint64_t high, low;
} ic_cycles;
#define IC_CYCLES(n) ((ic_cycles){0, (uint64_t)(n)})

/* The canister's balance, the cycles attached to the current message, the ones refunded with the
 * current response (callbacks only), and accepting some of the attached cycles (returns the amount
 * really moved, at most max). */
ic_cycles ic_cycle_balance(void);
ic_cycles ic_msg_cycles_available(void);
ic_cycles ic_msg_cycles_refunded(void);
ic_cycles ic_msg_cycles_accept(ic_cycles max);

/* Reseed the generator behind WASI random_get (getentropy, arc4random). It is seeded from the
 * time and the canister id on first use and is NOT cryptographic: seed it from raw_rand (see
 * <asyncwasm/ic_mgmt.h>) when the numbers matter. */
void ic_random_seed(const void *seed, size_t len);

/* ---- the incoming message ---------------------------------------------------------------- */

/* The argument bytes of the current message (in a reply callback: the reply bytes). */
size_t ic_arg_size(void);
void ic_arg_copy(void *dst, size_t offset, size_t size);

/* The whole argument in a fresh malloc'd buffer (free it); *len gets its size. Returns NULL on
 * allocation failure. An empty argument gives a 1-byte buffer and *len = 0. */
uint8_t *ic_arg_bytes(size_t *len);

/* In canister_inspect_message: the name of the method called, into buf (NUL-terminated, cut to
 * cap - 1 bytes); returns its full length. Accept the message with ic_accept_message(). */
size_t ic_method_name(char *buf, size_t cap);
void ic_accept_message(void);

/* ---- replying ---------------------------------------------------------------------------- */

/* Answer the current call context with raw bytes (usually a Candid message). Replying twice traps
 * (spec: a context is answered at most once). */
void ic_reply_raw(const void *data, size_t len);

/* Append to the reply without sending it, then send what was appended. */
void ic_reply_append(const void *data, size_t len);
void ic_reply_send(void);

/* Candid replies of one value for the common types (`()`, text, nat64, bool, blob, nat, int,
 * principal). Each encodes the whole message, type table included. */
void ic_reply_empty(void);
void ic_reply_text(const char *text);
void ic_reply_text_n(const char *text, size_t len);
void ic_reply_nat64(uint64_t v);
void ic_reply_nat(uint64_t v);
void ic_reply_int(int64_t v);
void ic_reply_bool(bool v);
void ic_reply_blob(const void *data, size_t len);
void ic_reply_principal(const ic_principal *p);

/* Reject the current call context with a message (the caller sees CANISTER_REJECT, code 4).
 * Invalid UTF-8 is replaced by '?' so that the reject itself never traps. */
void ic_reject(const char *message);
/* Like ic_reject, with printf formatting (the text is cut at 1 KiB). */
void ic_rejectf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True once the current call context has been replied to or rejected through this library. */
bool ic_replied(void);

/* ---- debugging --------------------------------------------------------------------------- */

/* Print to the canister log (ic0.debug_print). printf to stdout or stderr does the same. */
void ic_print(const char *text);
void ic_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Trap with a message: the current message execution is rolled back (spec CI "Traps"). */
__attribute__((noreturn)) void ic_trap(const char *message);

/* ---- entry points ------------------------------------------------------------------------ */

/* The kind of message execution running now (the spec's context letters). */
typedef enum ic_context {
    IC_CTX_NONE = 0,
    IC_CTX_INIT,        /* I: canister_init, canister_post_upgrade */
    IC_CTX_PRE_UPGRADE, /* G */
    IC_CTX_UPDATE,      /* U */
    IC_CTX_QUERY,       /* RQ / NRQ / TQ */
    IC_CTX_COMPOSITE,   /* CQ */
    IC_CTX_CALLBACK,    /* Ry / Rt (CRy / CRt in a composite query) */
    IC_CTX_CLEANUP,     /* C / CC */
    IC_CTX_INSPECT,     /* F */
    IC_CTX_SYSTEM_TASK, /* T: canister_global_timer, canister_heartbeat */
} ic_context;

/* The context of the current message execution. */
ic_context ic_current_context(void);

/* Runtime hooks around every export; the macros call them, user code does not. */
void ic__enter(ic_context ctx);
void ic__leave(void);

#define IC__EXPORT(str) __attribute__((export_name(str), visibility("default")))
#define IC__ENTRY(exported, fn, ctx)                                                               \
    static void fn(void);                                                                          \
    IC__EXPORT(exported) void fn##_export(void);                                                   \
    void fn##_export(void)                                                                         \
    {                                                                                              \
        ic__enter(ctx);                                                                            \
        fn();                                                                                      \
        ic__leave();                                                                               \
    }                                                                                              \
    static void fn(void)

/* `canister_update NAME`: a method that may change state. Follow with the body in braces. */
#define IC_UPDATE(name) IC__ENTRY("canister_update " #name, ic__update_##name, IC_CTX_UPDATE)
/* `canister_query NAME`: a read-only method (its state changes are always discarded). */
#define IC_QUERY(name) IC__ENTRY("canister_query " #name, ic__query_##name, IC_CTX_QUERY)
/* `canister_composite_query NAME`: a query that may call other queries. */
#define IC_COMPOSITE_QUERY(name)                                                                   \
    IC__ENTRY("canister_composite_query " #name, ic__cquery_##name, IC_CTX_COMPOSITE)
/* `canister_pre_upgrade`: save what must survive into stable memory (no calls, no reply). */
#define IC_PRE_UPGRADE() IC__ENTRY("canister_pre_upgrade", ic__pre_upgrade, IC_CTX_PRE_UPGRADE)
/* `canister_heartbeat`: runs every few seconds (a system task). */
#define IC_HEARTBEAT() IC__ENTRY("canister_heartbeat", ic__heartbeat, IC_CTX_SYSTEM_TASK)
/* `canister_inspect_message`: call ic_accept_message() to let an ingress message in. */
#define IC_INSPECT_MESSAGE()                                                                       \
    IC__ENTRY("canister_inspect_message", ic__inspect_message, IC_CTX_INSPECT)

/* `canister_init` (install and reinstall; the argument is the install argument) and
 * `canister_post_upgrade` (after an upgrade, on fresh wasm memory: reload state saved in stable
 * memory, set timers again). Neither can reply or make calls. A trap makes the install fail. */
#define IC_INIT()         IC__ENTRY("canister_init", ic__init, IC_CTX_INIT)
#define IC_POST_UPGRADE() IC__ENTRY("canister_post_upgrade", ic__post_upgrade, IC_CTX_INIT)

#endif /* ASYNCWASM_IC_H */
