// icsim conformance: inter-canister calls and their cycles, bounded-wait calls and deadlines,
// composite queries, heartbeat, inspect_message, interleaving and seeded order, upgrades with
// callbacks pending, metering charges and limits, fault injection, the management canister.

import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { IcSim, RejectCode } from '../../tools/icsim/src/index.js';
import { test, run, eq, contains, ok, throwsWith, watModule } from './harness.mjs';
import { canisterWat } from './wat.mjs';

const SECOND = 1_000_000_000n;
const u64 = (n) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};
const i32le = (n) => Uint8Array.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255]);
const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const text = (b) => new TextDecoder().decode(b);

// relay's argument: callee length, callee, method length, method, payload.
const relayArg = (callee, method, payload = new Uint8Array(0)) => {
  const m = new TextEncoder().encode(method);
  return Uint8Array.from([callee.length, ...callee, m.length, ...m, ...payload]);
};

// A canister for call tests; `version` is returned by its reply callback (upgrade test).
function multi(version = 1) {
  return canisterWat(`
  (global $version i32 (i32.const ${version}))
  (global $attach (mut i64) (i64.const 0))
  (global $timeout (mut i32) (i32.const -1))
  (global $n (mut i32) (i32.const 0))
  (global $hb (mut i32) (i32.const 0))
  (table 5 funcref)
  (elem (i32.const 0) $on_reply $on_reject $cq_reply $nop $cq_reject)
  (data (i32.const 128) "raw_rand" "get_n" "ok" "forbidden")
  (data (i32.const 160) "test_key_1" "nokey" "rec")
  (data (i32.const 180) "\\01\\02")
  (global $len (mut i32) (i32.const 0))
  (func $nop (param i32))
  (func $reply_bytes (param i32 i32) (call $msg_reply_data_append (local.get 0) (local.get 1)) (call $msg_reply))
  (func $reply_i32 (param i32) (i32.store (i32.const 0) (local.get 0)) (call $reply_bytes (i32.const 0) (i32.const 4)))
  (func $arg (call $msg_arg_data_copy (i32.const 2048) (i32.const 0) (call $msg_arg_data_size)))
  (func (export "canister_update set_attach") (call $arg) (global.set $attach (i64.load (i32.const 2048))) (call $reply_i32 (i32.const 0)))
  (func (export "canister_update set_timeout") (call $arg) (global.set $timeout (i32.load (i32.const 2048))) (call $reply_i32 (i32.const 0)))
  (func (export "canister_update relay")
    (local $size i32) (local $l i32) (local $m i32) (local $r i32)
    (local.set $size (call $msg_arg_data_size))
    (call $arg)
    (local.set $l (i32.load8_u (i32.const 2048)))
    (local.set $m (i32.load8_u (i32.add (i32.const 2049) (local.get $l))))
    (call $call_new (i32.const 2049) (local.get $l) (i32.add (i32.const 2050) (local.get $l)) (local.get $m)
      (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_data_append (i32.add (i32.const 2050) (i32.add (local.get $l) (local.get $m)))
      (i32.sub (local.get $size) (i32.add (i32.const 2) (i32.add (local.get $l) (local.get $m)))))
    (if (i64.ne (global.get $attach) (i64.const 0)) (then (call $call_cycles_add128 (i64.const 0) (global.get $attach))))
    (if (i32.ge_s (global.get $timeout) (i32.const 0)) (then (call $call_with_best_effort_response (global.get $timeout))))
    (local.set $r (call $call_perform))
    (if (local.get $r) (then
      (i32.store (i32.const 0) (i32.const 0xffff))
      (i32.store (i32.const 4) (local.get $r))
      (call $reply_bytes (i32.const 0) (i32.const 8)))))
  ;; reply callback: [0][refund 16 bytes][version] + callee reply
  (func $on_reply (param i32)
    (i32.store (i32.const 0) (call $msg_reject_code))
    (call $msg_cycles_refunded128 (i32.const 4))
    (i32.store (i32.const 20) (global.get $version))
    (call $msg_reply_data_append (i32.const 0) (i32.const 24))
    (call $msg_arg_data_copy (i32.const 1024) (i32.const 0) (call $msg_arg_data_size))
    (call $reply_bytes (i32.const 1024) (call $msg_arg_data_size)))
  ;; reject callback: [code][refund 16 bytes][version] + reject message
  (func $on_reject (param i32)
    (i32.store (i32.const 0) (call $msg_reject_code))
    (call $msg_cycles_refunded128 (i32.const 4))
    (i32.store (i32.const 20) (global.get $version))
    (call $msg_reply_data_append (i32.const 0) (i32.const 24))
    (call $msg_reject_msg_copy (i32.const 1024) (i32.const 0) (call $msg_reject_msg_size))
    (call $reply_bytes (i32.const 1024) (call $msg_reject_msg_size)))
  ;; accepts up to arg (u64) cycles: replies [available before 16][accepted 16][deadline 8]
  (func (export "canister_update accept")
    (call $msg_cycles_available128 (i32.const 0))
    (call $arg)
    (call $msg_cycles_accept128 (i64.const 0) (i64.load (i32.const 2048)) (i32.const 16))
    (i64.store (i32.const 32) (call $msg_deadline))
    (call $reply_bytes (i32.const 0) (i32.const 40)))
  (func (export "canister_update ok") (call $reply_i32 (global.get $version)))
  (func (export "canister_update forbidden") (call $reply_i32 (i32.const 1)))
  (func (export "canister_query get_n") (call $reply_i32 (global.get $n)))
  (func (export "canister_query get_hb") (call $reply_i32 (global.get $hb)))
  (func (export "canister_heartbeat") (global.set $hb (i32.add (global.get $hb) (i32.const 1))))
  (func (export "canister_inspect_message")
    (if (i32.ne (call $msg_method_name_size) (i32.const 9)) (then (call $accept_message))))
  ;; increments $n, awaits a call to itself, replies with $n as seen after the await
  (func (export "canister_update two_step")
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (call $canister_self_copy (i32.const 64) (i32.const 0) (call $canister_self_size))
    (call $call_new (i32.const 64) (call $canister_self_size) (i32.const 141) (i32.const 2)
      (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 0))
    (drop (call $call_perform)))
  ;; composite: adds 100 to $n, calls arg.get_n; the callback replies [callee n][own n]
  (func (export "canister_composite_query cq")
    (global.set $n (i32.add (global.get $n) (i32.const 100)))
    (call $arg)
    (call $call_new (i32.const 2048) (call $msg_arg_data_size) (i32.const 136) (i32.const 5)
      (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 0))
    (drop (call $call_perform)))
  ;; composite calling an update method (arg.ok): the callee refuses
  (func (export "canister_composite_query cq_update")
    (call $arg)
    (call $call_new (i32.const 2048) (call $msg_arg_data_size) (i32.const 141) (i32.const 2)
      (i32.const 2) (i32.const 0) (i32.const 4) (i32.const 0))
    (drop (call $call_perform)))
  (func $cq_reject (param i32) (call $reply_i32 (call $msg_reject_code)))
  (func $cq_reply (param i32)
    (call $msg_arg_data_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (i32.store (i32.const 4) (global.get $n))
    (call $reply_bytes (i32.const 0) (i32.const 8)))
  ;; instruction charges of call_new (8-byte name), call_data_append (10 bytes), call_perform
  (func (export "canister_update meter")
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local.set $a (call $performance_counter (i32.const 0)))
    (call $call_new (i32.const 64) (i32.const 0) (i32.const 128) (i32.const 8) (i32.const 3) (i32.const 0) (i32.const 3) (i32.const 0))
    (local.set $b (call $performance_counter (i32.const 0)))
    (call $call_data_append (i32.const 0) (i32.const 10))
    (local.set $c (call $performance_counter (i32.const 0)))
    (drop (call $call_perform))
    (local.set $d (call $performance_counter (i32.const 0)))
    (i64.store (i32.const 0) (i64.sub (local.get $b) (local.get $a)))
    (i64.store (i32.const 8) (i64.sub (local.get $c) (local.get $b)))
    (i64.store (i32.const 16) (i64.sub (local.get $d) (local.get $c)))
    (call $reply_bytes (i32.const 0) (i32.const 24)))
  ;; builds a call with 500 cycles and 2 call_new's, performs none of them
  (func (export "canister_update build_only")
    (call $call_new (i32.const 64) (i32.const 0) (i32.const 128) (i32.const 8) (i32.const 3) (i32.const 0) (i32.const 3) (i32.const 0))
    (call $call_cycles_add128 (i64.const 0) (i64.const 300))
    (call $call_new (i32.const 64) (i32.const 0) (i32.const 128) (i32.const 8) (i32.const 3) (i32.const 0) (i32.const 3) (i32.const 0))
    (call $call_cycles_add128 (i64.const 0) (i64.const 500))
    (call $canister_cycle_balance128 (i32.const 0))
    (call $reply_bytes (i32.const 0) (i32.const 8)))
  ;; [ecdsa test_key_1 cost 16][http(100, 1000) cost 16][bad curve][bad name]
  (func (export "canister_query costs")
    (drop (call $cost_sign_with_ecdsa (i32.const 160) (i32.const 10) (i32.const 0) (i32.const 0)))
    (call $cost_http_request (i64.const 100) (i64.const 1000) (i32.const 16))
    (i32.store (i32.const 32) (call $cost_sign_with_ecdsa (i32.const 160) (i32.const 10) (i32.const 7) (i32.const 48)))
    (i32.store (i32.const 36) (call $cost_sign_with_schnorr (i32.const 170) (i32.const 5) (i32.const 0) (i32.const 48)))
    (call $reply_bytes (i32.const 0) (i32.const 40)))
  ;; appends its one-byte argument to a log kept at 3000
  (func (export "canister_update rec")
    (call $msg_arg_data_copy (i32.add (i32.const 3000) (global.get $len)) (i32.const 0) (i32.const 1))
    (global.set $len (i32.add (global.get $len) (i32.const 1)))
    (call $reply_bytes (i32.const 0) (i32.const 0)))
  (func (export "canister_query log") (call $reply_bytes (i32.const 3000) (global.get $len)))
  ;; calls arg.rec(1) then arg.rec(2) in one execution
  (func $rec (param $byte i32)
    (call $call_new (i32.const 2048) (call $msg_arg_data_size) (i32.const 175) (i32.const 3)
      (i32.const 3) (i32.const 0) (i32.const 3) (i32.const 0))
    (call $call_data_append (local.get $byte) (i32.const 1))
    (drop (call $call_perform)))
  (func (export "canister_update call_twice")
    (call $arg)
    (call $rec (i32.const 180))
    (call $rec (i32.const 181))
    (call $reply_bytes (i32.const 0) (i32.const 0)))
  (global $low (mut i32) (i32.const 0))
  (data (i32.const 190) "MODE")
  (func (export "canister_update grow") (call $reply_i32 (memory.grow (i32.const 1))))
  (func (export "canister_on_low_wasm_memory") (global.set $low (i32.add (global.get $low) (i32.const 1))))
  (func (export "canister_query get_low") (call $reply_i32 (global.get $low)))
  ;; [env_var_count][value of MODE]
  (func (export "canister_query env")
    (i32.store (i32.const 0) (call $env_var_count))
    (call $env_var_value_copy (i32.const 190) (i32.const 4) (i32.const 4) (i32.const 0)
      (call $env_var_value_size (i32.const 190) (i32.const 4)))
    (call $reply_bytes (i32.const 0) (i32.add (i32.const 4) (call $env_var_value_size (i32.const 190) (i32.const 4)))))
  (func (export "canister_update spin") (loop $l (br $l)))
  (func (export "canister_update count_loop")
    (local $i i32)
    (local.set $i (i32.const 1000))
    (loop $l (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $l (local.get $i)))
    (i64.store (i32.const 0) (call $performance_counter (i32.const 0)))
    (call $reply_bytes (i32.const 0) (i32.const 8)))
`);
}

