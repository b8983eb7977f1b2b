/*
 * async_t_ecdsa - the seed's getPublicKey: awaits the management canister's ecdsa_public_key for
 * a key derived from the caller's principal and replies with the key and its chain code.
 *
 *     dfx canister call async_t_ecdsa getPublicKey
 *     (record { public_key = blob "\02..."; chain_code = blob "..." })
 *
 * The call goes through ic_mgmt_ecdsa_public_key (<asyncwasm/ic_mgmt.h>, itself written over
 * bindings generated from the IC's ic.did); the reply is written by the bindings `candid gen c`
 * generated from async_t_ecdsa.did (build/ic/gen/async_t_ecdsa/), so no Candid is spelled here.
 */
#include "asyncwasm/ic_mgmt.h"
#include "async_t_ecdsa.h"

typedef struct get_public_key {
    aw_task task;
    ic_principal caller;
    ic_blob path[1]; /* the derivation path: [caller] */
    ic_public_key key;
} get_public_key;

AW_ASYNC(get_public_key, get_public_key_run)
static aw_status get_public_key_run(get_public_key *f)
{
    AW_BEGIN(f);
    f->caller = ic_caller();
    f->path[0] = (ic_blob){f->caller.bytes, f->caller.len};
    AW_AWAIT(f, ic_mgmt_ecdsa_public_key(NULL, f->path, 1, "dfx_test_key"), &f->key);
    async_t_ecdsa_getPublicKey_out_reply(&(async_t_ecdsa_getPublicKey_out){
        .ret0 = {.public_key = {f->key.public_key, f->key.public_key_len},
                 .chain_code = {f->key.chain_code, sizeof f->key.chain_code}}});
    AW_END(f);
}
IC_UPDATE_ASYNC(getPublicKey, get_public_key, get_public_key_run, NULL, NULL)
