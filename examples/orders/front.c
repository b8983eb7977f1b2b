/*
 * front - the orders example's entry canister: placeOrder(user, product) awaits the users,
 * inventory and orders canisters in sequence, as straight-line code (the seeds' processOrder).
 * Each call goes through a typed stub that `candid gen c` generated from the callee's .did
 * (build/ic/gen/orders/): it encodes the argument struct, performs the call and decodes the
 * reply into the frame, so the code below handles C values only.
 *
 * A user may have one order in progress at a time: placeOrder takes a per-user lock before its
 * first await and releases it in FINALLY, which runs on success, on every error (a rejecting or
 * trapping callee, out of stock) and when one of its own callbacks traps (then from the IC's
 * cleanup callback: product 666 makes the continuation trap after the order was created).
 * Between two awaits other messages run: a second order of the same user sees the lock.
 */
#include <stdio.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "front.h"     /* generated from front.did: placeOrder's arguments and reply */
#include "inventory.h" /* generated from inventory.did: the inventory_reserve stub */
#include "orders.h"    /* generated from orders.did: the orders_create_order stub */
#include "users.h"     /* generated from users.did: the users_get_user stub */

static ic_principal users, inventory, orders;

static ic_types init_arg = IC_TYPES("(principal, principal, principal)");
static ic_types nat64_arg = IC_TYPES("(nat64)");

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

/* ---- placeOrder ----------------------------------------------------------------------------- */

/* The frame: the arguments, the lock flag, and the typed reply of each call (decoded by the
 * stubs generated from users.did, inventory.did and orders.did; each reply owns an arena). */
typedef struct place_order {
    aw_task task;
    candid_arena arena;               /* the decoded arguments */
    front_placeOrder_in in;           /* user, product */
    bool locked;                      /* this order holds the user's lock */
    orders_create_order_in new_order; /* the order to create */
    users_get_user_reply user;        /* .out.name */
    inventory_reserve_reply stock;    /* .out.available */
    orders_create_order_reply order;  /* .out.order_id */
} place_order;

/* The arguments, read by the bindings generated from front.did from the runtime's reader, which
 * was started at their types (front_placeOrder_in_types, below): one decoding of the message, on
 * the reader's fast path when its header is exactly (nat64, nat64). */
static int place_order_args(ic_reader *r, void *frame)
{
    place_order *f = frame;
    return front_placeOrder_in_from(r, &f->arena, &f->in);
}

AW_ASYNC(place_order, place_order_run)
static aw_status place_order_run(place_order *f)
{
    AW_BEGIN(f);
    if (!lock(f->in.user))
        AW_THROW_ERROR(f, aw_error_newf(AW_E_APP, 1, "user %llu already has an order in progress",
                                        (unsigned long long)f->in.user)); /* busy */
    f->locked = true;

    AW_AWAIT(f, users_get_user(&users, &(users_get_user_in){f->in.user}), &f->user);
    AW_AWAIT(f, inventory_reserve(&inventory, &(inventory_reserve_in){f->in.product}), &f->stock);
    if (!f->stock.out.available)
        AW_THROW_ERROR(f, aw_error_newf(AW_E_APP, 2, "product %llu is out of stock",
                                        (unsigned long long)f->in.product)); /* out of stock */
    f->new_order = (orders_create_order_in){.user = f->in.user, .product = f->in.product};
    AW_AWAIT(f, orders_create_order(&orders, &f->new_order), &f->order);
    if (f->in.product == 666)
        ic_trap("placeOrder: product 666 traps after the order was created");

    {
        char text[96];
        int n = snprintf(text, sizeof text, "order %llu: %.*s bought product %llu",
                         (unsigned long long)f->order.out.order_id, (int)f->user.out.name.len,
                         f->user.out.name.data, (unsigned long long)f->in.product);
        size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
        front_placeOrder_out_reply(&(front_placeOrder_out){.ret0 = {text, len}});
    }
    AW_FINALLY(f);
    if (f->locked)
        unlock(f->in.user);
    candid_arena_free(&f->arena);
    candid_arena_free(&f->user.arena);
    candid_arena_free(&f->stock.arena);
    candid_arena_free(&f->order.arena);
    AW_END(f);
}
IC_UPDATE_ASYNC(placeOrder, place_order, place_order_run, &front_placeOrder_in_types,
                place_order_args)

static int read_nat64(ic_reader *r, void *out)
{
    return ic_read_nat64(r, out);
}

/* locked : (user : nat64) -> (bool) query */
IC_QUERY(locked)
{
    uint64_t user = 0;
    if (ic_args(&nat64_arg, read_nat64, &user, "locked"))
        ic_reply_bool(is_locked(user));
}