function world(opts = {}, n = 2) {
  const sim = new IcSim({ seed: 11, ...opts });
  const wasm = watModule(multi());
  const ids = [];
  for (let i = 0; i < n; i++) {
    const id = sim.createCanister({ cycles: 1_000_000n });
    sim.installCode(id, wasm);
    ids.push(id);
  }
  return { sim, ids };
}

const refundOf = (r) => view(r.reply).getBigUint64(4, true);

test('cycles attached, accepted and refunded; balances add up', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_attach', u64(1000));
  const r = await sim.updateCall(a, 'relay', relayArg(b, 'accept', u64(300)));
  eq(r.status, 'replied', r.rejectMessage);
  eq(view(r.reply).getUint32(0, true), 0, 'reply callback, reject code 0');
  eq(refundOf(r), 700n, 'refund seen by the callback');
  const inner = r.reply.subarray(24);
  eq([view(inner).getBigUint64(0, true), view(inner).getBigUint64(16, true)], [1000n, 300n], 'available, accepted');
  eq(view(inner).getBigUint64(32, true), 0n, 'no deadline on an unbounded-wait call');
  eq([sim.cycleBalance(a), sim.cycleBalance(b)], [1_000_000n - 300n, 1_000_000n + 300n], 'balances');
});

test('a rejected call refunds all attached cycles', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_attach', u64(5000));
  const r = await sim.updateCall(a, 'relay', relayArg(b, 'no_such_method'));
  eq(view(r.reply).getUint32(0, true), RejectCode.CANISTER_ERROR, 'reject code');
  eq(refundOf(r), 5000n, 'refund');
  contains(text(r.reply.subarray(24)), 'has no update or query method "no_such_method"');
  eq(sim.cycleBalance(a), 1_000_000n, 'balance restored');
});

