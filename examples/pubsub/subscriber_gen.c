/*
 * subscriber_gen - the pub-sub subscriber's setup_subscribe written against typed call stubs
 * generated from examples/pubsub/publisher.did by `candid gen c` (build/ic/gen/publisher.h):
 * `publisher_subscribe(&publisher, &args)` encodes the record, performs the call and returns a
 * future of the decoded reply. Same interface as subscriber.c.
 */
#include "asyncwasm/ic_async.h"
#include "publisher.h"

static uint64_t count;

static ic_types setup_in = IC_TYPES("(principal, text)");

typedef struct setup_frame {
    aw_task task;
    ic_principal publisher;
    publisher_subscribe_in in;     /* the generated argument tuple */
    publisher_subscribe_reply out; /* the generated reply: an arena and the results */
} setup_frame;

static int setup_args(ic_reader *r, void *frame)
{
    setup_frame *f = frame;
    int rc = ic_read_principal(r, &f->publisher);
    return rc ? rc : ic_read_text(r, &f->in.arg0.topic.data, &f->in.arg0.topic.len);
}

AW_ASYNC(setup_frame, setup_run)
static aw_status setup_run(setup_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, publisher_subscribe(&f->publisher, &f->in), &f->out);
    candid_arena_free(&f->out.arena);
    ic_reply_empty();
    AW_END(f);
}
IC_UPDATE_ASYNC(setup_subscribe, setup_frame, setup_run, &setup_in, setup_args)

static ic_types counter_arg = IC_TYPES("(record { topic : text; value : nat64 })");

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
