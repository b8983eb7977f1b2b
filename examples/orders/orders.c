/*
 * orders - the order book of the orders example: create_order numbers the orders. It traps for
 * product 13 (the "trapping callee" of the example: its caller sees CANISTER_ERROR).
 */
#include "asyncwasm/ic_candid.h"

static uint64_t created;
static ic_types create_arg = IC_TYPES("(nat64, nat64)");

/* (user, product) */
static int read_two(ic_reader *r, void *out)
{
    uint64_t *v = out;
    int rc = ic_read_nat64(r, &v[0]);
    return rc ? rc : ic_read_nat64(r, &v[1]);
}

/* create_order : (user : nat64, product : nat64) -> (order_id : nat64) */
IC_UPDATE(create_order)
{
    uint64_t args[2] = {0, 0}; /* user, product */
    if (!ic_args(&create_arg, read_two, args, "create_order"))
        return;
    if (args[1] == 13)
        ic_trap("create_order: product 13 crashes the order book");
    ic_reply_nat64(++created);
}

/* count : () -> (nat64) query */
IC_QUERY(count)
{
    ic_reply_nat64(created);
}