test('a call built but not performed is discarded and its cycles return', async () => {
  const { sim, ids: [a] } = world();
  const r = await sim.updateCall(a, 'build_only');
  eq(view(r.reply).getBigUint64(0, true), 1_000_000n - 500n, 'balance during the execution: the first call_new refunded 300');
  eq(sim.cycleBalance(a), 1_000_000n, 'balance afterwards');
  eq(sim.queue.length + sim.callbacks.size, 0, 'nothing sent');
});

test('call_cycles_add128 beyond the balance traps', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_attach', u64(2_000_000));
  const r = await sim.updateCall(a, 'relay', relayArg(b, 'accept', u64(0)));
  eq(r.rejectCode, RejectCode.CANISTER_ERROR);
  contains(r.rejectMessage, 'ic0.call_cycles_add128: 2000000 cycles exceed the liquid balance of 1000000');
  eq(sim.cycleBalance(a), 1_000_000n, 'nothing deducted');
});

test('bounded-wait: msg_deadline in the callee is time + timeout', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_timeout', i32le(5));
  const t0 = sim.getTime();
  const r = await sim.updateCall(a, 'relay', relayArg(b, 'accept', u64(0)));
  eq(view(r.reply.subarray(24)).getBigUint64(32, true), t0 + 5n * SECOND, 'deadline');
});

