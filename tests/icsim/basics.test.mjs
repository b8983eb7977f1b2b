// icsim message execution: replies, rejects, rollback on trap, reply-once, automatic
// CANISTER_ERROR, inter-canister calls with callbacks and cleanup, queries discarding state,
// the global timer, upgrades keeping stable memory, stop/start, logs and instruction counts.

import { gzipSync } from 'node:zlib';
import { IcSim, ModuleError, RejectCode } from '../../tools/icsim/src/index.js';
import { test, run, eq, contains, ok, throwsWith, watModule } from './harness.mjs';
import { canisterWat } from './wat.mjs';

const u32 = (n) => Uint8Array.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24]);
const le32 = (b) => b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);

// One test canister with many small methods. Memory: [0,16) scratch for replies, 100 a
// counter in memory, [200,264) the argument, [300,...) text.
const MAIN = canisterWat(`
  (global $n (mut i32) (i32.const 0))
  (global $cleaned (mut i32) (i32.const 0))
  (global $fired (mut i32) (i32.const 0))
  (global $timer_prev (mut i64) (i64.const -1))
  (table 5 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_reply_trap $on_cleanup $on_cleanup_trap)
  (data (i32.const 300) "inc" "boom" "hello")
  (func $reply_i32 (param i32)
    (i32.store (i32.const 0) (local.get 0))
    (call $msg_reply_data_append (i32.const 0) (i32.const 4))
    (call $msg_reply))
  (func $arg_to_200 (result i32)
    (call $msg_arg_data_copy (i32.const 200) (i32.const 0) (call $msg_arg_data_size))
    (call $msg_arg_data_size))
  (func (export "canister_update inc")
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (call $debug_print (i32.const 307) (i32.const 5))
    (call $reply_i32 (global.get $n)))
  (func (export "canister_query get") (call $reply_i32 (global.get $n)))
  (func (export "canister_query get_mem") (call $reply_i32 (i32.load (i32.const 100))))
  (func (export "canister_query get_stable")
    (if (i64.eqz (call $stable64_size)) (then (call $reply_i32 (i32.const -1)) (return)))
    (call $stable64_read (i64.const 0) (i64.const 0) (i64.const 4))
    (call $msg_reply_data_append (i32.const 0) (i32.const 4))
    (call $msg_reply))
  (func (export "canister_query get_cleaned") (call $reply_i32 (global.get $cleaned)))
  (func (export "canister_query get_fired")
    (i64.store (i32.const 0) (global.get $timer_prev))
    (i32.store (i32.const 8) (global.get $fired))
    (call $msg_reply_data_append (i32.const 0) (i32.const 12))
    (call $msg_reply))
  (func (export "canister_query query_mutates")
    (global.set $n (i32.add (global.get $n) (i32.const 1000)))
    (call $reply_i32 (global.get $n)))
  (func (export "canister_update write_then_trap")
    (global.set $n (i32.const 77))
    (i32.store (i32.const 100) (i32.const 77))
    (drop (call $stable64_grow (i64.const 1)))
    (i32.store (i32.const 0) (i32.const 77))
    (call $stable64_write (i64.const 0) (i64.const 0) (i64.const 4))
    (drop (memory.grow (i32.const 2)))
    (call $msg_reply_data_append (i32.const 0) (i32.const 4))
    (call $msg_reply)
    (call $trap (i32.const 303) (i32.const 4)))
  (func (export "canister_update write_stable")
    (drop (call $stable64_grow (i64.const 1)))
    (i32.store (i32.const 0) (i32.const 4242))
    (call $stable64_write (i64.const 0) (i64.const 0) (i64.const 4))
    (i32.store (i32.const 100) (i32.const 5))
    (call $reply_i32 (i32.const 1)))
  (func (export "canister_update reply_twice")
    (call $reply_i32 (i32.const 1))
    (call $msg_reply))
  (func (export "canister_update no_reply") (global.set $n (i32.const 555)))
  (func (export "canister_update reject")
    (call $msg_reject (i32.const 303) (i32.const 4)))
  (func $start_call (param $method i32) (param $len i32) (param $reply i32)
    (call $call_new (i32.const 200) (call $arg_to_200) (local.get $method) (local.get $len)
      (local.get $reply) (i32.const 11) (i32.const 1) (i32.const 22)))
  ;; arg = callee principal: calls callee.inc and replies with its reply (or the reject code).
  (func (export "canister_update call_inc")
    (call $start_call (i32.const 300) (i32.const 3) (i32.const 0))
    (drop (call $call_perform)))
  ;; the same, calling a method the callee does not have
  (func (export "canister_update call_missing")
    (call $start_call (i32.const 303) (i32.const 4) (i32.const 0))
    (drop (call $call_perform)))
  ;; the reply callback traps after changing state; the cleanup sets $cleaned
  (func (export "canister_update call_trap_cb")
    (call $start_call (i32.const 300) (i32.const 3) (i32.const 2))
    (call $call_on_cleanup (i32.const 3) (i32.const 33))
    (drop (call $call_perform)))
  (func $on_reply (param $env i32)
    (call $msg_arg_data_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (i32.store (i32.const 4) (local.get $env))
    (i32.store (i32.const 8) (call $msg_reject_code))
    (call $msg_reply_data_append (i32.const 0) (i32.const 12))
    (call $msg_reply))
  (func $on_reject (param $env i32)
    (i32.store (i32.const 0) (call $msg_reject_code))
    (i32.store (i32.const 4) (local.get $env))
    (call $msg_reply_data_append (i32.const 0) (i32.const 8))
    (call $msg_reply))
  (func $on_reply_trap (param $env i32)
    (global.set $n (i32.const 999))
    (call $trap (i32.const 303) (i32.const 4)))
  (func $on_cleanup_trap (param $env i32)
    (global.set $cleaned (i32.const 1))
    (unreachable))
  (func (export "canister_update call_trap_cb_trap_cleanup")
    (call $start_call (i32.const 300) (i32.const 3) (i32.const 2))
    (call $call_on_cleanup (i32.const 4) (i32.const 0))
    (drop (call $call_perform)))
  (func $on_cleanup (param $env i32)
    (global.set $cleaned (i32.add (local.get $env) (call $msg_reject_code))))
  ;; replies at once, then calls arg.inc; the reply callback tries to reply again
  (func (export "canister_update reply_then_call")
    (call $reply_i32 (i32.const 7))
    (call $start_call (i32.const 300) (i32.const 3) (i32.const 0))
    (drop (call $call_perform)))
  ;; the timer handler of a canister with $rearm_trap set re-arms and then traps
  (global $rearm_trap (mut i32) (i32.const 0))
  (func (export "canister_update arm_trapping")
    (global.set $rearm_trap (i32.const 1))
    (drop (call $global_timer_set (i64.const 1)))
    (call $reply_i32 (i32.const 1)))
  (func (export "canister_query timer_state")
    (i32.store (i32.const 0) (global.get $fired))
    (call $msg_reply_data_append (i32.const 0) (i32.const 4))
    (call $msg_reply))
  ;; arms the timer at time() + 1s
  (func (export "canister_update arm")
    (drop (call $global_timer_set (i64.add (call $time) (i64.const 1000000000))))
    (call $reply_i32 (i32.const 1)))
  (func (export "canister_global_timer")
    (global.set $timer_prev (call $global_timer_set (i64.const 0)))
    (global.set $fired (i32.add (global.get $fired) (i32.const 1)))
    (if (global.get $rearm_trap) (then
      (drop (call $global_timer_set (i64.const 2)))
      (call $trap (i32.const 303) (i32.const 4)))))
`);

