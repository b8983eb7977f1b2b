/*
 * subscriber - the pub-sub subscriber of dfinity's canister-profiling benchmark, in C.
 *
 * setup_subscribe(publisher, topic) is the benchmark's "caller": an update that awaits one
 * inter-canister call (publisher.subscribe) and replies when it returns. update_count is what the
 * publisher calls (one-way) for each published counter; get_count reads the total.
 */
#include "asyncwasm/ic_async.h"

static uint64_t count;

/* The Candid types of the messages (record fields in field-id order: topic, value). */
static ic_types setup_in = IC_TYPES("(principal, text)");
static ic_types subscriber_arg = IC_TYPES("(record { topic : text })");
static ic_types unit = IC_TYPES("()");
static ic_types counter_arg = IC_TYPES("(record { topic : text; value : nat64 })");

/* setup_subscribe : (publisher : principal, topic : text) -> () */
typedef struct setup_frame {
    aw_task task;
    ic_principal publisher;
    const char *topic; /* points into the call's argument bytes, kept while the handler runs */
    size_t topic_len;
    aw_op call; /* the awaited call to the publisher, its `()` reply decoded in place */
} setup_frame;

static int setup_args(ic_reader *r, void *frame)
{
    setup_frame *f = frame;
    int rc = ic_read_principal(r, &f->publisher);
    return rc ? rc : ic_read_text(r, &f->topic, &f->topic_len);
}

/* publisher.subscribe(record { topic }), awaited through the frame's slot; its reply must
 * decode at `()`. */
static aw_op *subscribe(setup_frame *f)
{
    ic_writer w;
    ic_writer_begin(&w, &subscriber_arg);
    ic_write_text(&w, f->topic, f->topic_len);
    if (w.error)
        aw_op_fail(aw_op_start(&f->call, NULL),
                   aw_error_new(AW_E_GENERIC, w.error, "cannot encode the subscription"));
    else
        ic_call_decode_op(&f->call, &f->publisher, "subscribe", w.data, w.len, &unit, NULL, NULL);
    ic_writer_free(&w);
    return &f->call;
}

AW_ASYNC(setup_frame, setup_run)
static aw_status setup_run(setup_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT_OP(f, subscribe(f));
    ic_reply_empty();
    AW_END(f);
}
IC_UPDATE_ASYNC(setup_subscribe, setup_frame, setup_run, &setup_in, setup_args)

/* The value of a Counter (its topic is checked and skipped). */
static int read_counter_value(ic_reader *r, void *out)
{
    const char *topic;
    size_t topic_len;
    int rc = ic_read_record(r);
    if (rc == 0)
        rc = ic_read_text(r, &topic, &topic_len);
    return rc ? rc : ic_read_nat64(r, out);
}

/* update_count : (Counter) -> () */
IC_UPDATE(update_count)
{
    uint64_t value = 0;
    if (!ic_args(&counter_arg, read_counter_value, &value, "update_count"))
        return;
    count += value;
    ic_reply_empty();
}

/* get_count : () -> (nat64) query */
IC_QUERY(get_count)
{
    if (!ic_args(&unit, NULL, NULL, "get_count"))
        return; /* rejected: "get_count: invalid arguments: ..." */
    ic_reply_nat64(count);
}
