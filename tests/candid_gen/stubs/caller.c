/*
 * caller.c - a C canister that uses only generated bindings: its own argument and reply
 * (caller.h, from caller.did) and the typed call stubs of the Motoko Store (store.h, from
 * store.did). `run` awaits every kind of Store method and replies with one line per call, which
 * tests/candid_gen/stubs/stubs.test.mjs checks: a record argument and a variant result, an opt
 * result of a record, a reject, a reply that does not decode at the declared type, a oneway call
 * and a query. `both` awaits two stub calls at once with aw_all. `run` reads its arguments with
 * M_in_from from the runtime's reader (started at M_in_types), `both` with the older M_in_args
 * (types NULL), and the async `tally` its record with M_in_from through the reader's decoder
 * (its M_in_types is IC_TYPES_ANY); `misread` gives M_in_from a reader at other types.
 * `describe` and `summary` are synchronous methods that take their arguments with M_in_take:
 * `describe`'s (nat64, bool, principal, text) on the runtime reader's path, `summary`'s record
 * through the generated decoder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "caller.h"
#include "store.h"

typedef struct run_frame {
    aw_task task;
    candid_arena arena; /* the decoded arguments */
    caller_run_in in;
    ic_principal store;
    candid_gen_text tags[2];
    store_put_in put;
    store_put_reply put_r;
    store_get_in get;
    store_get_reply get_r;
    store_refuse_in refuse;
    store_refuse_reply refuse_r;
    store_mistyped_reply mistyped_r;
    store_stats_reply stats_r; /* method `stats` (the type `stats` is store_stats_type) */
    aw_error *err;
    char out[1024];
    size_t n;
} run_frame;