async function setup(n = 1) {
  const sim = new IcSim({ seed: 7 });
  const wasm = watModule(MAIN);
  const ids = [];
  for (let i = 0; i < n; i++) {
    const id = sim.createCanister();
    sim.installCode(id, wasm);
    ids.push(id);
  }
  return { sim, ids, wasm };
}

test('update call replies and state persists across calls', async () => {
  const { sim, ids: [a] } = await setup();
  eq(le32((await sim.updateCall(a, 'inc')).reply), 1, 'first');
  const r = await sim.updateCall(a, 'inc');
  eq(r.status, 'replied');
  eq(le32(r.reply), 2, 'second');
  eq(sim.logs(a).map((l) => l.text), ['hello', 'hello'], 'debug_print log');
  ok(r.instructions > 1000n, 'instructions include System API charges');
});

test('a trap rolls back memory, globals, stable memory, memory growth and the reply', async () => {
  const { sim, ids: [a] } = await setup();
  await sim.updateCall(a, 'inc');
  const r = await sim.updateCall(a, 'write_then_trap');
  eq(r.status, 'rejected');
  eq(r.rejectCode, RejectCode.CANISTER_ERROR);
  contains(r.rejectMessage, 'called ic0.trap with message: boom');
  eq(le32((await sim.queryCall(a, 'get')).reply), 1, 'global');
  eq(le32((await sim.queryCall(a, 'get_mem')).reply), 0, 'memory');
  eq(le32((await sim.queryCall(a, 'get_stable')).reply), -1, 'stable memory size');
  eq(sim.canister(a).mem.buffer.byteLength, 65536, 'memory size after rollback');
  eq(le32((await sim.updateCall(a, 'inc')).reply), 2, 'canister still works');
});

