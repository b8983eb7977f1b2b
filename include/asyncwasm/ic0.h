/*
 * ic0.h - the raw Internet Computer System API: all 74 `ic0` imports of interface spec 0.66.0.
 *
 * Each function here is a WebAssembly import from module "ic0" with the wasm32 signature the spec
 * gives (CI "Overview of imports", I = i32 because our canisters have one 32-bit memory). Every
 * pointer argument is a linear-memory address and every size a byte count, both as uint32_t; take
 * an address with (uint32_t)(uintptr_t)ptr. The C names are the spec names with `ic0_` instead of
 * `ic0.` so that the spec can be searched for them.
 *
 * The IC traps when an import is used from a context its table does not list (for example
 * msg_reply in canister_init, call_new in a query). The comment after each declaration repeats the
 * spec's list of allowed contexts: I init/post_upgrade, G pre_upgrade, U update, RQ/NRQ/TQ query,
 * CQ composite query, Ry/Rt reply/reject callback (CRy/CRt in a composite query), C/CC cleanup,
 * F inspect_message, T timer/heartbeat, s the start function; `*` is every context except s.
 *
 * Most code should use the typed helpers of <asyncwasm/ic.h> instead. This header is usable only
 * when compiling for wasm32.
 */
#ifndef ASYNCWASM_IC0_H
#define ASYNCWASM_IC0_H

#include <stdint.h>

#if !defined(__wasm32__)
#error                                                                                             \
    "asyncwasm/ic0.h declares IC System API imports: compile for wasm32 (IC_CC in mk/toolchain.mk)"
#endif

#define IC0_IMPORT(name) __attribute__((import_module("ic0"), import_name(#name)))
#define IC0_NORETURN     __attribute__((noreturn))

/* Message arguments, caller and reject data. */
IC0_IMPORT(msg_arg_data_size) uint32_t ic0_msg_arg_data_size(void); /* I U RQ NRQ TQ CQ Ry CRy F */
IC0_IMPORT(msg_arg_data_copy)
void ic0_msg_arg_data_copy(uint32_t dst, uint32_t offset,
                           uint32_t size);                      /* I U RQ NRQ TQ CQ Ry CRy F */
IC0_IMPORT(msg_caller_size) uint32_t ic0_msg_caller_size(void); /* * */
IC0_IMPORT(msg_caller_copy)
void ic0_msg_caller_copy(uint32_t dst, uint32_t offset, uint32_t size); /* * */
IC0_IMPORT(msg_caller_info_data_size)
uint32_t ic0_msg_caller_info_data_size(void); /* U RQ NRQ CQ Ry Rt CRy CRt C CC F */
IC0_IMPORT(msg_caller_info_data_copy)
void ic0_msg_caller_info_data_copy(uint32_t dst, uint32_t offset, uint32_t size);
IC0_IMPORT(msg_caller_info_signer_size) uint32_t ic0_msg_caller_info_signer_size(void);
IC0_IMPORT(msg_caller_info_signer_copy)
void ic0_msg_caller_info_signer_copy(uint32_t dst, uint32_t offset, uint32_t size);
IC0_IMPORT(msg_reject_code) uint32_t ic0_msg_reject_code(void);         /* Ry Rt CRy CRt C */
IC0_IMPORT(msg_reject_msg_size) uint32_t ic0_msg_reject_msg_size(void); /* Rt CRt */
IC0_IMPORT(msg_reject_msg_copy)
void ic0_msg_reject_msg_copy(uint32_t dst, uint32_t offset, uint32_t size); /* Rt CRt */
IC0_IMPORT(msg_deadline) uint64_t ic0_msg_deadline(void); /* U Q CQ Ry Rt CRy CRt */

/* Replying. */
IC0_IMPORT(msg_reply_data_append) void ic0_msg_reply_data_append(uint32_t src, uint32_t size);
IC0_IMPORT(msg_reply) void ic0_msg_reply(void); /* U RQ NRQ TQ CQ Ry Rt CRy CRt */
IC0_IMPORT(msg_reject)
void ic0_msg_reject(uint32_t src, uint32_t size); /* U RQ NRQ TQ CQ Ry Rt CRy CRt */

