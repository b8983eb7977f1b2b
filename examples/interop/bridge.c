/*
 * bridge - the C side of the interop example: greet is called by the Motoko canister; ask awaits
 * any canister's (text) -> (text) method, Motoko's included, and replies with what it got;
 * robustCall is the seed's robustCall, handling the error of its await itself. The peer is called
 * through a stub generated from peer.did, by the method name the caller gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "bridge.h" /* generated from bridge.did: ask's and robustCall's arguments */
#include "peer.h"   /* generated from peer.did: the typed stub of a (text) -> (text) method */

static ic_types text_arg = IC_TYPES("(text)");

/* Replies with the text `head` `mid` (mid_len bytes, any length) `tail`, in a buffer of its
 * size; rejects with "<method>: out of memory" when that cannot be allocated. */
static void reply_joined(const char *method, const char *head, const char *mid, size_t mid_len,
                         const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *out = mid_len <= SIZE_MAX - h - t - 1 ? malloc(h + mid_len + t + 1) : NULL;
    if (!out) {
        ic_rejectf("%s: out of memory for a reply of %zu bytes", method, mid_len);
        return;
    }
    memcpy(out, head, h);
    memcpy(out + h, mid, mid_len);
    memcpy(out + h + mid_len, tail, t);
    ic_reply_text_n(out, h + mid_len + t);
    free(out);
}

/* greet : (name : text) -> (text); a name "trap" makes it trap (the caller sees CANISTER_ERROR). */
IC_UPDATE(greet)
{
    ic_reader r;
    const char *name = "";
    size_t n = 0;
    int rc = ic_read_args(&r, &text_arg);
    if (rc == 0)
        rc = ic_read_text(&r, &name, &n);
    if (rc == 0 && (rc = ic_reader_finish(&r)) == 0) {
        if (n == 4 && memcmp(name, "trap", 4) == 0)
            ic_trap("bridge: asked to trap");
        reply_joined("greet", "Hello from C, ", name, n, "!");
    } else {
        ic_rejectf("greet: invalid arguments: %s", ic_reader_error(&r));
    }
    ic_reader_free(&r);
}

/* ask and robustCall: the peer, the name of its method and the text to send (decoded by the
 * bindings generated from bridge.did), and the peer's reply (decoded by the stub generated from
 * peer.did: any method of type (text) -> (text), called by the name given). */
typedef struct ask_frame {
    aw_task task;
    candid_arena arena;   /* the decoded arguments */
    bridge_ask_in in;     /* peer, method, name (robustCall's are the same types) */
    peer_greet_reply got; /* .out.ret0: the peer's text */
} ask_frame;

/* The arguments, read from the runtime's reader started at bridge_ask_in_types (robustCall's
 * types are the same: a reader started there reads either message). */
static int ask_args(ic_reader *r, void *frame)
{
    ask_frame *f = frame;
    return bridge_ask_in_from(r, &f->arena, &f->in);
}

/* f->in.method of f->in.peer with f->in.name: the typed stub, called by that method's name. A
 * decoded text is NUL-terminated; one with a NUL inside cannot be a method name. */
static aw_future *ask_peer(ask_frame *f)
{
    if (strlen(f->in.method.data) != f->in.method.len)
        return aw_future_failed(
            aw_error_new(AW_E_GENERIC, 0, "the method name contains a NUL byte"));
    ic_principal peer;
    ic_principal_from_bytes(&peer, f->in.peer.bytes, f->in.peer.len);
    ic_call c;
    ic_call_init(&c, &peer, f->in.method.data);
    return peer_greet_with(&c, &(peer_greet_in){.name = f->in.name});
}

static void ask_free(ask_frame *f)
{
    candid_arena_free(&f->arena);
    candid_arena_free(&f->got.arena);
}

/* ask : (peer, method, name) -> (text): "C got: <peer's reply>"; a reject propagates. */
AW_ASYNC(ask_frame, ask_run)
static aw_status ask_run(ask_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ask_peer(f), &f->got);
    reply_joined("ask", "C got: ", f->got.out.ret0.data, f->got.out.ret0.len, ""); /* all of it */
    AW_FINALLY(f);
    ask_free(f);
    AW_END(f);
}
IC_UPDATE_ASYNC(ask, ask_frame, ask_run, &bridge_ask_in_types, ask_args)

/* robustCall : (peer, method, data) -> (text): the seed's robustCall. The error of the await is
 * handed to the code (AW_AWAIT_TRY) instead of propagating: a failing peer, or a reply that does
 * not decode, gives a reject with "Processing failed: <error message>", its own text rather
 * than the async trace. */
AW_ASYNC(ask_frame, robust_run)
static aw_status robust_run(ask_frame *f)
{
    aw_error *err;
    AW_BEGIN(f);
    AW_AWAIT_TRY(f, ask_peer(f), &f->got, &err);
    if (err) {
        ic_rejectf("Processing failed: %s", aw_error_message(err));
        aw_error_release(err);
    } else {
        ic_reply_text_n(f->got.out.ret0.data, f->got.out.ret0.len);
    }
    AW_FINALLY(f);
    ask_free(f);
    AW_END(f);
}
IC_UPDATE_ASYNC(robustCall, ask_frame, robust_run, &bridge_ask_in_types, ask_args)
