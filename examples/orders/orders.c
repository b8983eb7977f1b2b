/*
 * orders - the order book of the orders example: create_order numbers the orders. It traps for
 * product 13 (the "trapping callee" of the example: its caller sees CANISTER_ERROR). Its
 * arguments are read and its replies written by the bindings generated from orders.did
 * (build/ic/gen/orders/orders.h).
 */
#include "asyncwasm/ic_candid.h"
#include "orders.h"

static uint64_t created;

/* The reader's own types: none. The generated bindings decode the whole message, so a method's
 * arguments are extra arguments to the reader, which checks them and skips them. */
static ic_types whole_message = IC_TYPES("()");

static int read_create_order(ic_reader *r, void *in)
{
    candid_arena a = {0}; /* nat64 values own nothing: freed at once */
    int rc = orders_create_order_in_args(r, &a, in);
    candid_arena_free(&a);
    return rc;
}

static int read_count(ic_reader *r, void *in)
{
    candid_arena a = {0};
    int rc = orders_count_in_args(r, &a, in);
    candid_arena_free(&a);
    return rc;
}

/* create_order : (user : nat64, product : nat64) -> (order_id : nat64) */
IC_UPDATE(create_order)
{
    orders_create_order_in in = {0};
    if (!ic_args(&whole_message, read_create_order, &in, "create_order"))
        return;
    if (in.product == 13)
        ic_trap("create_order: product 13 crashes the order book");
    orders_create_order_out_reply(&(orders_create_order_out){.order_id = ++created});
}

/* count : () -> (nat64) query. Its message is checked too: bytes that are not the empty argument
 * list (or one with extra arguments, which Candid ignores) are rejected. */
IC_QUERY(count)
{
    orders_count_in in = {0};
    if (ic_args(&whole_message, read_count, &in, "count"))
        orders_count_out_reply(&(orders_count_out){.ret0 = created});
}
