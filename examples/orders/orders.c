/*
 * orders - the order book of the orders example: create_order numbers the orders. It traps for
 * product 13 (the "trapping callee" of the example: its caller sees CANISTER_ERROR).
 */
#include "asyncwasm/ic_candid.h"

static uint64_t created;
static ic_types create_arg = IC_TYPES("(nat64, nat64)");

/* create_order : (user : nat64, product : nat64) -> (order_id : nat64) */
IC_UPDATE(create_order)
{
    ic_reader r;
    uint64_t user = 0, product = 0;
    int rc = ic_read_args(&r, &create_arg);
    if (rc == 0)
        rc = ic_read_nat64(&r, &user);
    if (rc == 0)
        rc = ic_read_nat64(&r, &product);
    if (rc == 0)
        rc = ic_reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc != 0) {
        ic_rejectf("create_order: invalid arguments: %s", ic_reader_error(&r));
        return;
    }
    if (product == 13)
        ic_trap("create_order: product 13 crashes the order book");
    ic_reply_nat64(++created);
}

/* count : () -> (nat64) query */
IC_QUERY(count)
{
    ic_reply_nat64(created);
}