test('bounded-wait: an expired deadline gives SYS_UNKNOWN once and the late reply is dropped', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_timeout', i32le(10));
  sim.injectFault({ kind: 'delay', canister: b, method: 'ok', rounds: 5 });
  const h = sim.submitCall(a, 'relay', relayArg(b, 'ok'));
  await sim.tick(2);
  sim.advanceTime(11n * SECOND);
  const r = await sim.awaitCall(h);
  eq(view(r.reply).getUint32(0, true), RejectCode.SYS_UNKNOWN, 'SYS_UNKNOWN');
  contains(text(r.reply.subarray(24)), 'deadline');
  await sim.tick(10);
  eq(sim.queue.length, 0, 'late response delivered nowhere');
  eq(sim.callbacks.size, 0, 'no callback left');
});

test('timeouts above MAX_CALL_TIMEOUT (300 s) are bounded silently', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_timeout', i32le(100000));
  const t0 = sim.getTime();
  const r = await sim.updateCall(a, 'relay', relayArg(b, 'accept', u64(0)));
  eq(view(r.reply.subarray(24)).getBigUint64(32, true), t0 + 300n * SECOND);
});

test('call_perform failure (fault): returns 2, no callback, cycles stay', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_attach', u64(100));
  sim.injectFault({ kind: 'perform_fail', canister: a, method: 'accept', times: 1 });
  const r = await sim.updateCall(a, 'relay', relayArg(b, 'accept', u64(100)));
  eq([view(r.reply).getUint32(0, true), view(r.reply).getUint32(4, true)], [0xffff, 2], 'perform result');
  eq(sim.cycleBalance(a), 1_000_000n, 'cycles returned');
  eq(sim.callbacks.size, 0, 'no callback registered');
  const again = await sim.updateCall(a, 'relay', relayArg(b, 'accept', u64(100)));
  eq(refundOf(again), 0n, 'the fault fired once; the next call goes through');
});

test('fault: reject and trap of a callee, per method', async () => {
  const { sim, ids: [a, b] } = world();
  sim.injectFault({ kind: 'reject', canister: b, method: 'ok', code: 2, message: 'busy' });
  let r = await sim.updateCall(a, 'relay', relayArg(b, 'ok'));
  eq([view(r.reply).getUint32(0, true), text(r.reply.subarray(24))], [2, 'busy']);
  r = await sim.updateCall(a, 'relay', relayArg(b, 'accept', u64(0)));
  eq(view(r.reply).getUint32(0, true), 0, 'other methods unaffected');
  sim.clearFaults();
  sim.injectFault({ kind: 'trap', canister: b, message: 'injected' });
  r = await sim.updateCall(a, 'relay', relayArg(b, 'ok'));
  eq(view(r.reply).getUint32(0, true), RejectCode.CANISTER_ERROR);
  contains(text(r.reply.subarray(24)), 'trapped: injected');
});

test('fault: exhausted cycles freeze a canister until topped up', async () => {
  const { sim, ids: [a, b] } = world();
  sim.injectFault({ kind: 'exhaust_cycles', canister: b });
  let r = await sim.updateCall(a, 'relay', relayArg(b, 'ok'));
  eq(view(r.reply).getUint32(0, true), RejectCode.SYS_TRANSIENT, 'calls to it');
  r = await sim.updateCall(b, 'relay', relayArg(a, 'ok'));
  eq(r.rejectCode, RejectCode.SYS_TRANSIENT, 'ingress to it');
  sim.addCycles(b, 10_000n);
  r = await sim.updateCall(a, 'relay', relayArg(b, 'ok'));
  eq(view(r.reply).getUint32(0, true), 0, 'after top-up');
});

