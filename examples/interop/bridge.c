/*
 * bridge - the C side of the interop example: greet is called by the Motoko canister; ask awaits
 * any canister's (text) -> (text) method, Motoko's included, and replies with what it got;
 * robustCall is the seed's robustCall, handling the error of its await itself.
 */
#include <stdio.h>
#include <string.h>

#include "asyncwasm/ic_async.h"

static ic_types text_arg = IC_TYPES("(text)");
static ic_types ask_arg = IC_TYPES("(principal, text, text)");

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
        char out[128];
        int len = snprintf(out, sizeof out, "Hello from C, %.*s!", (int)(n > 64 ? 64 : n), name);
        ic_reply_text_n(out, (size_t)len);
    } else {
        ic_rejectf("greet: invalid arguments: %s", ic_reader_error(&r));
    }
    ic_reader_free(&r);
}

typedef struct ask_frame {
    aw_task task;
    ic_principal peer;
    const char *method, *name; /* point into the argument bytes, kept while the handler runs */
    size_t method_len, name_len;
    char method_z[64]; /* NUL-terminated copy for the call */
    ic_bytes reply;
    char got[128];
} ask_frame;

static int ask_args(ic_reader *r, void *frame)
{
    ask_frame *f = frame;
    int rc = ic_read_principal(r, &f->peer);
    if (rc == 0)
        rc = ic_read_text(r, &f->method, &f->method_len);
    if (rc == 0)
        rc = ic_read_text(r, &f->name, &f->name_len);
    if (rc == 0 && f->method_len >= sizeof f->method_z)
        rc = CANDID_E_VALUE;
    return rc;
}

static aw_future *ask_peer(ask_frame *f)
{
    memcpy(f->method_z, f->method, f->method_len);
    ic_writer w;
    ic_writer_begin(&w, &text_arg);
    ic_write_text(&w, f->name, f->name_len);
    aw_future *fut = ic_call_raw(&f->peer, f->method_z, w.data, w.len);
    ic_writer_free(&w);
    return fut;
}

static int read_got(ic_reader *r, void *out)
{
    const char *s;
    size_t n;
    int rc = ic_read_text(r, &s, &n);
    if (rc == 0)
        snprintf(out, 128, "%.*s", (int)n, s);
    return rc;
}

/* ask : (peer, method, name) -> (text): "C got: <peer's reply>"; a reject propagates. */
AW_ASYNC(ask_frame, ask_run)
static aw_status ask_run(ask_frame *f)
{
    aw_error *err;
    AW_BEGIN(f);
    AW_AWAIT(f, ask_peer(f), &f->reply);
    if ((err = ic_decode(f->reply.data, f->reply.len, &text_arg, read_got, f->got, "reply")))
        AW_THROW_ERROR(f, err);
    {
        char out[160];
        int n = snprintf(out, sizeof out, "C got: %s", f->got);
        ic_reply_text_n(out, (size_t)n);
    }
    AW_FINALLY(f);
    ic_bytes_free(&f->reply);
    AW_END(f);
}
IC_UPDATE_ASYNC(ask, ask_frame, ask_run, &ask_arg, ask_args)

/* robustCall : (peer, method, data) -> (text): the seed's robustCall. The error of the await is
 * handed to the code (AW_AWAIT_TRY) instead of propagating: a failing peer gives a reject with
 * "Processing failed: <error message>", its own text rather than the async trace. */
AW_ASYNC(ask_frame, robust_run)
static aw_status robust_run(ask_frame *f)
{
    aw_error *err;
    AW_BEGIN(f);
    AW_AWAIT_TRY(f, ask_peer(f), &f->reply, &err);
    if (!err)
        err = ic_decode(f->reply.data, f->reply.len, &text_arg, read_got, f->got, "reply");
    if (err) {
        ic_rejectf("Processing failed: %s", aw_error_message(err));
        aw_error_release(err);
    } else {
        ic_reply_text(f->got);
    }
    AW_FINALLY(f);
    ic_bytes_free(&f->reply);
    AW_END(f);
}
IC_UPDATE_ASYNC(robustCall, ask_frame, robust_run, &ask_arg, ask_args)
