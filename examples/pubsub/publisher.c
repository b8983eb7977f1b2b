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

/* Decode the one record argument at type t and return its `topic` field; NULL after
 * rejecting the call with the decoder's message. The arena owns the value. */
static const candid_value *topic_of(const uint8_t *arg, size_t len, candid_tref t,
                                    candid_arena *arena, const char *method)
{
    static candid_value v;
    candid_dec d;
    candid_error err;
    memset(&err, 0, sizeof err);
    if (!types_ready()) {
        ic_rejectf("%s: out of memory", method);
        return NULL;
    }
    int rc = candid_dec_begin(&d, arg, len, NULL, arena, &err);
    if (rc == 0)
        rc = candid_dec_arg(&d, &types, t, &v);
    if (rc == 0)
        rc = candid_dec_end(&d);
    candid_dec_free(&d);
    if (rc != 0) {
        ic_rejectf("%s: invalid arguments: %s", method, err.message);
        return NULL;
    }
    return candid_value_field(&v, candid_hash("topic", 5));
}

/* subscribe : (Subscriber) -> () */
IC_UPDATE(subscribe)
{
    size_t len;
    uint8_t *arg = ic_arg_bytes(&len);
    candid_arena arena;
    candid_arena_init(&arena);
    const candid_value *topic = arg ? topic_of(arg, len, subscriber_t, &arena, "subscribe") : NULL;
    if (topic) {
        subscriber s = {ic_caller(), malloc(topic->u.bytes.len + 1), topic->u.bytes.len};
        if (nsubs == capsubs) {
            size_t cap = capsubs ? 2 * capsubs : 4;
            subscriber *grown = realloc(subs, cap * sizeof *grown);
            if (grown)
                subs = grown, capsubs = cap;
        }
        if (!s.topic || nsubs == capsubs) {
            free(s.topic);
            ic_reject("subscribe: out of memory");
        } else {
            memcpy(s.topic, topic->u.bytes.data, s.topic_len + 1);
            subs[nsubs++] = s;
            ic_reply_empty();
        }
    } else if (!arg) {
        ic_reject("subscribe: out of memory");
    }
    candid_arena_free(&arena);
    free(arg);
}

/* publish : (Counter) -> (): forwards the counter, as received, to each subscriber. */
IC_UPDATE(publish)
{
    size_t len;
    uint8_t *arg = ic_arg_bytes(&len);
    candid_arena arena;
    candid_arena_init(&arena);
    const candid_value *topic = arg ? topic_of(arg, len, counter_t, &arena, "publish") : NULL;
    if (topic) {
        for (size_t i = 0; i < nsubs; i++) {
            if (subs[i].topic_len != topic->u.bytes.len ||
                memcmp(subs[i].topic, topic->u.bytes.data, subs[i].topic_len) != 0)
                continue;
            ic_call c;
            ic_call_init(&c, &subs[i].who, "update_count");
            ic_call_with_arg(&c, arg, len);
            ic_call_oneway(&c);
        }
        ic_reply_empty();
    } else if (!arg) {
        ic_reject("publish: out of memory");
    }
    candid_arena_free(&arena);
    free(arg);
}
