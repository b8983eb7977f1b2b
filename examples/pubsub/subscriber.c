/*
 * subscriber - the pub-sub subscriber of dfinity's canister-profiling benchmark, in C.
 *
 * setup_subscribe(publisher, topic) is the benchmark's "caller": an update that awaits one
 * inter-canister call (publisher.subscribe) and replies when it returns. update_count is what the
 * publisher calls (one-way) for each published counter; get_count reads the total.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"

static uint64_t count;

/* Candid types used here, parsed once per module instance (wasm memory keeps them). */
static candid_env types;
static candid_tref subscriber_t, counter_t;

static int types_ready(void)
{
    static int done;
    if (!done) {
        static const char sub[] = "record { topic : text }";
        static const char ctr[] = "record { topic : text; value : nat64 }";
        if (candid_parse_type(&types, sub, sizeof sub - 1, &subscriber_t, NULL) ||
            candid_parse_type(&types, ctr, sizeof ctr - 1, &counter_t, NULL))
            return 0;
        done = 1;
    }
    return 1;
}

/* setup_subscribe : (publisher : principal, topic : text) -> () */
typedef struct setup_frame {
    aw_task task;
    ic_principal publisher;
    const char *topic; /* points into the call's argument bytes, kept while the handler runs */
    size_t topic_len;
    candid_buf arg; /* the encoded `(record { topic })` */
    ic_bytes reply;
} setup_frame;

static int setup_args(candid_dec *d, void *frame)
{
    setup_frame *f = frame;
    const uint8_t *p;
    size_t n;
    int rc = candid_dec_principal(d, &p, &n);
    if (rc == 0 && !ic_principal_from_bytes(&f->publisher, p, n))
        rc = CANDID_E_VALUE;
    if (rc == 0)
        rc = candid_dec_text(d, &f->topic, &f->topic_len);
    return rc;
}

static int read_nothing(candid_dec *d, void *out)
{
    (void)d;
    (void)out;
    return 0;
}

AW_ASYNC(setup_frame, setup_run)
static aw_status setup_run(setup_frame *f)
{
    AW_BEGIN(f);
    {
        candid_enc enc;
        candid_enc_init(&enc);
        if (!types_ready() || candid_enc_arg_type(&enc, &types, subscriber_t) ||
            candid_enc_text(&enc, f->topic, f->topic_len) || candid_enc_finish(&enc, &f->arg)) {
            candid_enc_free(&enc);
            AW_THROW(f, AW_E_NOMEM, "cannot encode the subscription");
        }
        candid_enc_free(&enc);
    }
    AW_AWAIT(f, ic_call_raw(&f->publisher, "subscribe", f->arg.data, f->arg.len), &f->reply);
    {
        aw_error *err =
            ic_decode(f->reply.data, f->reply.len, read_nothing, NULL, "publisher.subscribe reply");
        if (err)
            AW_THROW_ERROR(f, err);
    }
    ic_reply_empty();
    AW_FINALLY(f);
    candid_buf_free(&f->arg);
    ic_bytes_free(&f->reply);
    AW_END(f);
}
IC_UPDATE_ASYNC(setup_subscribe, setup_frame, setup_run, setup_args)

/* update_count : (Counter) -> () */
IC_UPDATE(update_count)
{
    size_t len;
    uint8_t *arg = ic_arg_bytes(&len);
    candid_arena arena;
    candid_dec d;
    candid_value v;
    candid_error err;
    uint64_t value = 0;
    candid_arena_init(&arena);
    memset(&err, 0, sizeof err);
    int rc =
        arg && types_ready() ? candid_dec_begin(&d, arg, len, NULL, &arena, &err) : CANDID_E_NOMEM;
    if (rc == 0)
        rc = candid_dec_arg(&d, &types, counter_t, &v);
    if (rc == 0)
        rc = candid_dec_end(&d);
    if (rc == 0)
        value = candid_value_field(&v, candid_hash("value", 5))->u.u64;
    if (arg)
        candid_dec_free(&d);
    candid_arena_free(&arena);
    free(arg);
    if (rc != 0) {
        ic_rejectf("update_count: invalid arguments: %s", err.message);
        return;
    }
    count += value;
    ic_reply_empty();
}

/* get_count : () -> (nat64) query */
IC_QUERY(get_count)
{
    ic_reply_nat64(count);
}
