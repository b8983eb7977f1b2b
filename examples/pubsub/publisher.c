/*
 * publisher - the pub-sub publisher of dfinity's canister-profiling benchmark, in C.
 *
 * subscribe records the calling canister and its topic (the benchmark's "callee"); publish sends
 * the counter to every subscriber of its topic with a one-way call to update_count.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"

typedef struct subscriber {
    ic_principal who;
    char *topic;
    size_t topic_len;
} subscriber;

static subscriber *subs;
static size_t nsubs, capsubs;

/* The Candid types of the arguments (record fields in field-id order: topic, value). */
static ic_types subscriber_arg = IC_TYPES("(record { topic : text })");
static ic_types counter_arg = IC_TYPES("(record { topic : text; value : nat64 })");

/* Read the one record argument's `topic` (its first field in id order) and, for a Counter, the
 * value. Rejects the call and returns false when the message does not decode; otherwise the
 * reader stays open (the topic points into it): release it with ic_reader_free. */
static bool read_topic(ic_reader *r, ic_types *t, const char **topic, size_t *len,
                       const char *method)
{
    uint64_t value;
    int rc = ic_read_args(r, t);
    if (rc == 0)
        rc = ic_read_record(r);
    if (rc == 0)
        rc = ic_read_text(r, topic, len);
    if (rc == 0 && t == &counter_arg)
        rc = ic_read_nat64(r, &value);
    if (rc == 0 && (rc = ic_reader_finish(r)) == 0)
        return true;
    ic_rejectf("%s: invalid arguments: %s", method, ic_reader_error(r));
    ic_reader_free(r);
    return false;
}

/* subscribe : (Subscriber) -> () */
IC_UPDATE(subscribe)
{
    ic_reader r;
    const char *topic;
    size_t len;
    if (!read_topic(&r, &subscriber_arg, &topic, &len, "subscribe"))
        return;
    if (nsubs == capsubs) {
        size_t cap = capsubs ? 2 * capsubs : 4;
        subscriber *grown = realloc(subs, cap * sizeof *grown);
        if (grown)
            subs = grown, capsubs = cap;
    }
    char *copy = nsubs < capsubs ? malloc(len ? len : 1) : NULL;
    if (!copy) {
        ic_reader_free(&r);
        ic_reject("subscribe: out of memory");
        return;
    }
    memcpy(copy, topic, len);
    ic_reader_free(&r);
    subs[nsubs++] = (subscriber){ic_caller(), copy, len};
    ic_reply_empty();
}

/* publish : (Counter) -> (): forwards the counter, as received, to each subscriber. */
IC_UPDATE(publish)
{
    ic_reader r;
    const char *topic;
    size_t len;
    if (!read_topic(&r, &counter_arg, &topic, &len, "publish"))
        return;
    for (size_t i = 0; i < nsubs; i++) {
        if (subs[i].topic_len != len || memcmp(subs[i].topic, topic, len) != 0)
            continue;
        ic_call c;
        ic_call_init(&c, &subs[i].who, "update_count");
        ic_call_with_arg(&c, r.start, (size_t)(r.end - r.start));
        ic_call_oneway(&c);
    }
    ic_reader_free(&r);
    ic_reply_empty();
}
