/*
 * front - the orders example's entry canister: place_order(user, product) awaits the users,
 * inventory and orders canisters in sequence, as straight-line code (the seeds' processOrder).
 *
 * A user may have one order in progress at a time: place_order takes a per-user lock before its
 * first await and releases it in FINALLY, which runs on success, on every error (a rejecting or
 * trapping callee, out of stock) and when one of its own callbacks traps (then from the IC's
 * cleanup callback: product 666 makes the continuation trap after the order was created).
 * Between two awaits other messages run: a second order of the same user sees the lock.
 */
#include <stdio.h>
#include <string.h>

#include "asyncwasm/ic_async.h"

static ic_principal users, inventory, orders;

static ic_types init_arg = IC_TYPES("(principal, principal, principal)");
static ic_types nat64_arg = IC_TYPES("(nat64)");
static ic_types two_nat64 = IC_TYPES("(nat64, nat64)");
static ic_types text_result = IC_TYPES("(text)");
static ic_types bool_result = IC_TYPES("(bool)");
static ic_types nat64_result = IC_TYPES("(nat64)");

/* init (users, inventory, orders): a bad argument makes the install fail (init cannot reject). */
IC_INIT()
{
    ic_reader r;
    int rc = ic_read_args(&r, &init_arg);
    if (rc == 0)
        rc = ic_read_principal(&r, &users);
    if (rc == 0)
        rc = ic_read_principal(&r, &inventory);
    if (rc == 0)
        rc = ic_read_principal(&r, &orders);
    if (rc == 0)
        rc = ic_reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "front: init expects (users, inventory, orders): %s",
                 ic_reader_error(&r));
        ic_trap(msg);
    }
}

/* ---- per-user locks (state committed at each await: they outlive the messages) ------------- */

static uint64_t locks[16];
static size_t nlocks;

static bool is_locked(uint64_t user)
{
    for (size_t i = 0; i < nlocks; i++)
        if (locks[i] == user)
            return true;
    return false;
}

static bool lock(uint64_t user)
{
    if (is_locked(user) || nlocks == sizeof locks / sizeof locks[0])
        return false;
    locks[nlocks++] = user;
    return true;
}

static void unlock(uint64_t user)
{
    for (size_t i = 0; i < nlocks; i++)
        if (locks[i] == user) {
            locks[i] = locks[--nlocks];
            return;
        }
}

/* ---- typed calls ----------------------------------------------------------------------------- */

/* callee.method(a) or callee.method(a, b) with nat64 arguments: the future of the reply. */
static aw_future *call_nat64(const ic_principal *callee, const char *method, uint64_t a,
                             const uint64_t *b)
{
    ic_writer w;
    ic_writer_begin(&w, b ? &two_nat64 : &nat64_arg);
    ic_write_nat64(&w, a);
    if (b)
        ic_write_nat64(&w, *b);
    aw_future *fut = w.error ? aw_future_failed(aw_error_new(AW_E_GENERIC, w.error, "encode"))
                             : ic_call_raw(callee, method, w.data, w.len);
    ic_writer_free(&w);
    return fut;
}

static int read_text(ic_reader *r, void *out)
{
    char *name = out; /* 32 bytes */
    const char *s;
    size_t n;
    int rc = ic_read_text(r, &s, &n);
    if (rc == 0) {
        n = n < 31 ? n : 31;
        memcpy(name, s, n);
        name[n] = 0;
    }
    return rc;
}

static int read_bool(ic_reader *r, void *out)
{
    return ic_read_bool(r, out);
}

static int read_nat64(ic_reader *r, void *out)
{
    return ic_read_nat64(r, out);
}

/* ---- place_order --------------------------------------------------------------------------- */

typedef struct place_order {
    aw_task task;
    uint64_t user_id, product_id; /* arguments */
    bool locked;                  /* this order holds the user's lock */
    ic_bytes reply;               /* the last call's reply */
    char name[32];                /* results */
    bool reserved;
    uint64_t order_id;
} place_order;

static int place_order_args(ic_reader *r, void *frame)
{
    place_order *f = frame;
    int rc = ic_read_nat64(r, &f->user_id);
    return rc ? rc : ic_read_nat64(r, &f->product_id);
}

/* Decode f->reply with `read` into `out`, then free it; an error to throw, or NULL. */
static aw_error *take(place_order *f, ic_types *t, ic_read_fn read, void *out, const char *what)
{
    aw_error *err = ic_decode(f->reply.data, f->reply.len, t, read, out, what);
    ic_bytes_free(&f->reply);
    return err;
}

AW_ASYNC(place_order, place_order_run)
static aw_status place_order_run(place_order *f)
{
    aw_error *err;
    AW_BEGIN(f);
    if (!lock(f->user_id)) {
        err = aw_error_newf(AW_E_APP, 1, "user %llu already has an order in progress",
                            (unsigned long long)f->user_id);
        AW_THROW_ERROR(f, err); /* busy */
    }
    f->locked = true;

    AW_AWAIT(f, call_nat64(&users, "get_user", f->user_id, NULL), &f->reply);
    if ((err = take(f, &text_result, read_text, f->name, "users.get_user reply")))
        AW_THROW_ERROR(f, err);

    AW_AWAIT(f, call_nat64(&inventory, "reserve", f->product_id, NULL), &f->reply);
    if ((err = take(f, &bool_result, read_bool, &f->reserved, "inventory.reserve reply")))
        AW_THROW_ERROR(f, err);
    if (!f->reserved) {
        err = aw_error_newf(AW_E_APP, 2, "product %llu is out of stock",
                            (unsigned long long)f->product_id);
        AW_THROW_ERROR(f, err); /* out of stock */
    }

    AW_AWAIT(f, call_nat64(&orders, "create_order", f->user_id, &f->product_id), &f->reply);
    if ((err = take(f, &nat64_result, read_nat64, &f->order_id, "orders.create_order reply")))
        AW_THROW_ERROR(f, err);
    if (f->product_id == 666)
        ic_trap("place_order: product 666 traps after the order was created");

    {
        char text[96];
        int n =
            snprintf(text, sizeof text, "order %llu: %s bought product %llu",
                     (unsigned long long)f->order_id, f->name, (unsigned long long)f->product_id);
        ic_reply_text_n(text, (size_t)n);
    }
    AW_FINALLY(f);
    if (f->locked)
        unlock(f->user_id);
    ic_bytes_free(&f->reply);
    AW_END(f);
}
IC_UPDATE_ASYNC(place_order, place_order, place_order_run, &two_nat64, place_order_args)

/* locked : (user : nat64) -> (bool) query */
IC_QUERY(locked)
{
    uint64_t user = 0;
    if (ic_args(&nat64_arg, read_nat64, &user, "locked"))
        ic_reply_bool(is_locked(user));
}