test('fault rules are checked when added', async () => {
  const sim = new IcSim();
  await throwsWith(() => sim.injectFault({ kind: 'explode' }), 'unknown fault kind "explode"');
  await throwsWith(() => sim.injectFault({ kind: 'reject', code: 9 }), 'a reject fault needs a code 1..6');
  await throwsWith(() => sim.injectFault({ kind: 'delay' }), 'a delay fault needs rounds > 0');
  await throwsWith(() => sim.injectFault({ kind: 'exhaust_cycles' }), 'exhaust_cycles needs a canister');
});

test('fault injection with a probability is reproducible by seed', async () => {
  const outcomes = async (seed) => {
    const sim = new IcSim({ seed });
    const wasm = watModule(multi());
    const [a, b] = [sim.createCanister(), sim.createCanister()];
    sim.installCode(a, wasm);
    sim.installCode(b, wasm);
    sim.injectFault({ kind: 'reject', canister: b, code: 2, probability: 0.5 });
    const out = [];
    for (let i = 0; i < 24; i++) out.push(view((await sim.updateCall(a, 'relay', relayArg(b, 'ok'))).reply).getUint32(0, true));
    return out.join('');
  };
  const x = await outcomes('s1');
  eq(await outcomes('s1'), x, 'same seed, same faults');
  ok(x.includes('0') && x.includes('2'), `both outcomes occur: ${x}`);
});

test('messages interleave between awaits; the order is the same for a seed', async () => {
  const trace = async (seed) => {
    const sim = new IcSim({ seed });
    const id = sim.createCanister();
    sim.installCode(id, watModule(multi()));
    const hs = [0, 1, 2].map(() => sim.submitCall(id, 'two_step'));
    const out = [];
    for (const h of hs) out.push(view((await sim.awaitCall(h)).reply).getUint32(4, true));
    return out;
  };
  eq(await trace(1), [3, 3, 3], 'all three first halves ran before any continuation');
  eq(await trace(5), await trace(5), 'deterministic');
});

test('calls from one canister to another start in the order made, for every seed; reorder lifts that', async () => {
  const logs = new Set();
  const reordered = new Set();
  for (let seed = 0; seed < 12; seed++) {
    for (const fault of [false, true]) {
      const sim = new IcSim({ seed });
      const wasm = watModule(multi());
      const [a, b] = [sim.createCanister(), sim.createCanister()];
      sim.installCode(a, wasm);
      sim.installCode(b, wasm);
      if (fault) sim.injectFault({ kind: 'reorder', canister: b, method: 'rec' });
      await sim.updateCall(a, 'call_twice', b);
      await sim.tick(3);
      const log = [...(await sim.queryCall(b, 'log')).reply].join(',');
      (fault ? reordered : logs).add(log);
    }
  }
  eq([...logs], ['1,2'], 'FIFO without the fault');
  eq([...reordered].sort(), ['1,2', '2,1'], 'both orders with it');
});

test('composite query: calls a query, sees its own earlier change, and everything is discarded', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(b, 'two_step');
  const r = await sim.queryCall(a, 'cq', b);
  eq(r.status, 'replied', r.rejectMessage);
  eq([view(r.reply).getUint32(0, true), view(r.reply).getUint32(4, true)], [1, 100], 'callee n, own n after the await');
  eq(view((await sim.queryCall(a, 'get_n')).reply).getUint32(0, true), 0, 'discarded');
  const u = await sim.queryCall(a, 'cq_update', b);
  eq(view(u.reply).getUint32(0, true), RejectCode.CANISTER_ERROR, 'update methods cannot be called from a composite query');
  const rep = await sim.updateCall(a, 'cq', b);
  contains(rep.rejectMessage, 'cannot be called in replicated mode');
});

test('heartbeat runs every round', async () => {
  const { sim, ids: [a] } = world({}, 1);
  await sim.tick(4);
  eq(view((await sim.queryCall(a, 'get_hb')).reply).getUint32(0, true), 4);
});

test('canister_inspect_message refuses ingress it does not accept', async () => {
  const { sim, ids: [a] } = world({}, 1);
  const r = await sim.updateCall(a, 'forbidden');
  eq([r.rejectCode, r.rejectMessage], [4, `Canister ${sim.canister(a).text} rejected the message in canister_inspect_message`]);
  eq((await sim.updateCall(a, 'ok')).status, 'replied');
});

test('upgrade with a callback pending: it runs against the new module', async () => {
  const { sim, ids: [a, b] } = world();
  sim.injectFault({ kind: 'delay', canister: b, method: 'ok', rounds: 3 });
  const h = sim.submitCall(a, 'relay', relayArg(b, 'ok'));
  await sim.tick(1);
  ok(sim.callbacks.size === 1, 'callback outstanding');
  sim.installCode(a, watModule(multi(2)), new Uint8Array(0), { mode: 'upgrade' });
  const r = await sim.awaitCall(h);
  eq(view(r.reply).getUint32(20, true), 2, 'version of the callback that ran');
});