/* Cycles of the message (128-bit amounts: (high, low) in, 16 little-endian bytes out). */
IC0_IMPORT(msg_cycles_available128) void ic0_msg_cycles_available128(uint32_t dst); /* U RQ Rt Ry */
IC0_IMPORT(msg_cycles_refunded128) void ic0_msg_cycles_refunded128(uint32_t dst);   /* Rt Ry */
IC0_IMPORT(msg_cycles_accept128)
void ic0_msg_cycles_accept128(uint64_t max_amount_high, uint64_t max_amount_low,
                              uint32_t dst); /* U RQ Rt Ry */
IC0_IMPORT(cycles_burn128)
void ic0_cycles_burn128(uint64_t amount_high, uint64_t amount_low,
                        uint32_t dst); /* I G U RQ Ry Rt C T */

/* The canister itself and its subnet. */
IC0_IMPORT(canister_self_size) uint32_t ic0_canister_self_size(void); /* * */
IC0_IMPORT(canister_self_copy)
void ic0_canister_self_copy(uint32_t dst, uint32_t offset, uint32_t size);              /* * */
IC0_IMPORT(canister_cycle_balance128) void ic0_canister_cycle_balance128(uint32_t dst); /* * */
IC0_IMPORT(canister_liquid_cycle_balance128)
void ic0_canister_liquid_cycle_balance128(uint32_t dst);
IC0_IMPORT(canister_status) uint32_t ic0_canister_status(void);   /* * */
IC0_IMPORT(canister_version) uint64_t ic0_canister_version(void); /* * */
IC0_IMPORT(subnet_self_size) uint32_t ic0_subnet_self_size(void); /* * */
IC0_IMPORT(subnet_self_copy)
void ic0_subnet_self_copy(uint32_t dst, uint32_t offset, uint32_t size); /* * */

/* canister_inspect_message only. */
IC0_IMPORT(msg_method_name_size) uint32_t ic0_msg_method_name_size(void); /* F */
IC0_IMPORT(msg_method_name_copy)
void ic0_msg_method_name_copy(uint32_t dst, uint32_t offset, uint32_t size); /* F */
IC0_IMPORT(accept_message) void ic0_accept_message(void);                    /* F */

/* Inter-canister calls. reply_fun, reject_fun and fun are indices into the function table
 * (a C function pointer cast to uint32_t); each function has type void(uint32_t env). */
IC0_IMPORT(call_new)
void ic0_call_new(uint32_t callee_src, uint32_t callee_size, uint32_t name_src, uint32_t name_size,
                  uint32_t reply_fun, uint32_t reply_env, uint32_t reject_fun,
                  uint32_t reject_env); /* U CQ Ry Rt CRy CRt T */
IC0_IMPORT(call_on_cleanup) void ic0_call_on_cleanup(uint32_t fun, uint32_t env);
IC0_IMPORT(call_data_append) void ic0_call_data_append(uint32_t src, uint32_t size);
IC0_IMPORT(call_with_best_effort_response)
void ic0_call_with_best_effort_response(uint32_t timeout_seconds);
IC0_IMPORT(call_cycles_add128)
void ic0_call_cycles_add128(uint64_t amount_high, uint64_t amount_low); /* U Ry Rt T */
IC0_IMPORT(call_perform) uint32_t ic0_call_perform(void);               /* U CQ Ry Rt CRy CRt T */

/* Stable memory (64-bit API; pages of 64 KiB). */
IC0_IMPORT(stable64_size) uint64_t ic0_stable64_size(void);              /* * s */
IC0_IMPORT(stable64_grow) int64_t ic0_stable64_grow(uint64_t new_pages); /* * s; -1 on failure */
IC0_IMPORT(stable64_write) void ic0_stable64_write(uint64_t offset, uint64_t src, uint64_t size);
IC0_IMPORT(stable64_read) void ic0_stable64_read(uint64_t dst, uint64_t offset, uint64_t size);

/* Certification. */
IC0_IMPORT(root_key_size) uint32_t ic0_root_key_size(void); /* I G U RQ Ry Rt C T */
IC0_IMPORT(root_key_copy) void ic0_root_key_copy(uint32_t dst, uint32_t offset, uint32_t size);
IC0_IMPORT(certified_data_set)
void ic0_certified_data_set(uint32_t src, uint32_t size); /* I G U Ry Rt T */
IC0_IMPORT(data_certificate_present) uint32_t ic0_data_certificate_present(void); /* * */
IC0_IMPORT(data_certificate_size) uint32_t ic0_data_certificate_size(void);       /* NRQ CQ */
IC0_IMPORT(data_certificate_copy)
void ic0_data_certificate_copy(uint32_t dst, uint32_t offset, uint32_t size); /* NRQ CQ */

