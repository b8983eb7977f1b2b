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
    ic_bytes reply;
} setup_frame;

static int setup_args(ic_reader *r, void *frame)
{
    setup_frame *f = frame;
    int rc = ic_read_principal(r, &f->publisher);
    return rc ? rc : ic_read_text(r, &f->topic, &f->topic_len);
}

/* publisher.subscribe(record { topic }): the future of its reply. */
static aw_future *subscribe(const ic_principal *publisher, const char *topic, size_t len)
{
    ic_writer w;
    ic_writer_begin(&w, &subscriber_arg);
    ic_write_text(&w, topic, len);
    aw_future *fut = w.error ? aw_future_failed(aw_error_new(AW_E_GENERIC, w.error,
                                                             "cannot encode the subscription"))
                             : ic_call_raw(publisher, "subscribe", w.data, w.len);
    ic_writer_free(&w);
    return fut;
}

AW_ASYNC(setup_frame, setup_run)
static aw_status setup_run(setup_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, subscribe(&f->publisher, f->topic, f->topic_len), &f->reply);
    {
        aw_error *err =
            ic_decode(f->reply.data, f->reply.len, &unit, NULL, NULL, "publisher.subscribe reply");
        if (err)
            AW_THROW_ERROR(f, err);
    }
    ic_reply_empty();
    AW_FINALLY(f);
    ic_bytes_free(&f->reply);
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
    ic_reply_nat64(count);
}