test('reinstall with a call outstanding: the caller gets CANISTER_REJECT, the callback never runs, cycles return', async () => {
  const { sim, ids: [a, b] } = world();
  await sim.updateCall(a, 'set_attach', u64(1000));
  sim.injectFault({ kind: 'delay', canister: b, method: 'accept', rounds: 3 });
  const h = sim.submitCall(a, 'relay', relayArg(b, 'accept', u64(0)));
  await sim.tick(1);
  eq(sim.cycleBalance(a), 1_000_000n - 1000n, 'attached');
  sim.installCode(a, watModule(multi(2)), new Uint8Array(0), { mode: 'reinstall' });
  const r = await sim.awaitCall(h);
  eq([r.rejectCode, r.rejectMessage], [RejectCode.CANISTER_REJECT, `Canister ${sim.canister(a).text} was reinstalled or uninstalled`]);
  await sim.tick(6);
  eq(sim.cycleBalance(a), 1_000_000n, 'refund credited, no callback ran');
  eq(sim.logs(a).filter((l) => l.text.startsWith('[TRAP]')), [], 'nothing trapped');
});

test('stopping waits for open call contexts; a stopping canister refuses new calls', async () => {
  const { sim, ids: [a, b] } = world();
  sim.injectFault({ kind: 'delay', canister: b, method: 'ok', rounds: 3 });
  const h = sim.submitCall(a, 'relay', relayArg(b, 'ok'));
  await sim.tick(1);
  const stopping = sim.stopCanister(a);
  eq(sim.canisterStatus(a), 'stopping');
  const refused = await sim.updateCall(a, 'ok');
  eq(refused.rejectCode, RejectCode.CANISTER_ERROR, 'new call refused');
  await stopping;
  eq(sim.canisterStatus(a), 'stopped');
  eq((await sim.awaitCall(h)).status, 'replied', 'the open call completed first');
});

test('metering: System API charges as the IC (call_new 1500, data append 500 + bytes, perform 5000)', async () => {
  const { sim, ids: [a] } = world({}, 1);
  const r = await sim.updateCall(a, 'meter');
  const v = view(r.reply);
  // each difference also includes the second performance_counter call (200)
  eq([v.getBigUint64(0, true), v.getBigUint64(8, true), v.getBigUint64(16, true)], [1500n + 8n + 200n, 500n + 10n + 200n, 5000n + 200n]);
});

test('metering: executed loop iterations are counted', async () => {
  const { sim, ids: [a] } = world({}, 1);
  const n = view((await sim.updateCall(a, 'count_loop')).reply).getBigUint64(0, true);
  // 1000 iterations of local.get, i32.const, i32.sub, local.set, local.get (1 each) and br_if
  // (2), plus the code around it and performance_counter (200)
  ok(n >= 7200n && n < 7300n, `count ${n}`);
});

test('metering: instruction weights as the IC (div 10, sqrt 8, call 5, loads 1 or 2 by memory)', async () => {
  for (const [ptr, want] of [['i32', 32n], ['i64', 33n]]) {
    const sim = new IcSim();
    const id = sim.createCanister();
    sim.installCode(id, watModule(`(module (memory ${ptr} 1)
      (func $g nop)
      (func (export "canister_update f")
        (drop (i32.div_u (i32.const 7) (i32.const 3)))
        (drop (f64.sqrt (f64.const 2)))
        (call $g)
        (drop (i64.load (${ptr}.const 0)))))`));
    const r = await sim.updateCall(id, 'f');
    eq([r.rejectCode, r.instructions], [RejectCode.CANISTER_ERROR, want], `${ptr}: no reply, and exactly these instructions`);
  }
});

test('metering: a message over the instruction limit traps', async () => {
  const { sim, ids: [a] } = world({ instructionLimits: { update: 1_000_000n } }, 1);
  const r = await sim.updateCall(a, 'spin');
  eq(r.rejectCode, RejectCode.CANISTER_ERROR);
  contains(r.rejectMessage, 'exceeded the instruction limit of 1000000');
});

test('cost_sign_with_ecdsa and cost_http_request agree with the management services fees', async () => {
  const { SIGNATURE_FEES } = await import('../../tools/icsim/src/threshold.js');
  const { httpRequestFee } = await import('../../tools/icsim/src/mgmt_services.js');
  const { sim, ids: [a] } = world({}, 1);
  const v = view((await sim.queryCall(a, 'costs')).reply);
  eq(v.getBigUint64(0, true), SIGNATURE_FEES.test_key_1, 'signature');
  eq(v.getBigUint64(16, true), httpRequestFee(100, 1000), 'http outcall');
  eq([v.getUint32(32, true), v.getUint32(36, true)], [1, 2], 'bad curve, bad key name');
});