/* Appends formatted text to the reply being built. */
static void say(run_frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(run_frame *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(f->out + f->n, sizeof f->out - f->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        f->n += (size_t)k < sizeof f->out - f->n ? (size_t)k : sizeof f->out - f->n - 1;
}

/* The generated argument reader reads the runtime's reader, started at caller_run_in_types,
 * into the frame (its arena owns the text); a message that does not decode is rejected with the
 * reader's message. */
static int run_args(ic_reader *r, void *frame)
{
    run_frame *f = frame;
    return caller_run_in_from(r, &f->arena, &f->in);
}

static void say_error(run_frame *f, const char *what)
{
    say(f, "%s: %s: %s\n", what, aw_error_kind_name(aw_error_kind_of(f->err)),
        aw_error_message(f->err));
    aw_error_release(f->err);
    f->err = NULL;
}

static void reply(run_frame *f)
{
    caller_run_out out = {.ret0 = {f->out, f->n}};
    caller_run_out_reply(&out);
}

AW_ASYNC(run_frame, run_run)
static aw_status run_run(run_frame *f)
{
    AW_BEGIN(f);
    ic_principal_from_bytes(&f->store, f->in.store.bytes, f->in.store.len);

    /* put: a record with a vec and an opt; the result is a variant */
    f->tags[0] = (candid_gen_text){"red", 3};
    f->tags[1] = (candid_gen_text){"green", 5};
    f->put.arg0.name = f->in.name;
    f->put.arg0.qty = 3;
    f->put.arg0.tags = (store_vec_text){f->tags, 2};
    f->put.arg0.owner.has = true;
    {
        ic_principal me = ic_self();
        f->put.arg0.owner.value.len = me.len;
        memcpy(f->put.arg0.owner.value.bytes, me.bytes, me.len);
    }
    AW_AWAIT(f, store_put(&f->store, &f->put), &f->put_r);
    if (f->put_r.out.ret0.tag == STORE_PUT_RESULT_OK)
        say(f, "put: ok %llu\n", (unsigned long long)f->put_r.out.ret0.u.ok);
    else
        say(f, "put: err %s\n", f->put_r.out.ret0.u.err.data);

    /* get: an opt record back, decoded into the reply's own arena */
    f->get.id = f->put_r.out.ret0.tag == STORE_PUT_RESULT_OK ? f->put_r.out.ret0.u.ok : 0;
    AW_AWAIT(f, store_get(&f->store, &f->get), &f->get_r);
    if (f->get_r.out.ret0.has) {
        store_item *it = &f->get_r.out.ret0.value;
        say(f, "get: %s x%llu [%s, %s] owner %s\n", it->name.data, (unsigned long long)it->qty,
            it->tags.len > 0 ? it->tags.data[0].data : "-",
            it->tags.len > 1 ? it->tags.data[1].data : "-",
            it->owner.has &&
                    !memcmp(&it->owner.value, &f->put.arg0.owner.value, sizeof it->owner.value)
                ? "is me"
                : "unknown");
    } else {
        say(f, "get: null\n");
    }

    /* refuse: the Store rejects; the error reaches us with the reject code and message */
    f->refuse.why = (candid_gen_text){"no reason", 9};
    AW_AWAIT_TRY(f, store_refuse(&f->store, &f->refuse), &f->refuse_r, &f->err);
    if (f->err)
        say_error(f, "refuse");

    /* mistyped: the reply is a nat, the .did says text: a decode error */
    AW_AWAIT_TRY(f, store_mistyped(&f->store, NULL), &f->mistyped_r, &f->err);
    if (f->err)
        say_error(f, "mistyped");

    /* ping is oneway: sent, nothing to await; the query after it sees it (FIFO per pair) */
    say(f, "ping: %d\n", store_ping(&f->store, NULL));
    AW_AWAIT(f, store_stats(&f->store, NULL), &f->stats_r);
    say(f, "stats: puts %llu, pings %llu", (unsigned long long)f->stats_r.out.ret0.puts,
        (unsigned long long)f->stats_r.out.ret0.pings);
    reply(f);

    AW_FINALLY(f);
    candid_arena_free(&f->put_r.arena);
    candid_arena_free(&f->get_r.arena);
    candid_arena_free(&f->refuse_r.arena);
    candid_arena_free(&f->mistyped_r.arena);
    candid_arena_free(&f->stats_r.arena);
    candid_arena_free(&f->arena);
    aw_error_release(f->err);
    AW_END(f);
}
IC_UPDATE_ASYNC(run, run_frame, run_run, &caller_run_in_types, run_args)

/* both: two stub calls in flight at once, awaited together with aw_all: the futures' values (two
 * store_stats_reply) arrive concatenated, in input order. */
typedef struct both_frame {
    aw_task task;
    candid_arena arena;
    caller_both_in in;
    ic_principal store;
    aw_future *calls[2];
    store_stats_reply stats[2];
    uint32_t in_flight; /* calls outstanding once both were made */
} both_frame;

static int both_args(ic_reader *r, void *frame)
{
    both_frame *f = frame;
    return caller_both_in_args(r, &f->arena, &f->in);
}

AW_ASYNC(both_frame, both_run)
static aw_status both_run(both_frame *f)
{
    AW_BEGIN(f);
    ic_principal_from_bytes(&f->store, f->in.store.bytes, f->in.store.len);
    f->calls[0] = store_stats(&f->store, NULL);
    f->calls[1] = store_stats(&f->store, NULL);
    f->in_flight = ic_calls_in_flight();
    AW_AWAIT(f, aw_all(f->calls, 2), &f->stats);
    aw_future_release(f->calls[0]);
    aw_future_release(f->calls[1]);
    f->calls[0] = f->calls[1] = NULL;
    {
        char out[96];
        int n = snprintf(out, sizeof out, "both: %u in flight; puts %llu and %llu",
                         (unsigned)f->in_flight, (unsigned long long)f->stats[0].out.ret0.puts,
                         (unsigned long long)f->stats[1].out.ret0.puts);
        caller_both_out reply = {.ret0 = {out, (size_t)n}};
        caller_both_out_reply(&reply);
    }
    AW_FINALLY(f);
    aw_future_release(f->calls[0]);
    aw_future_release(f->calls[1]);
    candid_arena_free(&f->stats[0].arena);
    candid_arena_free(&f->stats[1].arena);
    candid_arena_free(&f->arena);
    AW_END(f);
}
IC_UPDATE_ASYNC(both, both_frame, both_run, NULL, both_args)

/* Replies with the text formatted, through the generated reply writer of `describe`/`summary`
 * (both reply one text). */
static void reply_textf(int (*reply)(const candid_gen_text *), const char *fmt, ...)
{
    char out[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, sizeof out, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof out)
        ic_reject("caller: reply too long");
    else
        reply(&(candid_gen_text){out, (size_t)n});
}

static int describe_reply(const candid_gen_text *t)
{
    return caller_describe_out_reply(&(caller_describe_out){.ret0 = *t});
}

static int summary_reply(const candid_gen_text *t)
{
    return caller_summary_out_reply(&(caller_summary_out){.ret0 = *t});
}

/* describe : (n : nat64, flag : bool, who : principal, name : text) -> (text) query */
IC_QUERY(describe)
{
    caller_describe_in in;
    candid_arena a = {0};
    if (caller_describe_in_take(&a, &in))
        reply_textf(describe_reply, "n %llu, flag %s, who %u bytes, name %s (%zu bytes)",
                    (unsigned long long)in.n, in.flag ? "true" : "false", (unsigned)in.who.len,
                    in.name.data, in.name.len);
    candid_arena_free(&a);
}

/* summary : (note) -> (text) query */
IC_QUERY(summary)
{
    caller_summary_in in;
    candid_arena a = {0};
    if (caller_summary_in_take(&a, &in))
        reply_textf(summary_reply, "%s: %zu tags%s", in.arg0.title.data, in.arg0.tags.len,
                    in.arg0.urgent ? ", urgent" : "");
    candid_arena_free(&a);
}

/* tally : (note) -> (text): an async handler whose record argument is read, once, by the
 * generated M_in_from through the runtime reader's decoder (caller_tally_in_types is
 * IC_TYPES_ANY). It awaits nothing but replies from its async body like any other. */
typedef struct tally_frame {
    aw_task task;
    candid_arena arena; /* the decoded note */
    caller_tally_in in;
} tally_frame;

static int tally_args(ic_reader *r, void *frame)
{
    tally_frame *f = frame;
    return caller_tally_in_from(r, &f->arena, &f->in);
}

static int tally_reply(const candid_gen_text *t)
{
    return caller_tally_out_reply(&(caller_tally_out){.ret0 = *t});
}

AW_ASYNC(tally_frame, tally_run)
static aw_status tally_run(tally_frame *f)
{
    AW_BEGIN(f);
    reply_textf(tally_reply, "%s: %zu tags%s, first %s", f->in.arg0.title.data, f->in.arg0.tags.len,
                f->in.arg0.urgent ? ", urgent" : "",
                f->in.arg0.tags.len ? f->in.arg0.tags.data[0].data : "none");
    AW_FINALLY(f);
    candid_arena_free(&f->arena);
    AW_END(f);
}
IC_UPDATE_ASYNC(tally, tally_frame, tally_run, &caller_tally_in_types, tally_args)

static int misread_reply(const candid_gen_text *t)
{
    return caller_misread_out_reply(&(caller_misread_out){.ret0 = *t});
}

/* misread : () -> (text) query: M_in_from given a reader started at other types than its
 * M_in_types (describe's, for run's arguments) fails with a usage error, before reading. */
IC_QUERY(misread)
{
    caller_misread_in none;
    candid_arena a = {0};
    if (!caller_misread_in_take(&a, &none))
        return;
    static const uint8_t empty[] = {'D', 'I', 'D', 'L', 0, 0};
    ic_reader r;
    caller_run_in in = {0};
    int rc = ic_reader_begin(&r, &caller_describe_in_types, empty, sizeof empty);
    if (rc == 0)
        rc = caller_run_in_from(&r, &a, &in);
    reply_textf(misread_reply, "%s: %s; name %zu bytes", candid_strerror(rc), ic_reader_error(&r),
                in.name.len);
    ic_reader_free(&r);
    candid_arena_free(&a);
}
