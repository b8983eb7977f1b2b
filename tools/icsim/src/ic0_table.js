// The ic0 System API table: every import a canister may use, its signature and the contexts in
// which it may be called. Transcribed from the IC interface specification 0.66.0,
// canister-interface.md "Overview of imports". `I` stands for the pointer type, i32 for a module
// with a 32-bit memory (or none) and i64 for a memory64 module. This is the one place these facts
// live: the system API, the availability checks and the conformance suite all read it.

/** Contexts named by the specification's legend (see canister-interface.md). */
export const CONTEXTS = [
  'I', 'G', 'U', 'RQ', 'NRQ', 'TQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'C', 'CC', 'F', 'T', 's',
];

/** What `*` means: every context except the start function. */
const STAR = CONTEXTS.filter((c) => c !== 's');

/** Long names of the contexts, for trap messages a reader can act on. */
export const CONTEXT_NAMES = {
  I: 'canister_init/canister_post_upgrade',
  G: 'canister_pre_upgrade',
  U: 'update method',
  RQ: 'query method (replicated)',
  NRQ: 'query method (non-replicated)',
  TQ: 'http_request transform',
  CQ: 'composite query method',
  Ry: 'reply callback',
  Rt: 'reject callback',
  CRy: 'reply callback in a composite query',
  CRt: 'reject callback in a composite query',
  C: 'cleanup callback',
  CC: 'cleanup callback in a composite query',
  F: 'canister_inspect_message',
  T: 'system task (heartbeat/global timer)',
  s: 'start function',
};