/* Time, timer, performance, environment. */
IC0_IMPORT(time) uint64_t ic0_time(void); /* * */
IC0_IMPORT(global_timer_set)
uint64_t ic0_global_timer_set(uint64_t timestamp); /* I G U Ry Rt C T */
IC0_IMPORT(performance_counter) uint64_t ic0_performance_counter(uint32_t counter_type); /* * s */
IC0_IMPORT(is_controller) uint32_t ic0_is_controller(uint32_t src, uint32_t size);       /* * s */
IC0_IMPORT(in_replicated_execution) uint32_t ic0_in_replicated_execution(void);          /* * s */

/* Cost of operations (results as 16 little-endian bytes at dst). */
IC0_IMPORT(cost_call)
void ic0_cost_call(uint64_t method_name_size, uint64_t payload_size, uint32_t dst); /* * s */
IC0_IMPORT(cost_create_canister) void ic0_cost_create_canister(uint32_t dst);       /* * s */
IC0_IMPORT(cost_http_request)
void ic0_cost_http_request(uint64_t request_size, uint64_t max_res_bytes, uint32_t dst);
IC0_IMPORT(cost_sign_with_ecdsa)
uint32_t ic0_cost_sign_with_ecdsa(uint32_t src, uint32_t size, uint32_t ecdsa_curve,
                                  uint32_t dst); /* * s */
IC0_IMPORT(cost_sign_with_schnorr)
uint32_t ic0_cost_sign_with_schnorr(uint32_t src, uint32_t size, uint32_t algorithm,
                                    uint32_t dst); /* * s */
IC0_IMPORT(cost_vetkd_derive_key)
uint32_t ic0_cost_vetkd_derive_key(uint32_t src, uint32_t size, uint32_t vetkd_curve,
                                   uint32_t dst); /* * s */

/* Environment variables of the canister. */
IC0_IMPORT(env_var_count) uint32_t ic0_env_var_count(void);                   /* * */
IC0_IMPORT(env_var_name_size) uint32_t ic0_env_var_name_size(uint32_t index); /* * */
IC0_IMPORT(env_var_name_copy)
void ic0_env_var_name_copy(uint32_t index, uint32_t dst, uint32_t offset, uint32_t size); /* * */
IC0_IMPORT(env_var_name_exists)
uint32_t ic0_env_var_name_exists(uint32_t name_src, uint32_t name_size); /* * */
IC0_IMPORT(env_var_value_size)
uint32_t ic0_env_var_value_size(uint32_t name_src, uint32_t name_size); /* * */
IC0_IMPORT(env_var_value_copy)
void ic0_env_var_value_copy(uint32_t name_src, uint32_t name_size, uint32_t dst, uint32_t offset,
                            uint32_t size); /* * */

/* Debugging. */
IC0_IMPORT(debug_print) void ic0_debug_print(uint32_t src, uint32_t size); /* * s */
IC0_IMPORT(trap) IC0_NORETURN void ic0_trap(uint32_t src, uint32_t size);  /* * s */

/* wasm32-only imports (the 64-bit cycle and 32-bit stable variants; stable_* is deprecated). */
IC0_IMPORT(msg_cycles_available) uint64_t ic0_msg_cycles_available(void);          /* U RQ Rt Ry */
IC0_IMPORT(msg_cycles_refunded) uint64_t ic0_msg_cycles_refunded(void);            /* Rt Ry */
IC0_IMPORT(msg_cycles_accept) uint64_t ic0_msg_cycles_accept(uint64_t max_amount); /* U RQ Rt Ry */
IC0_IMPORT(canister_cycle_balance) uint64_t ic0_canister_cycle_balance(void);      /* * */
IC0_IMPORT(call_cycles_add) void ic0_call_cycles_add(uint64_t amount);             /* U Ry Rt T */
IC0_IMPORT(stable_size) uint32_t ic0_stable_size(void);                            /* * s */
IC0_IMPORT(stable_grow) int32_t ic0_stable_grow(uint32_t new_pages); /* * s; -1 on failure */
IC0_IMPORT(stable_write) void ic0_stable_write(uint32_t offset, uint32_t src, uint32_t size);
IC0_IMPORT(stable_read) void ic0_stable_read(uint32_t dst, uint32_t offset, uint32_t size);

#endif /* ASYNCWASM_IC0_H */