test('a second reply traps and the first reply is discarded with it', async () => {
  const { sim, ids: [a] } = await setup();
  const r = await sim.updateCall(a, 'reply_twice');
  eq(r.rejectCode, RejectCode.CANISTER_ERROR);
  contains(r.rejectMessage, 'ic0.msg_reply: the call has already been answered');
});

test('an update that returns without replying gets CANISTER_ERROR and keeps its state', async () => {
  const { sim, ids: [a] } = await setup();
  const r = await sim.updateCall(a, 'no_reply');
  eq([r.rejectCode, r.rejectMessage], [5, `Canister ${sim.canister(a).text} did not reply to the call`]);
  eq(le32((await sim.queryCall(a, 'get')).reply), 555, 'state kept');
});

test('msg_reject gives CANISTER_REJECT with the text', async () => {
  const { sim, ids: [a] } = await setup();
  const r = await sim.updateCall(a, 'reject');
  eq([r.status, r.rejectCode, r.rejectMessage], ['rejected', 4, 'boom']);
});

test('queries discard their state changes', async () => {
  const { sim, ids: [a] } = await setup();
  await sim.updateCall(a, 'inc');
  eq(le32((await sim.queryCall(a, 'query_mutates')).reply), 1001, 'query sees its own change');
  eq(le32((await sim.queryCall(a, 'get')).reply), 1, 'change discarded');
  const viaUpdate = await sim.updateCall(a, 'query_mutates');
  eq(le32(viaUpdate.reply), 1001, 'query called as update');
  eq(le32((await sim.queryCall(a, 'get')).reply), 1, 'replicated query discarded too');
  eq((await sim.queryCall(a, 'inc')).rejectCode, 5, 'update method is not a query');
});

test('inter-canister call: reply callback by table index and env', async () => {
  const { sim, ids: [a, b] } = await setup(2);
  await sim.updateCall(b, 'inc');
  const r = await sim.updateCall(a, 'call_inc', b);
  eq(r.status, 'replied');
  eq([le32(r.reply), le32(r.reply.subarray(4)), le32(r.reply.subarray(8))], [2, 11, 0], 'callee reply, env, reject code 0');
  eq(le32((await sim.queryCall(b, 'get')).reply), 2, 'callee state');
});

test('inter-canister call: reject callback sees the code (missing method, missing canister)', async () => {
  const { sim, ids: [a, b] } = await setup(2);
  const r = await sim.updateCall(a, 'call_missing', b);
  eq([le32(r.reply), le32(r.reply.subarray(4))], [RejectCode.CANISTER_ERROR, 22]);
  const ghost = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 99, 1, 1]);
  const r2 = await sim.updateCall(a, 'call_inc', ghost);
  eq(le32(r2.reply), RejectCode.DESTINATION_INVALID, 'unknown canister');
});

