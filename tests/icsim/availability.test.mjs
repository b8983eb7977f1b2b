// The System API availability table, checked systematically: every ic0 function is called in
// every context (for wasm32 and wasm64 modules), generated from the one table in
// tools/icsim/src/ic0_table.js. Where the specification allows the call, it must not hit the
// availability trap and must return (or, for the few functions listed in TRAP_WITH_ZEROS, trap
// for the reason zero arguments give, such as "no call is being built"); where it does not,
// the execution must trap with
// "ic0.<name> cannot be called from ... (context X)".

import { IcSim, IC0 } from '../../tools/icsim/src/index.js';
import { test, run, ok, watModule } from './harness.mjs';
import { canisterWat } from './wat.mjs';

// The probe canister. $probe(w) calls function number w of the table with zero arguments;
// each context reaches it with w taken from the argument, the callback env or a global.
function probeModule(ptr, startWhich = -1) {
  const k = (n) => `(${ptr}.const ${n})`;
  const fns = IC0.filter((f) => !(f.wasm32Only && ptr === 'i64'));
  const zero = (t) => (t === 'I' ? k(0) : `(${t}.const 0)`);
  const probes = fns
    .map((f, i) => {
      const call = `(call $${f.name} ${f.params.map(zero).join(' ')})`;
      return `    (if (i32.eq (local.get $w) (i32.const ${i})) (then ${f.result ? `(drop ${call})` : call} (return)))`;
    })
    .join('\n');
  const envOf = ptr === 'i64' ? '(i32.wrap_i64 (local.get $env))' : '(local.get $env)';
  const envArg = ptr === 'i64' ? '(i64.extend_i32_s (local.get $w))' : '(local.get $w)';
  // call_new to this canister's `method` (at `name`, `len`) with reply/reject callbacks and env w.
  const callSelf = (name, len, replyFun, rejectFun) => `
    (call $canister_self_copy ${k(64)} ${k(0)} (call $canister_self_size))
    (call $call_new ${k(64)} (call $canister_self_size) ${k(name)} ${k(len)} ${k(replyFun)} ${envArg} ${k(rejectFun)} ${envArg})`;
  return canisterWat(`
  (global $which (mut i32) (i32.const ${startWhich}))
  (table 3 funcref)
  (elem (i32.const 0) $cb_probe $cb_trap $cb_cleanup)
  (data (${ptr}.const 512) "done" "ok" "nope" "q_ok")
  (func $probe (param $w i32)
${probes})
  (func $done (call $debug_print ${k(512)} ${k(4)}))
  (func $arg (result i32)
    (call $msg_arg_data_copy ${k(0)} ${k(0)} ${k(4)})
    (i32.load ${k(0)}))
  (func $run (param $w i32) (call $probe (local.get $w)) (call $done))
  (func $run_reply (param $w i32) (call $run (local.get $w)) (call $msg_reply))
  (func (export "canister_update u") (call $run_reply (call $arg)))
  (func (export "canister_query q") (call $run_reply (call $arg)))
  (func (export "canister_composite_query cq") (call $run_reply (call $arg)))
  (func (export "canister_update ok") (call $msg_reply))
  (func (export "canister_query q_ok") (call $msg_reply))
  (func (export "canister_update noop") (call $msg_reply))
  (func (export "canister_init")
    (if (${ptr}.eq (call $msg_arg_data_size) ${k(4)}) (then (call $run (call $arg)))))
  (func (export "canister_update set_which") (global.set $which (call $arg)) (call $msg_reply))
  (func (export "canister_pre_upgrade")
    (if (i32.ge_s (global.get $which) (i32.const 0)) (then (call $run (global.get $which)))))
  (func (export "canister_update arm")
    (global.set $which (call $arg))
    (drop (call $global_timer_set (i64.const 1)))
    (call $msg_reply))
  (func (export "canister_global_timer") (call $run (global.get $which)))
  (func (export "canister_inspect_message")
    (if (${ptr}.eq (call $msg_method_name_size) ${k(4)}) (then (call $run (call $arg))))
    (call $accept_message))
  (func $start
    (if (i32.ge_s (global.get $which) (i32.const 0)) (then (call $run (global.get $which)))))
  (start $start)
  (func $cb_probe (param $env ${ptr}) (call $run_reply ${envOf}))
  (func $cb_trap (param $env ${ptr}) (unreachable))
  (func $cb_cleanup (param $env ${ptr}) (call $run ${envOf}))
  (func $call_reply (param $w i32) ${callSelf(516, 2, 0, 0)} (drop (call $call_perform)))
  (func $call_reject (param $w i32) ${callSelf(518, 4, 0, 0)} (drop (call $call_perform)))
  (func $call_cleanup (param $w i32) ${callSelf(516, 2, 1, 1)}
    (call $call_on_cleanup ${k(2)} ${envArg})
    (drop (call $call_perform)))
  (func $cq_call (param $w i32) (param $fun i32) (param $cleanup i32)
    (call $canister_self_copy ${k(64)} ${k(0)} (call $canister_self_size))
    (if (i32.eq (local.get $fun) (i32.const 2))
      (then (call $call_new ${k(64)} (call $canister_self_size) ${k(518)} ${k(4)} ${k(0)} ${envArg} ${k(0)} ${envArg}))
      (else (call $call_new ${k(64)} (call $canister_self_size) ${k(522)} ${k(4)}
        ${ptr === 'i64' ? '(i64.extend_i32_s (local.get $fun))' : '(local.get $fun)'} ${envArg}
        ${ptr === 'i64' ? '(i64.extend_i32_s (local.get $fun))' : '(local.get $fun)'} ${envArg})))
    (if (local.get $cleanup) (then (call $call_on_cleanup ${k(2)} ${envArg})))
    (drop (call $call_perform)))
  (func (export "canister_update call_reply") (call $call_reply (call $arg)))
  (func (export "canister_update call_reject") (call $call_reject (call $arg)))
  (func (export "canister_update call_cleanup") (call $call_cleanup (call $arg)))
  (func (export "canister_composite_query cq_reply") (call $cq_call (call $arg) (i32.const 0) (i32.const 0)))
  (func (export "canister_composite_query cq_reject") (call $cq_call (call $arg) (i32.const 2) (i32.const 0)))
  (func (export "canister_composite_query cq_cleanup") (call $cq_call (call $arg) (i32.const 1) (i32.const 1)))
`, { ptr });
}

