/*
 * subscriber_gen - the pub-sub subscriber's setup_subscribe written against typed call stubs
 * generated from examples/pubsub/publisher.did by `candid gen c` (build/ic/gen/publisher.h):
 * `publisher_subscribe(&publisher, &args)` encodes the record, performs the call and returns a
 * future of the decoded reply; update_count and get_count take their arguments with the generated
 * subscriber_*_in_take. Same interface as subscriber.c.
 */
#include "asyncwasm/ic_async.h"
#include "publisher.h"
#include "subscriber.h"

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

/* update_count : (Counter) -> (), its argument taken by the generated
 * subscriber_update_count_in_take (build/ic/gen/subscriber.h): the message decoded once, a bad
 * one rejected with "update_count: invalid arguments: ...". */
IC_UPDATE(update_count)
{
    subscriber_update_count_in in;
    candid_arena arena = {0};
    bool ok = subscriber_update_count_in_take(&arena, &in);
    if (ok) {
        count += in.arg0.value;
        ic_reply_empty();
    }
    candid_arena_free(&arena);
}

/* get_count : () -> (nat64) query */
IC_QUERY(get_count)
{
    subscriber_get_count_in in;
    candid_arena a = {0};
    bool ok = subscriber_get_count_in_take(&a, &in); /* false: rejected, invalid arguments */
    candid_arena_free(&a);
    if (!ok)
        return;
    ic_reply_nat64(count);
}