// [name, parameter types, result type, contexts]; `Q` in msg_deadline's row is undefined in the
// spec's legend and is read as RQ NRQ (see DIGEST.md, section A).
const ROWS = [
  ['msg_arg_data_size', '', 'I', 'I U RQ NRQ TQ CQ Ry CRy F'],
  ['msg_arg_data_copy', 'I I I', '', 'I U RQ NRQ TQ CQ Ry CRy F'],
  ['msg_caller_size', '', 'I', '*'],
  ['msg_caller_copy', 'I I I', '', '*'],
  ['msg_caller_info_data_size', '', 'I', 'U RQ NRQ CQ Ry Rt CRy CRt C CC F'],
  ['msg_caller_info_data_copy', 'I I I', '', 'U RQ NRQ CQ Ry Rt CRy CRt C CC F'],
  ['msg_caller_info_signer_size', '', 'I', 'U RQ NRQ CQ Ry Rt CRy CRt C CC F'],
  ['msg_caller_info_signer_copy', 'I I I', '', 'U RQ NRQ CQ Ry Rt CRy CRt C CC F'],
  ['msg_reject_code', '', 'i32', 'Ry Rt CRy CRt C'],
  ['msg_reject_msg_size', '', 'I', 'Rt CRt'],
  ['msg_reject_msg_copy', 'I I I', '', 'Rt CRt'],
  ['msg_deadline', '', 'i64', 'U RQ NRQ CQ Ry Rt CRy CRt'],
  ['msg_reply_data_append', 'I I', '', 'U RQ NRQ TQ CQ Ry Rt CRy CRt'],
  ['msg_reply', '', '', 'U RQ NRQ TQ CQ Ry Rt CRy CRt'],
  ['msg_reject', 'I I', '', 'U RQ NRQ TQ CQ Ry Rt CRy CRt'],
  ['msg_cycles_available128', 'I', '', 'U RQ Rt Ry'],
  ['msg_cycles_refunded128', 'I', '', 'Rt Ry'],
  ['msg_cycles_accept128', 'i64 i64 I', '', 'U RQ Rt Ry'],
  ['cycles_burn128', 'i64 i64 I', '', 'I G U RQ Ry Rt C T'],
  ['canister_self_size', '', 'I', '*'],
  ['canister_self_copy', 'I I I', '', '*'],
  ['canister_cycle_balance128', 'I', '', '*'],
  ['canister_liquid_cycle_balance128', 'I', '', '*'],
  ['canister_status', '', 'i32', '*'],
  ['canister_version', '', 'i64', '*'],
  ['subnet_self_size', '', 'I', '*'],
  ['subnet_self_copy', 'I I I', '', '*'],
  ['msg_method_name_size', '', 'I', 'F'],
  ['msg_method_name_copy', 'I I I', '', 'F'],
  ['accept_message', '', '', 'F'],
  ['call_new', 'I I I I I I I I', '', 'U CQ Ry Rt CRy CRt T'],
  ['call_on_cleanup', 'I I', '', 'U CQ Ry Rt CRy CRt T'],
  ['call_data_append', 'I I', '', 'U CQ Ry Rt CRy CRt T'],
  ['call_with_best_effort_response', 'i32', '', 'U CQ Ry Rt CRy CRt T'],
  ['call_cycles_add128', 'i64 i64', '', 'U Ry Rt T'],
  ['call_perform', '', 'i32', 'U CQ Ry Rt CRy CRt T'],
  ['stable64_size', '', 'i64', '* s'],
  ['stable64_grow', 'i64', 'i64', '* s'],
  ['stable64_write', 'i64 i64 i64', '', '* s'],
  ['stable64_read', 'i64 i64 i64', '', '* s'],
  ['root_key_size', '', 'I', 'I G U RQ Ry Rt C T'],
  ['root_key_copy', 'I I I', '', 'I G U RQ Ry Rt C T'],
  ['certified_data_set', 'I I', '', 'I G U Ry Rt T'],
  ['data_certificate_present', '', 'i32', '*'],
  ['data_certificate_size', '', 'I', 'NRQ CQ'],
  ['data_certificate_copy', 'I I I', '', 'NRQ CQ'],
  ['time', '', 'i64', '*'],
  ['global_timer_set', 'i64', 'i64', 'I G U Ry Rt C T'],
  ['performance_counter', 'i32', 'i64', '* s'],
  ['is_controller', 'I I', 'i32', '* s'],
  ['in_replicated_execution', '', 'i32', '* s'],
  ['cost_call', 'i64 i64 I', '', '* s'],
  ['cost_create_canister', 'I', '', '* s'],
  ['cost_http_request', 'i64 i64 I', '', '* s'],
  ['cost_sign_with_ecdsa', 'I I i32 I', 'i32', '* s'],
  ['cost_sign_with_schnorr', 'I I i32 I', 'i32', '* s'],
  ['cost_vetkd_derive_key', 'I I i32 I', 'i32', '* s'],
  ['env_var_count', '', 'I', '*'],
  ['env_var_name_size', 'I', 'I', '*'],
  ['env_var_name_copy', 'I I I I', '', '*'],
  ['env_var_name_exists', 'I I', 'i32', '*'],
  ['env_var_value_size', 'I I', 'I', '*'],
  ['env_var_value_copy', 'I I I I I', '', '*'],
  ['debug_print', 'I I', '', '* s'],
  ['trap', 'I I', '', '* s'],
  // Available only when I = i32 (canister-interface.md, after the list above).
  ['msg_cycles_available', '', 'i64', 'U RQ Rt Ry', true],
  ['msg_cycles_refunded', '', 'i64', 'Rt Ry', true],
  ['msg_cycles_accept', 'i64', 'i64', 'U RQ Rt Ry', true],
  ['canister_cycle_balance', '', 'i64', '*', true],
  ['call_cycles_add', 'i64', '', 'U Ry Rt T', true],
  ['stable_size', '', 'i32', '* s', true],
  ['stable_grow', 'i32', 'i32', '* s', true],
  ['stable_write', 'i32 i32 i32', '', '* s', true],
  ['stable_read', 'i32 i32 i32', '', '* s', true],
];

function expandContexts(text) {
  const set = new Set();
  for (const c of text.split(' ')) {
    if (c === '*') STAR.forEach((x) => set.add(x));
    else set.add(c);
  }
  return set;
}

/**
 * The table as objects: `{ name, params: ['I'|'i32'|'i64'], result: 'I'|'i32'|'i64'|null,
 * contexts: Set<string>, wasm32Only: boolean }`, in the specification's order (74 entries).
 */
export const IC0 = ROWS.map(([name, params, result, ctx, wasm32Only]) => ({
  name,
  params: params ? params.split(' ') : [],
  result: result || null,
  contexts: expandContexts(ctx),
  wasm32Only: Boolean(wasm32Only),
}));

/** Map from function name to its table entry. */
export const IC0_BY_NAME = new Map(IC0.map((f) => [f.name, f]));

/**
 * The concrete wasm signature of `entry` for a module whose pointer type is `ptr` ('i32' or
 * 'i64'): `{ params: [...], results: [...] }` with value type names.
 */
export function concreteSignature(entry, ptr) {
  const t = (x) => (x === 'I' ? ptr : x);
  return { params: entry.params.map(t), results: entry.result ? [t(entry.result)] : [] };
}