test('a trapping callback is rolled back, cleanup runs and commits, the caller gets CANISTER_ERROR', async () => {
  const { sim, ids: [a, b] } = await setup(2);
  const r = await sim.updateCall(a, 'call_trap_cb', b);
  eq(r.rejectCode, RejectCode.CANISTER_ERROR);
  contains(r.rejectMessage, 'trapped');
  eq(le32((await sim.queryCall(a, 'get')).reply), 0, 'callback change rolled back');
  eq(le32((await sim.queryCall(a, 'get_cleaned')).reply), 33, 'cleanup ran with env 33 and reject code 0');
  eq(le32((await sim.queryCall(b, 'get')).reply), 1, 'callee change kept');
});

test('a trapping cleanup is rolled back too, and nothing more happens', async () => {
  const { sim, ids: [a, b] } = await setup(2);
  const r = await sim.updateCall(a, 'call_trap_cb_trap_cleanup', b);
  eq(r.rejectCode, RejectCode.CANISTER_ERROR);
  contains(r.rejectMessage, 'called ic0.trap with message: boom', 'the callback trap is reported');
  eq(le32((await sim.queryCall(a, 'get_cleaned')).reply), 0, 'cleanup change rolled back');
  eq(sim.logs(a).filter((l) => l.text.startsWith('[TRAP]')).length, 2, 'both traps logged');
});

test('global timer fires once when due and reads 0 (reset before canister_global_timer)', async () => {
  const { sim, ids: [a] } = await setup();
  await sim.updateCall(a, 'arm');
  await sim.tick();
  let f = (await sim.queryCall(a, 'get_fired')).reply;
  eq(le32(f.subarray(8)), 0, 'not yet due');
  sim.advanceTime(1_000_000_000n);
  await sim.tick(3);
  f = (await sim.queryCall(a, 'get_fired')).reply;
  eq(new DataView(f.buffer, f.byteOffset).getBigInt64(0, true), 0n, 'previous timer value');
  eq(le32(f.subarray(8)), 1, 'fired once');
});

test('a trapping timer handler: its re-arm is rolled back and the timer stays off', async () => {
  const { sim, ids: [a] } = await setup();
  await sim.updateCall(a, 'arm_trapping');
  await sim.tick(3);
  eq(sim.canister(a).timer, 0n, 'timer off');
  eq(le32((await sim.queryCall(a, 'timer_state')).reply), 0, 'the handler ran but its changes were rolled back');
  ok(sim.logs(a).some((l) => l.text === '[TRAP]: called ic0.trap with message: boom'), 'trap logged');
});

test('a context is answered once: a callback replying after the method replied traps', async () => {
  const { sim, ids: [a, b] } = await setup(2);
  const r = await sim.updateCall(a, 'reply_then_call', b);
  eq(le32(r.reply), 7, 'the first reply reaches the caller');
  await sim.tick(3);
  ok(sim.logs(a).some((l) => l.text.includes('[TRAP]: ic0.msg_reply_data_append: the call has already been answered')), 'callback trapped');
  eq(le32((await sim.queryCall(b, 'get')).reply), 1, 'the call itself went through');
});

test('upgrade keeps stable memory and drops wasm memory; reinstall wipes both', async () => {
  const { sim, ids: [a], wasm } = await setup();
  await sim.updateCall(a, 'write_stable');
  eq(le32((await sim.queryCall(a, 'get_mem')).reply), 5);
  sim.installCode(a, wasm, new Uint8Array(0), { mode: 'upgrade' });
  eq(le32((await sim.queryCall(a, 'get_stable')).reply), 4242, 'stable kept');
  eq(le32((await sim.queryCall(a, 'get_mem')).reply), 0, 'heap dropped');
  sim.installCode(a, wasm, new Uint8Array(0), { mode: 'reinstall' });
  eq(le32((await sim.queryCall(a, 'get_stable')).reply), -1, 'stable wiped');
  await throwsWith(() => sim.installCode(a, wasm), 'not empty');
});

