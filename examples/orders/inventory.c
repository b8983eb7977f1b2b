/*
 * inventory - the stock of the orders example: reserve(product) takes one unit if there is one.
 * Initial stock: product 1: 2 units, product 2: none, product 13: 5, product 666: 10.
 */
#include "asyncwasm/ic_candid.h"

static struct {
    uint64_t product, units;
} stock[] = {{1, 2}, {2, 0}, {13, 5}, {666, 10}};

static ic_types product_arg = IC_TYPES("(nat64)");

static int read_nat64(ic_reader *r, void *out)
{
    return ic_read_nat64(r, out);
}

/* The product id argument; rejects and returns false when it does not decode. */
static bool read_product(uint64_t *product, const char *method)
{
    return ic_args(&product_arg, read_nat64, product, method);
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
    uint64_t product;
    if (!read_product(&product, "reserve"))
        return;
    uint64_t *units = units_of(product);
    bool ok = units && *units > 0;
    if (ok)
        --*units;
    ic_reply_bool(ok);
}

/* stock : (product : nat64) -> (nat64) query */
IC_QUERY(stock)
{
    uint64_t product;
    if (!read_product(&product, "stock"))
        return;
    uint64_t *units = units_of(product);
    ic_reply_nat64(units ? *units : 0);
}