// Functions that trap even where allowed when called with zero arguments: no call is being
// built, ic0.trap itself, no data certificate in icsim, no environment variable 0 or "".
const TRAP_WITH_ZEROS = new Set([
  'call_on_cleanup', 'call_data_append', 'call_with_best_effort_response', 'call_cycles_add128', 'call_cycles_add',
  'call_perform', 'trap', 'data_certificate_size', 'data_certificate_copy', 'env_var_name_size', 'env_var_name_copy',
  'env_var_value_size', 'env_var_value_copy',
]);

const argOf = (w) => Uint8Array.from([w & 255, (w >> 8) & 255, 0, 0]);
const text = (r) => (r.status === 'rejected' ? r.rejectMessage : '');

// How to run function number w in each context; each returns the text to look at (reject
// message, install error and the canister's log lines).
const CONTEXT_RUNNERS = {
  U: (env, w) => env.sim.updateCall(env.id, 'u', argOf(w)).then(text),
  RQ: (env, w) => env.sim.updateCall(env.id, 'q', argOf(w)).then(text),
  NRQ: (env, w) => env.sim.queryCall(env.id, 'q', argOf(w)).then(text),
  TQ: (env, w) => env.sim.queryCall(env.id, 'q', argOf(w), { transform: true }).then(text),
  CQ: (env, w) => env.sim.queryCall(env.id, 'cq', argOf(w)).then(text),
  Ry: (env, w) => env.sim.updateCall(env.id, 'call_reply', argOf(w)).then(text),
  Rt: (env, w) => env.sim.updateCall(env.id, 'call_reject', argOf(w)).then(text),
  C: (env, w) => env.sim.updateCall(env.id, 'call_cleanup', argOf(w)).then(text),
  CRy: (env, w) => env.sim.queryCall(env.id, 'cq_reply', argOf(w)).then(text),
  CRt: (env, w) => env.sim.queryCall(env.id, 'cq_reject', argOf(w)).then(text),
  CC: (env, w) => env.sim.queryCall(env.id, 'cq_cleanup', argOf(w)).then(text),
  F: (env, w) => env.sim.updateCall(env.id, 'noop', argOf(w)).then(text),
  I: async (env, w) => {
    try {
      env.sim.installCode(env.id, env.wasm, argOf(w), { mode: 'reinstall' });
      return '';
    } catch (e) {
      return e.message;
    }
  },
  G: async (env, w) => {
    await env.sim.updateCall(env.id, 'set_which', argOf(w));
    try {
      env.sim.installCode(env.id, env.wasm, new Uint8Array(0), { mode: 'upgrade' });
      return '';
    } catch (e) {
      await env.sim.updateCall(env.id, 'set_which', Uint8Array.of(255, 255, 255, 255));
      return e.message;
    }
  },
  T: async (env, w) => {
    await env.sim.updateCall(env.id, 'arm', argOf(w));
    await env.sim.tick();
    return '';
  },
  s: async (env, w) => {
    try {
      env.sim.installCode(env.id, watModule(probeModule(env.ptr, w)), new Uint8Array(0), { mode: 'reinstall' });
      return '';
    } catch (e) {
      return e.message;
    }
  },
};

for (const ptr of ['i32', 'i64']) {
  const fns = IC0.filter((f) => !(f.wasm32Only && ptr === 'i64'));
  let env = null;
  const setup = () => {
    if (env) return env;
    const sim = new IcSim({ seed: 3 });
    const id = sim.createCanister();
    const wasm = watModule(probeModule(ptr));
    sim.installCode(id, wasm);
    env = { sim, id, wasm, ptr };
    return env;
  };
  for (const [ctx, runner] of Object.entries(CONTEXT_RUNNERS)) {
    fns.forEach((f, w) => {
      const allowed = f.contexts.has(ctx);
      test(`${ptr} ${ctx} ${f.name} ${allowed ? 'allowed' : 'forbidden'}`, async () => {
        const e = setup();
        const c = e.sim.canister(e.id);
        c.logs = [];
        const out = `${await runner(e, w)}\n${c.logs.map((l) => l.text).join('\n')}`;
        const hit = out.includes(`ic0.${f.name} cannot be called from`) && out.includes(`(context ${ctx})`);
        if (allowed) {
          ok(!hit, `allowed call hit the availability trap: ${out}`);
          if (TRAP_WITH_ZEROS.has(f.name)) ok(/trap/i.test(out), `expected a trap from the zero arguments: ${out}`);
          else ok(out.includes('done'), `allowed call did not complete: ${out}`);
        } else ok(hit, `forbidden call did not trap with the availability message: ${out}`);
      });
    });
  }
}

test('the table has 74 functions, 9 of them for wasm32 only', () => {
  ok(IC0.length === 74, 'count');
  ok(IC0.filter((f) => f.wasm32Only).length === 9, 'wasm32-only');
});

await run('icsim-availability');
