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
    candid_arena a = {0}; /* what the decoded arguments own (a nat64: nothing) */
    bool ok = inventory_reserve_in_take(&a, &in);
    candid_arena_free(&a);
    if (!ok)
        return; /* rejected: "reserve: invalid arguments: ..." */
    uint64_t *units = units_of(in.product);
    bool available = units && *units > 0;
    if (available)
        --*units;
    inventory_reserve_out_reply(&(inventory_reserve_out){.available = available});
}

/* stock : (product : nat64) -> (nat64) query */
IC_QUERY(stock)
{
    inventory_stock_in in = {0};
    candid_arena a = {0}; /* what the decoded arguments own (a nat64: nothing) */
    bool ok = inventory_stock_in_take(&a, &in);
    candid_arena_free(&a);
    if (!ok)
        return; /* rejected: "stock: invalid arguments: ..." */
    uint64_t *units = units_of(in.product);
    inventory_stock_out_reply(&(inventory_stock_out){.ret0 = units ? *units : 0});
}
