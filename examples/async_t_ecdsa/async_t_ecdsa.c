/*
 * async_t_ecdsa - the seed's getPublicKey: awaits the management canister's ecdsa_public_key for
 * a key derived from the caller's principal and replies with the key and its chain code.
 *
 *     dfx canister call async_t_ecdsa getPublicKey
 *     (record { public_key = blob "\02..."; chain_code = blob "..." })
 */
#include "asyncwasm/ic_mgmt.h"

/* The reply type; fields in field-id order: public_key, chain_code. */
static ic_types result_type = IC_TYPES("(record { public_key : blob; chain_code : blob })");

typedef struct get_public_key {
    aw_task task;
    ic_principal caller;
    ic_public_key key;
} get_public_key;

/* ecdsa_public_key of this canister's key under the derivation path [caller]. */
static aw_future *request_key(const ic_principal *caller)
{
    ic_blob path = {caller->bytes, caller->len};
    return ic_mgmt_ecdsa_public_key(NULL, &path, 1, "dfx_test_key");
}

AW_ASYNC(get_public_key, get_public_key_run)
static aw_status get_public_key_run(get_public_key *f)
{
    AW_BEGIN(f);
    f->caller = ic_caller();
    AW_AWAIT(f, request_key(&f->caller), &f->key);
    {
        ic_writer w;
        ic_writer_begin(&w, &result_type);
        ic_write_blob(&w, f->key.public_key, f->key.public_key_len);
        ic_write_blob(&w, f->key.chain_code, sizeof f->key.chain_code);
        ic_reply_writer(&w);
    }
    AW_END(f);
}
IC_UPDATE_ASYNC(getPublicKey, get_public_key, get_public_key_run, NULL, NULL)
