/*
 * inventory - the stock of the orders example: reserve(product) takes one unit if there is one.
 * Initial stock: product 1: 2 units, product 2: none, product 13: 5, product 666: 10.
 */
#include "asyncwasm/ic_candid.h"

static struct {
    uint64_t product, units;
} stock[] = {{1, 2}, {2, 0}, {13, 5}, {666, 10}};

static ic_types product_arg = IC_TYPES("(nat64)");

/* The product id argument; rejects and returns false when it does not decode. */
static bool read_product(uint64_t *product, const char *method)
{
    ic_reader r;
    int rc = ic_read_args(&r, &product_arg);
    if (rc == 0)
        rc = ic_read_nat64(&r, product);
    if (rc == 0)
        rc = ic_reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc != 0)
        ic_rejectf("%s: invalid arguments: %s", method, ic_reader_error(&r));
    return rc == 0;
}

static uint64_t *units_of(uint64_t product)
{
    for (size_t i = 0; i < sizeof stock / sizeof stock[0]; i++)
        if (stock[i].product == product)
            return &stock[i].units;
    return NULL;
}

/* reserve : (product : nat64) -> (reserved : bool) */
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
