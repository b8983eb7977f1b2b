// The ic0 System API: the import object a canister instance is linked against. Each function
// first checks that it may be called in the current context (the availability table in
// ic0_table.js; a forbidden call traps with a message naming the function and the context), adds
// its instruction charge, converts pointers (i32 or i64 by the module's memory) and then does
// what canister-interface.md "System imports" says. Effects that must disappear when the
// execution traps (reply, calls, timer, certified data) are only staged on the execution object
// `exec`; the simulator applies them when the execution returns normally.

import { IC0, CONTEXT_NAMES } from './ic0_table.js';

/** A trap raised by the System API; the message is the reason shown in the reject text. */
export class CanisterTrap extends Error {}

const PAGE = 65536;
const U64 = (1n << 64n) - 1n;
const MAX_CALL_TIMEOUT = 300; // seconds; index.md "MAX_CALL_TIMEOUT"
const STABLE_PAGE_LIMIT = 32768; // 2 GiB: a practical bound for a JavaScript buffer
const REPLICATED = new Set(['I', 'G', 'U', 'RQ', 'Ry', 'Rt', 'C', 'T', 's']);
// Message size limits (related/resource-limits.md): a response carries at most 2 MiB (3 MiB for
// a query), a request between canisters of one subnet at most 10 MiB.
const MAX_REPLY = 2 * 1024 * 1024;
const MAX_QUERY_REPLY = 3 * 1024 * 1024;
const MAX_CALL_PAYLOAD = 10 * 1024 * 1024;

// Fixed instruction charge of each call, from the IC's "new" metering table
// (dfinity/ic rs/embedders/src/wasmtime_embedder/system_api_complexity.rs, overhead::new);
// calls that copy bytes add one instruction per byte on top. Functions not listed cost 500.
const FEES = {
  call_new: 1500, call_perform: 5000, debug_print: 100, is_controller: 1000, performance_counter: 200,
  stable_read: 20, stable_size: 20, stable_write: 20, stable64_read: 20, stable64_size: 20, stable64_write: 20,
  cycles_burn128: 100,
};
const BYTE_CHARGED = new Set([
  'msg_arg_data_copy', 'msg_caller_copy', 'msg_reject_msg_copy', 'msg_reply_data_append', 'msg_reject',
  'msg_method_name_copy', 'canister_self_copy', 'call_new', 'call_data_append', 'debug_print', 'trap',
  'stable_read', 'stable_write', 'stable64_read', 'stable64_write', 'certified_data_set',
  'data_certificate_copy', 'root_key_copy', 'subnet_self_copy', 'env_var_name_copy', 'env_var_value_copy',
]);

// Local signing keys icsim knows, and their fees in cycles (13-node subnet prices from the IC's
// documentation of threshold signature costs; the same as threshold.js charges, which the calls
// suite checks). Names absent here give error 2 (bad key name). icsim serves no vetKD keys but
// answers cost_vetkd_derive_key with the same prices.
const SIGN_COSTS = {
  ecdsa: { dfx_test_key: 10_000_000_000n, test_key_1: 10_000_000_000n, key_1: 26_153_846_153n },
  schnorr: { dfx_test_key: 10_000_000_000n, test_key_1: 10_000_000_000n, key_1: 26_153_846_153n },
  vetkd: { dfx_test_key: 10_000_000_000n, test_key_1: 10_000_000_000n, key_1: 26_153_846_153n },
};

// Parameters that are callback envs (indices into the parameter list).
const ENV_PARAMS = { call_new: [5, 7], call_on_cleanup: [1] };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lossy = new TextDecoder('utf-8');

function trap(message) {
  throw new CanisterTrap(message);
}

/** An unsigned i64 as a number; values beyond 2^53 become a number no range can contain. */
function num64(v) {
  const u = BigInt.asUintN(64, v);
  return u > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(u);
}

/** Joins a 128-bit amount given as (high, low) i64 halves into a bigint. */
function join128(hi, lo) {
  return (BigInt.asUintN(64, hi) << 64n) | BigInt.asUintN(64, lo);
}

/**
 * Builds the `ic0` import object for canister `c` whose module uses pointer type `ptr`
 * ('i32' or 'i64'). `c` supplies `memory()`, `exec` (the running execution, or null), `sim`,
 * and the canister state fields read here. Only functions the module imports need to exist, but
 * all 74 (65 for wasm64) are provided.
 */
