/*
 * ic_mgmt.h - typed async helpers for the management canister (aaaaa-aa).
 *
 * Each helper encodes the Candid argument of one method of the IC's ic.did, attaches the cycles
 * the method needs (priced with the ic0.cost_* imports), performs the call and returns a future
 * of a fixed-size C result, decoded from the reply. The futures fail like any call's future
 * (AW_E_CALL_PERFORM, AW_E_IC_REJECT with the reject code and message), with AW_E_CANDID_DECODE
 * when the reply does not decode at the expected type, and with AW_E_GENERIC before any call when
 * an argument is invalid (an unknown key name or HTTP method). NULL when memory runs out.
 *
 * Each helper performs its call before it returns: the arguments (paths, messages, module
 * bytes) are copied into the call, so they may be freed or reused at once. The cycles attached
 * are exactly the fee the method charges (raw_rand, the key queries, canister_status and
 * install_code charge none); the IC refunds what it does not take. Cancelling a helper's future
 * drops the reply when it comes (the call itself cannot be taken back).
 *
 * The Candid work is done by bindings that `candid gen c` generated from the IC's ic.did for these
 * nine methods (<asyncwasm/ic_mgmt_did.h>, prefix ic_mc, generated at build time into
 * build/candid_gen/mgmt_did/, which the canister build puts on the include path): each helper fills the generated argument struct and
 * calls the generated stub with the cycles attached. A canister that uses none of the helpers
 * links none of that code. For the other management methods, use the ic_mc_ stubs directly (when
 * the method is among the nine) or generate bindings for all of ic.did (docs/candid-gen.md).
 */
#ifndef ASYNCWASM_IC_MGMT_H
#define ASYNCWASM_IC_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ic_async.h"

/* A borrowed byte string (an element of a derivation path, a message). */
typedef struct ic_blob {
    const void *data;
    size_t len;
} ic_blob;

/* raw_rand: a future of 32 random bytes (an ic_random). */
typedef struct ic_random {
    uint8_t bytes[32];
} ic_random;
aw_future *ic_mgmt_raw_rand(void);

/* A threshold public key and its chain code (ecdsa_public_key, schnorr_public_key): SEC1
 * compressed (33 bytes) for secp256k1 ECDSA and BIP340 Schnorr, 32 bytes for Ed25519. */
typedef struct ic_public_key {
    uint8_t public_key[33];
    uint8_t public_key_len;
    uint8_t chain_code[32];
} ic_public_key;

/* A signature: 64 bytes (r||s for ECDSA; BIP340 and Ed25519 signatures). */
typedef struct ic_signature {
    uint8_t signature[64];
    uint8_t len;
} ic_signature;

typedef enum ic_schnorr_algorithm {
    IC_SCHNORR_BIP340_SECP256K1 = 0, /* ic0.cost_sign_with_schnorr numbering */
    IC_SCHNORR_ED25519 = 1,
} ic_schnorr_algorithm;

/* ecdsa_public_key on curve secp256k1 with key `key_name` ("dfx_test_key", "test_key_1",
 * "key_1"): future of an ic_public_key. `canister` NULL means this canister. */
aw_future *ic_mgmt_ecdsa_public_key(const ic_principal *canister, const ic_blob *path,
                                    size_t path_len, const char *key_name);

/* sign_with_ecdsa of a 32-byte message hash: future of an ic_signature. Attaches the fee from
 * ic0.cost_sign_with_ecdsa; a key name that import does not know fails the future at once
 * (AW_E_GENERIC, "sign_with_ecdsa: unknown key name \"...\""), with no call. */
aw_future *ic_mgmt_sign_with_ecdsa(const uint8_t hash[32], const ic_blob *path, size_t path_len,
                                   const char *key_name);

/* schnorr_public_key for algorithm `alg` with key `key_name`: future of an ic_public_key (33
 * bytes for BIP340, 32 for Ed25519). `canister` NULL means this canister. */
aw_future *ic_mgmt_schnorr_public_key(const ic_principal *canister, const ic_blob *path,
                                      size_t path_len, ic_schnorr_algorithm alg,
                                      const char *key_name);

/* sign_with_schnorr of `message` (no BIP341 aux): future of an ic_signature. Attaches the fee
 * from ic0.cost_sign_with_schnorr; an unknown key name fails at once as for ECDSA. */
aw_future *ic_mgmt_sign_with_schnorr(const void *message, size_t len, const ic_blob *path,
                                     size_t path_len, ic_schnorr_algorithm alg,
                                     const char *key_name);

/* http_request (an HTTPS outcall) without transform: future of an ic_http_response whose body is
 * a malloc'd buffer the receiver frees with ic_bytes_free. Attaches the fee from
 * ic0.cost_http_request (priced on the url and body sizes and max_response_bytes). `method` is
 * "get", "head", "post", "put", "delete" or "patch" (another fails at once, with no call);
 * `body` may be NULL; max_response_bytes 0 means the IC's default (2,000,000 bytes). */
typedef struct ic_http_response {
    uint32_t status;
    ic_bytes body;
} ic_http_response;
aw_future *ic_mgmt_http_request(const char *method, const char *url, const ic_blob *body,
                                uint64_t max_response_bytes);

/* canister_status: future of an ic_canister_info. */
typedef struct ic_canister_info {
    ic_canister_status status; /* running, stopping, stopped */
    uint64_t memory_size;      /* bytes (saturated at 2^64 - 1) */
    ic_cycles cycles;          /* balance (saturated at 2^128 - 1) */
    bool has_module;
    uint8_t module_hash[32]; /* SHA-256 of the installed module, when has_module */
} ic_canister_info;
aw_future *ic_mgmt_canister_status(const ic_principal *canister);

/* create_canister with default settings, attaching ic0.cost_create_canister plus `cycles` for the
 * new canister's balance: future of its ic_principal. */
aw_future *ic_mgmt_create_canister(ic_cycles cycles);

/* install_code of `wasm` with the init or upgrade argument `arg` (a Candid message): future with
 * no value. IC_UPGRADE runs the pre_upgrade hook and keeps no Wasm memory (ic.did's options
 * left unset). */
typedef enum ic_install_mode {
    IC_INSTALL = 0,
    IC_REINSTALL = 1,
    IC_UPGRADE = 2,
} ic_install_mode;
aw_future *ic_mgmt_install_code(const ic_principal *canister, ic_install_mode mode,
                                const void *wasm, size_t wasm_len, const void *arg, size_t arg_len);

/* ic0.cost_create_canister: the cycles create_canister charges. */
ic_cycles ic_cost_create_canister(void);

#endif /* ASYNCWASM_IC_MGMT_H */