test('several calls in flight complete, and the same seed gives the same order', async () => {
  const order = async (seed) => {
    const sim = new IcSim({ seed });
    const wasm = watModule(MAIN);
    const [a, b] = [sim.createCanister(), sim.createCanister()];
    sim.installCode(a, wasm);
    sim.installCode(b, wasm);
    const hs = [sim.submitCall(a, 'call_inc', b), sim.submitCall(a, 'call_inc', b), sim.submitCall(b, 'inc')];
    const rs = [];
    for (const h of hs) rs.push(le32((await sim.awaitCall(h)).reply));
    return rs;
  };
  const x = await order(1);
  eq([...x].sort(), [1, 2, 3], 'each call saw a distinct counter');
  eq(await order(1), x, 'deterministic for a seed');
});

test('concurrent updateCall and queryCall (Promise.all) take turns and all complete', async () => {
  const { sim, ids: [a, b] } = await setup(2);
  const rs = await Promise.all([
    sim.updateCall(a, 'call_inc', b), sim.queryCall(a, 'get'), sim.updateCall(b, 'inc'), sim.queryCall(b, 'get'),
    sim.updateCall(a, 'inc'),
  ]);
  eq(rs.map((r) => r.status), ['replied', 'replied', 'replied', 'replied', 'replied']);
  eq([le32(rs[2].reply), le32(rs[4].reply)].sort(), [1, 1], 'independent counters');
  eq(le32((await sim.queryCall(b, 'get')).reply), 2, 'both increments of b happened');
});

test('stopped canisters reject calls; started ones accept them again', async () => {
  const { sim, ids: [a] } = await setup();
  await sim.stopCanister(a);
  eq(sim.canisterStatus(a), 'stopped');
  const r = await sim.updateCall(a, 'inc');
  eq([r.rejectCode, r.rejectMessage], [5, `Canister ${sim.canister(a).text} is stopped`]);
  sim.startCanister(a);
  eq(le32((await sim.updateCall(a, 'inc')).reply), 1);
});

test('callbacks must be (env: I) -> (): a bad index or a wrong type traps the callback', async () => {
  const sim = new IcSim();
  const id = sim.createCanister();
  sim.installCode(id, watModule(canisterWat(`
    (table 3 funcref)
    (elem (i32.const 0) $wide $two)
    (data (i32.const 100) "ok")
    (func $wide (param i64))
    (func $two (param i32 i32))
    (func (export "canister_update ok") (call $msg_reply))
    (func $call (param $fun i32)
      (call $canister_self_copy (i32.const 0) (i32.const 0) (call $canister_self_size))
      (call $call_new (i32.const 0) (call $canister_self_size) (i32.const 100) (i32.const 2)
        (local.get $fun) (i32.const 0) (local.get $fun) (i32.const 0))
      (drop (call $call_perform)))
    (func (export "canister_update wide") (call $call (i32.const 0)))
    (func (export "canister_update two") (call $call (i32.const 1)))
    (func (export "canister_update empty") (call $call (i32.const 2)))
    (func (export "canister_update outside") (call $call (i32.const 3)))`)));
  contains((await sim.updateCall(id, 'wide')).rejectMessage, 'callback index 0 refers to a function whose parameter is not i32');
  contains((await sim.updateCall(id, 'two')).rejectMessage, 'callback index 1 refers to a function that does not take one env argument');
  contains((await sim.updateCall(id, 'empty')).rejectMessage, 'callback index 2 refers to an empty table entry');
  contains((await sim.updateCall(id, 'outside')).rejectMessage, 'callback index 3 is outside the function table');
});

test('wasm64: pointers are i64 and a 64-bit callback env comes back unchanged', async () => {
  const sim = new IcSim();
  const id = sim.createCanister();
  sim.installCode(id, watModule(canisterWat(`
    (table 1 funcref)
    (elem (i32.const 0) $back)
    (data (i64.const 100) "ok")
    (func (export "canister_update ok") (call $msg_reply))
    (func $back (param $env i64)
      (i64.store (i64.const 0) (local.get $env))
      (call $msg_reply_data_append (i64.const 0) (i64.const 8))
      (call $msg_reply))
    (func (export "canister_update go")
      (call $canister_self_copy (i64.const 16) (i64.const 0) (call $canister_self_size))
      (call $call_new (i64.const 16) (call $canister_self_size) (i64.const 100) (i64.const 2)
        (i64.const 0) (i64.const 0x7234567890abcdef) (i64.const 0) (i64.const 0x7234567890abcdef))
      (drop (call $call_perform)))`, { ptr: 'i64' })));
  const r = await sim.updateCall(id, 'go');
  eq(new DataView(r.reply.buffer).getBigUint64(0, true), 0x7234567890abcdefn);
});