export function buildImports(c, ptr) {
  const sim = c.sim;
  const wide = ptr === 'i64';
  const bytes = () => new Uint8Array(c.memory().buffer);
  const ex = () => c.exec;

  function check(dst, size, fn) {
    if (dst + size > c.memory().buffer.byteLength || !Number.isSafeInteger(dst + size))
      trap(`ic0.${fn}: range [${dst}, ${dst}+${size}) exceeds the wasm memory of ${c.memory().buffer.byteLength} bytes`);
  }
  function read(src, size, fn) {
    check(src, size, fn);
    return bytes().slice(src, src + size);
  }
  function write(dst, data, fn) {
    check(dst, data.length, fn);
    bytes().set(data, dst);
    c.markWritten(dst, data.length);
  }
  function copyOut(blob, dst, offset, size, fn) {
    if (offset + size > blob.length)
      trap(`ic0.${fn}: offset ${offset} + size ${size} exceeds the ${blob.length} bytes available`);
    write(dst, blob.subarray(offset, offset + size), fn);
  }
  function write128(dst, amount, fn) {
    const out = new Uint8Array(16);
    const view = new DataView(out.buffer);
    view.setBigUint64(0, BigInt.asUintN(64, amount), true);
    view.setBigUint64(8, amount >> 64n, true);
    write(dst, out, fn);
  }
  function text(src, size, fn) {
    try {
      return utf8.decode(read(src, size, fn));
    } catch (e) {
      if (e instanceof CanisterTrap) throw e;
      return trap(`ic0.${fn}: the text is not valid UTF-8`);
    }
  }
  function pending(fn) {
    const p = ex().pendingCall;
    if (!p) trap(`ic0.${fn}: no call is being built (call ic0.call_new first)`);
    return p;
  }
  function responded(fn) {
    const e = ex();
    if (e.response || e.cc.responded)
      trap(`ic0.${fn}: the call has already been answered (a call context is replied or rejected once)`);
    if (!e.cc.needsResponse) trap(`ic0.${fn}: this call context has no caller to answer`);
  }
  function available() {
    const e = ex();
    return e.cc.responded || e.response ? 0n : e.cc.available - e.accepted;
  }
  function accept(max) {
    const e = ex();
    const n = max < available() ? max : available();
    e.accepted += n;
    c.cycles += n;
    return n;
  }
  function stableBounds(offset, size, fn) {
    if (offset + size > c.stablePages * PAGE || !Number.isSafeInteger(offset + size))
      trap(`ic0.${fn}: stable memory range [${offset}, ${offset}+${size}) exceeds its ${c.stablePages * PAGE} bytes`);
  }
  function stableGrow(n, limit) {
    const old = c.stablePages;
    if (n < 0 || old + n > limit) return -1;
    if (!c.stableGrow(old + n)) return -1;
    return old;
  }
  function stable32(fn) {
    if (c.stablePages > 65536) trap(`ic0.${fn}: stable memory is larger than 4 GiB; use the stable64 API`);
  }
  function stableWrite(offset, src, size, fn) {
    stableBounds(offset, size, fn);
    const data = read(src, size, fn);
    c.stableWrite(offset, data);
  }
  function stableRead(dst, offset, size, fn) {
    stableBounds(offset, size, fn);
    write(dst, c.stable.subarray(offset, offset + size), fn);
  }
  function signCost(kind, src, size, code, dst, fn) {
    const name = text(src, size, fn);
    if (code !== 0 && !(kind === 'schnorr' && code === 1)) return 1;
    const cost = SIGN_COSTS[kind][name];
    if (cost === undefined) return 2;
    write128(dst, cost, fn);
    return 0;
  }
  function envValue(src, size, fn) {
    const name = text(src, size, fn);
    const found = c.envVars.find(([n]) => n === name);
    if (!found) trap(`ic0.${fn}: no environment variable named "${name}"`);
    return new TextEncoder().encode(found[1]);
  }
  function envName(index, fn) {
    if (index >= c.envVars.length) trap(`ic0.${fn}: index ${index} is out of range (${c.envVars.length} variables)`);
    return new TextEncoder().encode(c.envVars[index][0]);
  }
  function u64(amount, fn) {
    if (amount > U64) trap(`ic0.${fn}: the amount does not fit in 64 bits; use the 128-bit call`);
    return amount;
  }

  // Each implementation takes pointers and sizes as JavaScript numbers, i64 values as bigints,
  // and returns numbers for I and i32 results, bigints for i64.
  const impl = {
    msg_arg_data_size: () => ex().arg.length,
    msg_arg_data_copy: (dst, off, size) => copyOut(ex().arg, dst, off, size, 'msg_arg_data_copy'),
    msg_caller_size: () => ex().caller.length,
    msg_caller_copy: (dst, off, size) => copyOut(ex().caller, dst, off, size, 'msg_caller_copy'),
    msg_caller_info_data_size: () => 0,
    msg_caller_info_data_copy: (dst, off, size) => copyOut(new Uint8Array(0), dst, off, size, 'msg_caller_info_data_copy'),
    msg_caller_info_signer_size: () => 0,
    msg_caller_info_signer_copy: (dst, off, size) => copyOut(new Uint8Array(0), dst, off, size, 'msg_caller_info_signer_copy'),
    msg_reject_code: () => ex().rejectCode,
    msg_reject_msg_size: () => ex().rejectMsg.length,
    msg_reject_msg_copy: (dst, off, size) => copyOut(ex().rejectMsg, dst, off, size, 'msg_reject_msg_copy'),
    msg_deadline: () => ex().cc.deadline,
    msg_reply_data_append: (src, size) => {
      responded('msg_reply_data_append');
      const e = ex();
      const max = e.ctx.endsWith('Q') ? MAX_QUERY_REPLY : MAX_REPLY;
      if (e.replySize + size > max) trap(`ic0.msg_reply_data_append: the reply would exceed ${max} bytes`);
      e.replyBuf.push(read(src, size, 'msg_reply_data_append'));
      e.replySize += size;
    },
    msg_reply: () => {
      responded('msg_reply');
      const e = ex();
      const out = new Uint8Array(e.replySize);
      let pos = 0;
      for (const chunk of e.replyBuf) {
        out.set(chunk, pos);
        pos += chunk.length;
      }
      e.response = { reply: out };
    },
    msg_reject: (src, size) => {
      responded('msg_reject');
      ex().response = { rejectCode: 4, rejectMessage: text(src, size, 'msg_reject') };
    },
    msg_cycles_available128: (dst) => write128(dst, available(), 'msg_cycles_available128'),
    msg_cycles_refunded128: (dst) => write128(dst, ex().refunded, 'msg_cycles_refunded128'),
    msg_cycles_accept128: (hi, lo, dst) => write128(dst, accept(join128(hi, lo)), 'msg_cycles_accept128'),
    cycles_burn128: (hi, lo, dst) => {
      const want = join128(hi, lo);
      const n = want < c.cycles ? want : c.cycles;
      c.cycles -= n;
      write128(dst, n, 'cycles_burn128');
    },
    canister_self_size: () => c.id.length,
    canister_self_copy: (dst, off, size) => copyOut(c.id, dst, off, size, 'canister_self_copy'),
    canister_cycle_balance128: (dst) => write128(dst, c.cycles, 'canister_cycle_balance128'),
    canister_liquid_cycle_balance128: (dst) => write128(dst, c.cycles, 'canister_liquid_cycle_balance128'),
    canister_status: () => ({ running: 1, stopping: 2, stopped: 3 })[c.status],
    canister_version: () => c.version,
    subnet_self_size: () => sim.subnetId.length,
    subnet_self_copy: (dst, off, size) => copyOut(sim.subnetId, dst, off, size, 'subnet_self_copy'),
    msg_method_name_size: () => ex().methodName.length,
    msg_method_name_copy: (dst, off, size) => copyOut(ex().methodName, dst, off, size, 'msg_method_name_copy'),
    accept_message: () => {
      if (ex().messageAccepted) trap('ic0.accept_message: the message was already accepted');
      ex().messageAccepted = true;
    },
    call_new: (calleeSrc, calleeSize, nameSrc, nameSize, replyFun, replyEnv, rejectFun, rejectEnv) => {
      const e = ex();
      if (e.pendingCall) c.cycles += e.pendingCall.cycles; // a new call_new discards the previous one
      const callee = read(calleeSrc, calleeSize, 'call_new');
      const method = text(nameSrc, nameSize, 'call_new');
      e.pendingCall = {
        callee, method, replyFun, replyEnv, rejectFun, rejectEnv, chunks: [], cycles: 0n, cleanup: null, timeout: null,
      };
    },
    call_on_cleanup: (fun, env) => {
      const p = pending('call_on_cleanup');
      if (p.cleanup) trap('ic0.call_on_cleanup: a cleanup callback is already set for this call');
      p.cleanup = { fun, env };
    },
    call_data_append: (src, size) => {
      const p = pending('call_data_append');
      p.size = (p.size || 0) + size;
      if (p.size > MAX_CALL_PAYLOAD) trap(`ic0.call_data_append: the call payload would exceed ${MAX_CALL_PAYLOAD} bytes`);
      p.chunks.push(read(src, size, 'call_data_append'));
    },
    call_with_best_effort_response: (seconds) => {
      const p = pending('call_with_best_effort_response');
      if (p.timeout !== null) trap('ic0.call_with_best_effort_response: the timeout is already set for this call');
      p.timeout = Math.min(seconds, MAX_CALL_TIMEOUT);
    },
    call_cycles_add128: (hi, lo) => addCycles(join128(hi, lo), 'call_cycles_add128'),
    call_perform: () => {
      pending('call_perform');
      return sim.performCall(c, ex());
    },
    stable64_size: () => BigInt(c.stablePages),
    stable64_grow: (n) => BigInt(stableGrow(n > BigInt(STABLE_PAGE_LIMIT) ? Infinity : Number(n), STABLE_PAGE_LIMIT)),
    stable64_write: (off, src, size) => stableWrite(num64(off), num64(src), num64(size), 'stable64_write'),
    stable64_read: (dst, off, size) => stableRead(num64(dst), num64(off), num64(size), 'stable64_read'),
    root_key_size: () => sim.rootKey.length,
    root_key_copy: (dst, off, size) => copyOut(sim.rootKey, dst, off, size, 'root_key_copy'),
    certified_data_set: (src, size) => {
      if (size > 32) trap(`ic0.certified_data_set: ${size} bytes given, at most 32 allowed`);
      ex().certifiedData = read(src, size, 'certified_data_set');
    },
    data_certificate_present: () => 0,
    data_certificate_size: () => trap('ic0.data_certificate_size: no data certificate is present (icsim does not certify state)'),
    data_certificate_copy: () => trap('ic0.data_certificate_copy: no data certificate is present (icsim does not certify state)'),
    time: () => ex().time,
    global_timer_set: (ts) => {
      const e = ex();
      const prev = e.timer;
      e.timer = BigInt.asUintN(64, ts);
      return prev;
    },
    performance_counter: (type) => {
      const e = ex();
      if (type === 0) return c.instructionsSoFar(e);
      if (type === 1) return e.cc ? e.cc.instructions + c.instructionsSoFar(e) : c.instructionsSoFar(e);
      return trap(`ic0.performance_counter: unknown counter type ${type}`);
    },
    is_controller: (src, size) => {
      const p = read(src, size, 'is_controller');
      if (size > 29) trap(`ic0.is_controller: ${size} bytes is not a valid principal (at most 29)`);
      return c.controllers.some((x) => x.length === p.length && x.every((b, i) => b === p[i])) ? 1 : 0;
    },
    in_replicated_execution: () => (REPLICATED.has(ex().ctx) ? 1 : 0),
    cost_call: (nameSize, payloadSize, dst) =>
      write128(dst, 260_000n + 1_000n * (BigInt.asUintN(64, nameSize) + BigInt.asUintN(64, payloadSize)), 'cost_call'),
    cost_create_canister: (dst) => write128(dst, 500_000_000_000n, 'cost_create_canister'),
    cost_http_request: (reqSize, maxRes, dst) =>
      write128(dst, 49_140_000n + 5_200n * BigInt.asUintN(64, reqSize) + 10_400n * BigInt.asUintN(64, maxRes), 'cost_http_request'),
    cost_sign_with_ecdsa: (src, size, curve, dst) => signCost('ecdsa', src, size, curve, dst, 'cost_sign_with_ecdsa'),
    cost_sign_with_schnorr: (src, size, alg, dst) => signCost('schnorr', src, size, alg, dst, 'cost_sign_with_schnorr'),
    cost_vetkd_derive_key: (src, size, curve, dst) => signCost('vetkd', src, size, curve, dst, 'cost_vetkd_derive_key'),
    env_var_count: () => c.envVars.length,
    env_var_name_size: (i) => envName(i, 'env_var_name_size').length,
    env_var_name_copy: (i, dst, off, size) => copyOut(envName(i, 'env_var_name_copy'), dst, off, size, 'env_var_name_copy'),
    env_var_name_exists: (src, size) => (c.envVars.some(([n]) => n === text(src, size, 'env_var_name_exists')) ? 1 : 0),
    env_var_value_size: (src, size) => envValue(src, size, 'env_var_value_size').length,
    env_var_value_copy: (src, size, dst, off, n) =>
      copyOut(envValue(src, size, 'env_var_value_copy'), dst, off, n, 'env_var_value_copy'),
    debug_print: (src, size) => {
      const mem = bytes();
      const data = src + size <= mem.length ? mem.subarray(src, src + size) : new Uint8Array(0);
      sim.log(c, utf8Lossy.decode(data));
    },
    trap: (src, size) => {
      const mem = bytes();
      const data = src + size <= mem.length ? mem.subarray(src, src + size) : new Uint8Array(0);
      trap(`called ic0.trap with message: ${utf8Lossy.decode(data)}`);
    },
    msg_cycles_available: () => u64(available(), 'msg_cycles_available'),
    msg_cycles_refunded: () => u64(ex().refunded, 'msg_cycles_refunded'),
    msg_cycles_accept: (max) => accept(BigInt.asUintN(64, max)),
    canister_cycle_balance: () => u64(c.cycles, 'canister_cycle_balance'),
    call_cycles_add: (amount) => addCycles(BigInt.asUintN(64, amount), 'call_cycles_add'),
    stable_size: () => {
      stable32('stable_size');
      return c.stablePages;
    },
    stable_grow: (n) => {
      stable32('stable_grow');
      return stableGrow(n, Math.min(65536, STABLE_PAGE_LIMIT));
    },
    stable_write: (off, src, size) => {
      stable32('stable_write');
      stableWrite(off, src, size, 'stable_write');
    },
    stable_read: (dst, off, size) => {
      stable32('stable_read');
      stableRead(dst, off, size, 'stable_read');
    },
  };

  function addCycles(amount, fn) {
    const p = pending(fn);
    if (amount > c.cycles) trap(`ic0.${fn}: ${amount} cycles exceed the liquid balance of ${c.cycles}`);
    c.cycles -= amount;
    p.cycles += amount;
  }

  const imports = {};
  for (const entry of IC0) {
    if (entry.wasm32Only && wide) continue;
    const f = impl[entry.name];
    const name = entry.name;
    const contexts = entry.contexts;
    const fee = FEES[name] ?? 500;
    const perByte = BYTE_CHARGED.has(name);
    // Index of the size argument for the per-byte charge: the last I parameter named size.
    const last = entry.params.length - 1; // the size argument of byte-copying calls
    const bytesOf = name === 'call_new' ? (a) => a[1] + a[3] : (a) => Number(a[last]);
    // Callback envs are opaque values handed back unchanged: on wasm64 they stay 64-bit bigints.
    const envArgs = ENV_PARAMS[name] || [];
    const conv = entry.params.map((t, i) =>
      t === 'I' ? (wide ? (envArgs.includes(i) ? 'env' : 'big') : 'u32') : t === 'i32' ? 'u32' : 'i64');
    const resultBig = entry.result === 'I' && wide;
    imports[name] = (...args) => {
      const e = c.exec;
      if (!e) trap(`ic0.${name} called outside of any message execution`);
      if (!contexts.has(e.ctx)) trap(`ic0.${name} cannot be called from ${CONTEXT_NAMES[e.ctx]} (context ${e.ctx})`);
      for (let i = 0; i < conv.length; i++) {
        if (conv[i] === 'u32') args[i] = args[i] >>> 0;
        else if (conv[i] === 'big') args[i] = num64(args[i]);
        else if (conv[i] === 'env') args[i] = BigInt.asUintN(64, args[i]);
      }
      e.sysInstructions += fee + (perByte ? bytesOf(args) : 0);
      const r = f(...args);
      return resultBig ? BigInt(r) : r;
    };
  }
  return imports;
}
