/*
 * users - the user directory of the orders example: get_user(id) replies with a name, or
 * rejects for an unknown id (the "rejecting callee" of the example). Its argument is read and its
 * reply written by the bindings generated from users.did (build/ic/gen/orders/users.h).
 */
#include <string.h>

#include "asyncwasm/ic_candid.h"
#include "users.h"

static const char *const names[] = {"alice", "bob", "carol"};

/* get_user : (id : nat64) -> (name : text) query */
IC_QUERY(get_user)
{
    users_get_user_in in = {0};
    candid_arena a = {0}; /* what the decoded arguments own (a nat64: nothing) */
    bool ok = users_get_user_in_take(&a, &in);
    candid_arena_free(&a);
    if (!ok)
        return; /* rejected: "get_user: invalid arguments: ..." */
    if (in.id >= 1 && in.id <= 3) {
        const char *name = names[in.id - 1];
        users_get_user_out_reply(&(users_get_user_out){.name = {name, strlen(name)}});
    } else {
        ic_rejectf("no user %llu", (unsigned long long)in.id);
    }
}