test('a gzip-compressed module installs like the plain one', async () => {
  const sim = new IcSim();
  const id = sim.createCanister();
  sim.installCode(id, gzipSync(watModule(MAIN)));
  eq(le32((await sim.updateCall(id, 'inc')).reply), 1);
});

test('custom sections: icp:public/icp:private only, one visibility per name', async () => {
  const sim = new IcSim();
  const section = (name) => {
    const n = new TextEncoder().encode(name);
    const payload = [n.length, ...n, 1, 2, 3];
    return [0, payload.length, ...payload];
  };
  const withSections = (...names) => Uint8Array.from([...watModule('(module)'), ...names.flatMap(section)]);
  sim.installCode(sim.createCanister(), withSections('icp:public candid:service', 'name'));
  await throwsWith(() => sim.installCode(sim.createCanister(), withSections('icp:secret x')), 'custom section "icp:secret x" is not icp:public or icp:private');
  await throwsWith(() => sim.installCode(sim.createCanister(), withSections('icp:public a', 'icp:private a')), 'custom section "a" declared twice');
});

test('corrupted modules are refused with a clear error, never a crash', async () => {
  const base = watModule(MAIN);
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const bytes = Uint8Array.from(base);
    for (let k = 1 + (rnd() % 3); k > 0; k--) bytes[rnd() % bytes.length] = rnd() & 255;
    const sim = new IcSim();
    const id = sim.createCanister();
    try {
      sim.installCode(id, bytes);
      const r = await sim.updateCall(id, 'inc');
      ok(r.status === 'replied' || r.status === 'rejected', 'a call on a mutated module gets a result');
    } catch (e) {
      ok(e instanceof ModuleError || /^install_code \(install\) on .* failed: /.test(e.message), `clear error: ${e.stack}`);
      refused++;
    }
  }
  ok(refused > 100, `most mutations are refused (${refused})`);
});

test('a module importing a non-ic0 function is refused with a clear error', async () => {
  const sim = new IcSim();
  const id = sim.createCanister();
  const bad = watModule('(module (import "env" "f" (func)))');
  await throwsWith(() => sim.installCode(id, bad), 'import env.f is not an ic0 function');
  const badType = watModule('(module (import "ic0" "msg_reply" (func (param i32))))');
  await throwsWith(() => sim.installCode(id, badType), 'ic0.msg_reply imported with type (i32) -> ()');
  const badExport = watModule('(module (func (export "canister_update f") (param i32)))');
  await throwsWith(() => sim.installCode(id, badExport), 'export "canister_update f" must have type () -> ()');
  const twice = watModule('(module (func $f) (export "canister_update m" (func $f)) (export "canister_query m" (func $f)))');
  await throwsWith(() => sim.installCode(id, twice), 'method "m" is exported as both update and query');
  const reserved = watModule('(module (func $f) (export "canister_foo" (func $f)))');
  await throwsWith(() => sim.installCode(id, reserved), 'export "canister_foo" is reserved');
  const mems = watModule('(module (import "ic0" "msg_reply" (func)) (memory 1) (memory 1))');
  await throwsWith(() => sim.installCode(id, mems), 'more than one memory');
  const many = watModule(`(module ${Array.from({ length: 1001 }, (_, i) => `(func (export "canister_query m${i}"))`).join(' ')})`);
  await throwsWith(() => sim.installCode(id, many), 'exports more than 1,000 update/query/composite query methods');
  const globals = watModule(`(module ${Array.from({ length: 1001 }, () => '(global i32 (i32.const 0))').join(' ')})`);
  await throwsWith(() => sim.installCode(id, globals), 'declares more than 1,000 globals');
  eq(sim.canister(id).code, null, 'still empty');
});

await run('icsim-basics');