const mgmt = new Uint8Array(0);
const StatusArg = IDL.Record({ canister_id: IDL.Principal });

test('management: provisional create, install, status, stop/start, raw_rand only from canisters', async () => {
  const sim = new IcSim({ seed: 2 });
  const created = await sim.updateCall(mgmt, 'provisional_create_canister_with_cycles', new Uint8Array(IDL.encode(
    [IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(IDL.Null), specified_id: IDL.Opt(IDL.Principal), sender_canister_version: IDL.Opt(IDL.Nat64) })],
    [{ amount: [5000n], settings: [], specified_id: [], sender_canister_version: [] }])));
  eq(created.status, 'replied', created.rejectMessage);
  const id = IDL.decode([IDL.Record({ canister_id: IDL.Principal })], created.reply)[0].canister_id;
  eq(id.toText(), 'rwlgt-iiaaa-aaaaa-aaaaa-cai');
  eq(sim.cycleBalance(id.toUint8Array()), 5000n);
  const install = IDL.Record({ mode: IDL.Variant({ install: IDL.Null }), canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8), sender_canister_version: IDL.Opt(IDL.Nat64) });
  const ins = await sim.updateCall(mgmt, 'install_code', new Uint8Array(IDL.encode([install],
    [{ mode: { install: null }, canister_id: id, wasm_module: watModule(multi()), arg: [], sender_canister_version: [] }])));
  eq(ins.status, 'replied', ins.rejectMessage);
  const st = await sim.updateCall(mgmt, 'canister_status', new Uint8Array(IDL.encode([StatusArg], [{ canister_id: id }])));
  eq(st.status, 'replied', st.rejectMessage);
  const other = await sim.updateCall(mgmt, 'canister_status', new Uint8Array(IDL.encode([StatusArg], [{ canister_id: id }])), { sender: Uint8Array.of(9, 9, 2) });
  contains(other.rejectMessage, 'Only the controllers');
  const stop = await sim.updateCall(mgmt, 'stop_canister', new Uint8Array(IDL.encode([StatusArg], [{ canister_id: id }])));
  eq([stop.status, sim.canisterStatus(id)], ['replied', 'stopped']);
  const rr = await sim.updateCall(mgmt, 'raw_rand', new Uint8Array(IDL.encode([], [])));
  eq(rr.rejectCode, RejectCode.CANISTER_REJECT, 'raw_rand refuses ingress');
  const cc = await sim.updateCall(mgmt, 'create_canister', new Uint8Array(IDL.encode([IDL.Record({})], [{}])));
  eq(cc.rejectCode, RejectCode.CANISTER_REJECT, 'create_canister refuses ingress');
});

test('management: a canister creates a canister with the cycles it attaches, and reads its status', async () => {
  const { sim, ids: [a] } = world();
  await sim.updateCall(a, 'set_attach', u64(400_000));
  const r = await sim.updateCall(a, 'relay', relayArg(mgmt, 'create_canister',
    new Uint8Array(IDL.encode([IDL.Record({ settings: IDL.Opt(IDL.Null), sender_canister_version: IDL.Opt(IDL.Nat64) })], [{ settings: [], sender_canister_version: [] }]))));
  eq(view(r.reply).getUint32(0, true), 0, 'replied');
  const id = IDL.decode([IDL.Record({ canister_id: IDL.Principal })], r.reply.slice(24))[0].canister_id;
  eq(id.toText(), 'ryjl3-tyaaa-aaaaa-aaaba-cai', 'third canister');
  eq([sim.cycleBalance(id.toUint8Array()), sim.cycleBalance(a)], [400_000n, 600_000n], 'cycles moved');
  const st = await sim.updateCall(a, 'relay', relayArg(mgmt, 'canister_status', new Uint8Array(IDL.encode([StatusArg], [{ canister_id: id }]))));
  const status = IDL.decode([IDL.Record({
    status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }), cycles: IDL.Nat,
    module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)), settings: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
  })], st.reply.slice(24))[0];
  eq([Object.keys(status.status)[0], status.cycles, status.module_hash.length], ['running', 400_000n, 0]);
  eq(status.settings.controllers.map((p) => p.toText()), [sim.canister(a).text], 'the creator controls it');
});

const Settings = IDL.Record({
  controllers: IDL.Opt(IDL.Vec(IDL.Principal)), wasm_memory_limit: IDL.Opt(IDL.Nat), wasm_memory_threshold: IDL.Opt(IDL.Nat),
  environment_variables: IDL.Opt(IDL.Vec(IDL.Record({ name: IDL.Text, value: IDL.Text }))),
});
const updateSettings = (sim, id, settings, sender) => sim.updateCall(mgmt, 'update_settings', new Uint8Array(IDL.encode(
  [IDL.Record({ canister_id: IDL.Principal, settings: Settings, sender_canister_version: IDL.Opt(IDL.Nat64) })],
  [{ canister_id: Principal.fromUint8Array(id), settings: { controllers: [], wasm_memory_limit: [], wasm_memory_threshold: [], environment_variables: [], ...settings }, sender_canister_version: [] }])),
{ sender });

