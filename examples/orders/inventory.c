/*
 * inventory - the stock of the orders example: reserve(product) takes one unit if there is one.
 * Initial stock: product 1: 2 units, product 2: none, product 13: 5, product 666: 10. Its
 * arguments are read and its replies written by the bindings generated from inventory.did
 * (build/ic/gen/orders/inventory.h).
 */
#include "asyncwasm/ic_candid.h"
#include "inventory.h"

static struct {
    uint64_t product, units;
} stock[] = {{1, 2}, {2, 0}, {13, 5}, {666, 10}};

/* The reader's own types: none. The generated bindings decode the whole message, so a method's
 * arguments are extra arguments to the reader, which checks them and skips them. */
static ic_types whole_message = IC_TYPES("()");

static int read_reserve(ic_reader *r, void *in)
{
    candid_arena a = {0}; /* a nat64 owns nothing: freed at once */
    int rc = inventory_reserve_in_args(r, &a, in);
    candid_arena_free(&a);
    return rc;
}

static int read_stock(ic_reader *r, void *in)
{
    candid_arena a = {0};
    int rc = inventory_stock_in_args(r, &a, in);
    candid_arena_free(&a);
    return rc;
}

static uint64_t *units_of(uint64_t product)
{
    for (size_t i = 0; i < sizeof stock / sizeof stock[0]; i++)
        if (stock[i].product == product)
            return &stock[i].units;
    return NULL;
}

/* reserve : (product : nat64) -> (available : bool) */
IC_UPDATE(reserve)
{
    inventory_reserve_in in = {0};
    if (!ic_args(&whole_message, read_reserve, &in, "reserve"))
        return;
    uint64_t *units = units_of(in.product);
    bool ok = units && *units > 0;
    if (ok)
        --*units;
    inventory_reserve_out_reply(&(inventory_reserve_out){.available = ok});
}

/* stock : (product : nat64) -> (nat64) query */
IC_QUERY(stock)
{
    inventory_stock_in in = {0};
    if (!ic_args(&whole_message, read_stock, &in, "stock"))
        return;
    uint64_t *units = units_of(in.product);
    inventory_stock_out_reply(&(inventory_stock_out){.ret0 = units ? *units : 0});
}
