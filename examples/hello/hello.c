/*
 * hello - the smallest canister: a query, an update with a counter, and the caller's principal.
 * It uses only the synchronous API of <asyncwasm/ic.h>; see examples/orders for await.
 */
#include <stdio.h>
#include <string.h>

#include "asyncwasm/ic.h"
#include "asyncwasm/ic_candid.h"

static uint64_t counter; /* wasm memory: kept between messages, lost on upgrade */

/* The argument type of the methods that take none. Their message is still read: bytes that are
 * not a Candid message of (at least) zero arguments are rejected with the decoder's message. */
static ic_types no_args = IC_TYPES("()");

/* greet : (text) -> (text) query. The argument is decoded by hand here: "DIDL", no types, one
 * `text`; anything else is rejected with a message rather than trapping. */
IC_QUERY(greet)
{
    uint8_t arg[128];
    size_t n = ic_arg_size();
    if (n > sizeof arg || n < 8 || (ic_arg_copy(arg, 0, n), memcmp(arg, "DIDL\x00\x01\x71", 7)) ||
        arg[7] != n - 8) {
        ic_reject("greet: expected one short text argument");
        return;
    }
    char out[160];
    int len = snprintf(out, sizeof out, "Hello, %.*s!", (int)(n - 8), (const char *)arg + 8);
    ic_reply_text_n(out, (size_t)len);
}

/* inc : () -> (nat64) */
IC_UPDATE(inc)
{
    if (!ic_args(&no_args, NULL, NULL, "inc"))
        return; /* rejected: "inc: invalid arguments: ..." */
    counter++;
    printf("counter is now %llu\n", (unsigned long long)counter);
    ic_reply_nat64(counter);
}

/* whoami : () -> (principal) query */
IC_QUERY(whoami)
{
    if (!ic_args(&no_args, NULL, NULL, "whoami"))
        return;
    ic_principal p = ic_caller();
    ic_reply_principal(&p);
}