test('management: update_settings changes controllers and environment variables', async () => {
  const { sim, ids: [a] } = world({}, 1);
  let r = await updateSettings(sim, a, { environment_variables: [[{ name: 'MODE', value: 'fast' }]] });
  eq(r.status, 'replied', r.rejectMessage);
  const env = (await sim.queryCall(a, 'env')).reply;
  eq([view(env).getUint32(0, true), text(env.subarray(4))], [1, 'fast']);
  const bob = Uint8Array.of(7, 7, 2);
  r = await updateSettings(sim, a, { controllers: [[Principal.fromUint8Array(bob)]] });
  eq(r.status, 'replied', r.rejectMessage);
  r = await updateSettings(sim, a, { controllers: [[]] });
  contains(r.rejectMessage, 'Only the controllers', 'the old controller lost control');
  r = await updateSettings(sim, a, { controllers: [[]] }, bob);
  eq(r.status, 'replied', 'the new one has it');
});

test('management: wasm_memory_limit traps a growing execution; the low-memory hook runs once', async () => {
  const { sim, ids: [a] } = world({}, 1);
  await updateSettings(sim, a, { wasm_memory_limit: [3n * 65536n], wasm_memory_threshold: [2n * 65536n] });
  eq(view((await sim.updateCall(a, 'grow')).reply).getUint32(0, true), 1, 'grew to 2 pages (within the threshold now)');
  await sim.tick(3);
  eq(view((await sim.queryCall(a, 'get_low')).reply).getUint32(0, true), 1, 'hook ran once');
  eq(view((await sim.updateCall(a, 'grow')).reply).getUint32(0, true), 2, '3 pages: at the limit');
  const r = await sim.updateCall(a, 'grow');
  contains(r.rejectMessage, 'exceeded its wasm memory limit of 196608 bytes');
  await sim.tick(3);
  eq(view((await sim.queryCall(a, 'get_low')).reply).getUint32(0, true), 1, 'still once: the condition never cleared');
});

test('management: delete_canister needs a stopped canister; afterwards it is gone', async () => {
  const { sim, ids: [a] } = world({}, 1);
  const arg = new Uint8Array(IDL.encode([StatusArg], [{ canister_id: Principal.fromUint8Array(a) }]));
  contains((await sim.updateCall(mgmt, 'delete_canister', arg)).rejectMessage, 'must be stopped');
  await sim.stopCanister(a);
  eq((await sim.updateCall(mgmt, 'delete_canister', arg)).status, 'replied');
  eq((await sim.updateCall(a, 'ok')).rejectCode, RejectCode.DESTINATION_INVALID);
});

test('management: fetch_canister_logs (query) returns the log records', async () => {
  const { sim, ids: [a] } = world({ instructionLimits: { update: 100_000n } }, 1);
  await sim.updateCall(a, 'spin');
  const arg = new Uint8Array(IDL.encode([StatusArg], [{ canister_id: Principal.fromUint8Array(a) }]));
  const r = await sim.queryCall(mgmt, 'fetch_canister_logs', arg);
  eq(r.status, 'replied', r.rejectMessage);
  const recs = IDL.decode([IDL.Record({ canister_log_records: IDL.Vec(IDL.Record({ idx: IDL.Nat64, timestamp_nanos: IDL.Nat64, content: IDL.Vec(IDL.Nat8) })) })], r.reply)[0].canister_log_records;
  eq(recs.map((x) => [x.idx, x.timestamp_nanos, text(Uint8Array.from(x.content))]),
    [[0n, sim.getTime(), '[TRAP]: exceeded the instruction limit of 100000 for a single message execution']]);
  eq((await sim.updateCall(mgmt, 'fetch_canister_logs', arg)).rejectCode, RejectCode.CANISTER_REJECT, 'query only');
});

test('management: raw_rand from a canister gives 32 seeded bytes', async () => {
  const rand = async (seed) => {
    const sim = new IcSim({ seed });
    const id = sim.createCanister();
    sim.installCode(id, watModule(multi()));
    const r = await sim.updateCall(id, 'relay', relayArg(mgmt, 'raw_rand', new Uint8Array(IDL.encode([], []))));
    return Buffer.from(IDL.decode([IDL.Vec(IDL.Nat8)], r.reply.slice(24))[0]).toString('hex');
  };
  const x = await rand(1);
  eq(x.length, 64, '32 bytes');
  eq(await rand(1), x, 'same seed');
  ok((await rand(2)) !== x, 'other seed differs');
});

await run('icsim-calls');
