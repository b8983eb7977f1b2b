/*
 * users - the user directory of the orders example: get_user(id) replies with a name, or
 * rejects for an unknown id (the "rejecting callee" of the example).
 */
#include "asyncwasm/ic_candid.h"

static ic_types id_arg = IC_TYPES("(nat64)");
static const char *const names[] = {"alice", "bob", "carol"};

/* get_user : (id : nat64) -> (name : text) query */
IC_QUERY(get_user)
{
    ic_reader r;
    uint64_t id = 0;
    int rc = ic_read_args(&r, &id_arg);
    if (rc == 0)
        rc = ic_read_nat64(&r, &id);
    if (rc == 0)
        rc = ic_reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc != 0)
        ic_rejectf("get_user: invalid arguments: %s", ic_reader_error(&r));
    else if (id >= 1 && id <= 3)
        ic_reply_text(names[id - 1]);
    else
        ic_rejectf("no user %llu", (unsigned long long)id);
}
