/*
 * users - the user directory of the orders example: get_user(id) replies with a name, or
 * rejects for an unknown id (the "rejecting callee" of the example). Its argument is read and its
 * reply written by the bindings generated from users.did (build/ic/gen/orders/users.h).
 */
#include <string.h>

#include "asyncwasm/ic_candid.h"
#include "users.h"

/* The reader's own types: none. The generated binding decodes the whole message, so the
 * method's arguments are extra arguments to the reader, which checks them and skips them. */
static ic_types whole_message = IC_TYPES("()");
static const char *const names[] = {"alice", "bob", "carol"};

static int read_get_user(ic_reader *r, void *in)
{
    candid_arena a = {0}; /* a nat64 owns nothing: freed at once */
    int rc = users_get_user_in_args(r, &a, in);
    candid_arena_free(&a);
    return rc;
}

/* get_user : (id : nat64) -> (name : text) query */
IC_QUERY(get_user)
{
    users_get_user_in in = {0};
    if (!ic_args(&whole_message, read_get_user, &in, "get_user"))
        return;
    if (in.id >= 1 && in.id <= 3) {
        const char *name = names[in.id - 1];
        users_get_user_out_reply(&(users_get_user_out){.name = {name, strlen(name)}});
    } else {
        ic_rejectf("no user %llu", (unsigned long long)in.id);
    }
}
