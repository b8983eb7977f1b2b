/*
 * users - the user directory of the orders example: get_user(id) replies with a name, or
 * rejects for an unknown id (the "rejecting callee" of the example).
 */
#include "asyncwasm/ic_candid.h"

static ic_types id_arg = IC_TYPES("(nat64)");
static const char *const names[] = {"alice", "bob", "carol"};

static int read_nat64(ic_reader *r, void *out)
{
    return ic_read_nat64(r, out);
}

/* get_user : (id : nat64) -> (name : text) query */
IC_QUERY(get_user)
{
    uint64_t id = 0;
    if (!ic_args(&id_arg, read_nat64, &id, "get_user"))
        return;
    if (id >= 1 && id <= 3)
        ic_reply_text(names[id - 1]);
    else
        ic_rejectf("no user %llu", (unsigned long long)id);
}
