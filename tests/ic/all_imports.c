/*
 * all_imports.c - a module that calls every declaration of <asyncwasm/ic0.h> once, so that the
 * linked module imports all 74 functions; tests/ic/check_modules.sh then compares each import's
 * name and wasm type with the spec's list (tests/ic/ic0-signatures.txt). It is never run.
 */
#include "asyncwasm/ic0.h"

__attribute__((export_name("canister_update all"))) void all(void);
void all(void)
{
    uint32_t a = 0;
    uint64_t b = 0;
    a += ic0_msg_arg_data_size();
    ic0_msg_arg_data_copy(a, a, a);
    a += ic0_msg_caller_size();
    ic0_msg_caller_copy(a, a, a);
    a += ic0_msg_caller_info_data_size();
    ic0_msg_caller_info_data_copy(a, a, a);
    a += ic0_msg_caller_info_signer_size();
    ic0_msg_caller_info_signer_copy(a, a, a);
    a += ic0_msg_reject_code();
    a += ic0_msg_reject_msg_size();
    ic0_msg_reject_msg_copy(a, a, a);
    b += ic0_msg_deadline();
    ic0_msg_reply_data_append(a, a);
    ic0_msg_reply();
    ic0_msg_reject(a, a);
    ic0_msg_cycles_available128(a);
    ic0_msg_cycles_refunded128(a);
    ic0_msg_cycles_accept128(b, b, a);
    ic0_cycles_burn128(b, b, a);
    a += ic0_canister_self_size();
    ic0_canister_self_copy(a, a, a);
    ic0_canister_cycle_balance128(a);
    ic0_canister_liquid_cycle_balance128(a);
    a += ic0_canister_status();
    b += ic0_canister_version();
    a += ic0_subnet_self_size();
    ic0_subnet_self_copy(a, a, a);
    a += ic0_msg_method_name_size();
    ic0_msg_method_name_copy(a, a, a);
    ic0_accept_message();
    ic0_call_new(a, a, a, a, a, a, a, a);
    ic0_call_on_cleanup(a, a);
    ic0_call_data_append(a, a);
    ic0_call_with_best_effort_response(a);
    ic0_call_cycles_add128(b, b);
    a += ic0_call_perform();
    b += ic0_stable64_size();
    b += (uint64_t)ic0_stable64_grow(b);
    ic0_stable64_write(b, b, b);
    ic0_stable64_read(b, b, b);
    a += ic0_root_key_size();
    ic0_root_key_copy(a, a, a);
    ic0_certified_data_set(a, a);
    a += ic0_data_certificate_present();
    a += ic0_data_certificate_size();
    ic0_data_certificate_copy(a, a, a);
    b += ic0_time();
    b += ic0_global_timer_set(b);
    b += ic0_performance_counter(a);
    a += ic0_is_controller(a, a);
    a += ic0_in_replicated_execution();
    ic0_cost_call(b, b, a);
    ic0_cost_create_canister(a);
    ic0_cost_http_request(b, b, a);
    a += ic0_cost_sign_with_ecdsa(a, a, a, a);
    a += ic0_cost_sign_with_schnorr(a, a, a, a);
    a += ic0_cost_vetkd_derive_key(a, a, a, a);
    a += ic0_env_var_count();
    a += ic0_env_var_name_size(a);
    ic0_env_var_name_copy(a, a, a, a);
    a += ic0_env_var_name_exists(a, a);
    a += ic0_env_var_value_size(a, a);
    ic0_env_var_value_copy(a, a, a, a, a);
    ic0_debug_print(a, a);
    b += ic0_msg_cycles_available();
    b += ic0_msg_cycles_refunded();
    b += ic0_msg_cycles_accept(b);
    b += ic0_canister_cycle_balance();
    ic0_call_cycles_add(b);
    a += ic0_stable_size();
    a += (uint32_t)ic0_stable_grow(a);
    ic0_stable_write(a, a, a);
    ic0_stable_read(a, a, (uint32_t)b);
    ic0_trap(a, a);
}
