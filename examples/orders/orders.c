/*
 * orders - the order book of the orders example: create_order numbers the orders. It traps for
 * product 13 (the "trapping callee" of the example: its caller sees CANISTER_ERROR). Its
 * arguments are read and its replies written by the bindings generated from orders.did
 * (build/ic/gen/orders/orders.h).
 */
#include "asyncwasm/ic_candid.h"
#include "orders.h"

static uint64_t created;

/* create_order : (user : nat64, product : nat64) -> (order_id : nat64) */
IC_UPDATE(create_order)
{
    orders_create_order_in in = {0};
    candid_arena a = {0}; /* what the decoded arguments own (a nat64: nothing) */
    bool ok = orders_create_order_in_take(&a, &in);
    candid_arena_free(&a);
    if (!ok)
        return; /* rejected: "create_order: invalid arguments: ..." */
    if (in.product == 13)
        ic_trap("create_order: product 13 crashes the order book");
    orders_create_order_out_reply(&(orders_create_order_out){.order_id = ++created});
}

/* count : () -> (nat64) query. Its message is checked too: bytes that are not the empty argument
 * list (or one with extra arguments, which Candid ignores) are rejected. */
IC_QUERY(count)
{
    orders_count_in in = {0};
    candid_arena a = {0};
    bool ok = orders_count_in_take(&a, &in);
    candid_arena_free(&a);
    if (ok)
        orders_count_out_reply(&(orders_count_out){.ret0 = created});
}
