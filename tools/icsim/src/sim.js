// IcSim: a local Internet Computer for tests. It holds canisters, a queue of messages between
// them and a clock, and executes messages one at a time the way the IC's abstract behaviour
// (abstract-behavior.md) prescribes: each message execution is atomic, calls are answered once,
// callbacks run as separate executions, and a call context that can no longer be answered gets
// a CANISTER_ERROR reject. The order in which queued messages run is chosen by a PRNG seeded by
// the `seed` option, so a test sees real interleavings and the same seed gives the same run.
// Requests from one canister to another still start in the order they were made (the IC's
// ordering guarantee); responses have no order.

import { createHash } from 'node:crypto';
import { Principal } from '@dfinity/principal';
import { Canister } from './canister.js';
import { CanisterTrap } from './system_api.js';
import { parseModule, checkModule, exposeState, concatBytes, ModuleError } from './wasm_module.js';
import { meterModule } from './meter.js';
import { Faults } from './faults.js';
import { handleManagement } from './mgmt.js';

const COMPOSITE = new Set(['CQ', 'CRy', 'CRt', 'CC']);
const ANONYMOUS = Uint8Array.of(4);

// Prepared modules by content hash, shared by all simulators of the process: instrumenting and
// compiling a module takes tens of milliseconds, and tests install the same modules many times.
// A prepared module holds no canister state.
const MODULE_CACHE = new Map();

/** Reject codes (https-interface.md "Reject codes"). */
export const RejectCode = Object.freeze({
  SYS_FATAL: 1, SYS_TRANSIENT: 2, DESTINATION_INVALID: 3, CANISTER_REJECT: 4, CANISTER_ERROR: 5, SYS_UNKNOWN: 6,
});

/** Instruction limits per message execution (related/resource-limits.md). */
export const LIMITS = Object.freeze({
  update: 40_000_000_000n, query: 5_000_000_000n, install: 300_000_000_000n, inspect: 200_000_000n,
});

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

/** A small deterministic PRNG (mulberry32) seeded from any string or number. */
function rng(seed) {
  let h = 2166136261;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Turns a principal given as bytes, text or Principal into bytes. */
export function principalBytes(p) {
  if (p instanceof Uint8Array) return p;
  if (typeof p === 'string') return Principal.fromText(p).toUint8Array();
  if (p && typeof p.toUint8Array === 'function') return p.toUint8Array();
  throw new TypeError(`not a principal: ${p}`);
}

/** The textual form of principal bytes (e.g. rwlgt-iiaaa-aaaaa-aaaaa-cai). */
export function principalText(bytes) {
  return Principal.fromUint8Array(bytes).toText();
}

export class IcSim {
  /**
   * Options: `seed` (message order and raw_rand; default 0), `time` (ns since 1970, bigint;
   * default 2026-01-01), `httpHandler` (for http_request, passed to the management services),
   * `metering` (instrument modules to count instructions; default true), `trackWrites`
   * (instrument stores so that rollback copies only written memory; default true, needs
   * metering; false copies the whole memory before each execution), `instructionLimits`
   * (overrides of LIMITS: `{ update, query, install, inspect }`), `printLogs` (echo debug_print
   * to stderr).
   */
  constructor(options = {}) {
    this.options = options;
    this.seed = options.seed ?? 0;
    this.random = rng(this.seed);
    this.time = options.time ?? 1_767_225_600_000_000_000n;
    this.metering = options.metering ?? true;
    this.trackWrites = this.metering && (options.trackWrites ?? true);
    this.limits = { ...LIMITS };
    for (const [k, v] of Object.entries(options.instructionLimits || {})) this.limits[k] = BigInt(v);
    this.canisters = new Map();
    this.nextIndex = 0n;
    this.queue = [];
    this.callbacks = new Map();
    this.calls = new Map(); // ingress calls by handle
    this.nextId = 1;
    this.round = 0;
    this.compositeSnaps = null; // set while a query call runs
    this.seqNo = 0;
    this.lockTail = Promise.resolve();
    this.faults = new Faults(this);
    const h = createHash('sha256').update(`icsim subnet ${this.seed}`).digest();
    this.subnetId = Uint8Array.of(...h.subarray(0, 28), 2);
    const rk = createHash('sha512').update(`icsim root key ${this.seed}`).digest();
    this.rootKey = Uint8Array.from([
      ...Buffer.from('308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100', 'hex'),
      ...rk, ...rk.subarray(0, 32),
    ]);
  }

  // ---------------------------------------------------------------------------------------
  // Canisters and modules

  /**
   * Creates an empty canister and returns its principal bytes. Options: `controllers`
   * (principals; default the anonymous principal), `cycles` (bigint; default 100T), `envVars`.
   */
  createCanister(opts = {}) {
    const idx = this.nextIndex++;
    const id = new Uint8Array(10);
    new DataView(id.buffer).setBigUint64(0, idx);
    id[8] = 1;
    id[9] = 1;
    const controllers = (opts.controllers || [opts.sender || ANONYMOUS]).map(principalBytes);
    const c = new Canister(this, id, principalText(id), {
      controllers, cycles: opts.cycles ?? 100_000_000_000_000n, envVars: opts.envVars,
    });
    this.canisters.set(hex(id), c);
    return id;
  }

  /** The canister with principal `id` (bytes or text); throws if there is none. */
  canister(id) {
    const c = this.canisters.get(hex(principalBytes(id)));
    if (!c) throw new Error(`no canister ${typeof id === 'string' ? id : principalText(principalBytes(id))}`);
    return c;
  }

  /**
   * Validates, instruments and compiles a module (cached by its SHA-256, process-wide). Returns the prepared
   * code: `{ hash, ptr, methods, wasmModule, globalNames, metered, info }`. Throws ModuleError.
   */
  prepareModule(wasm) {
    const bytes = wasm instanceof Uint8Array ? wasm : new Uint8Array(wasm);
    const hash = createHash('sha256').update(bytes).digest();
    const key = `${hash.toString('hex')}:${this.metering}:${this.trackWrites}`;
    const cached = MODULE_CACHE.get(key);
    if (cached) return cached;
    const info = parseModule(bytes);
    const methods = checkModule(info);
    let exposed;
    let hasStart = info.start !== null;
    if (this.metering) {
      const metered = meterModule(info.bytes, { track: this.trackWrites });
      const m2 = parseModule(metered.bytes);
      const more = [['icsim:instructions', 3, metered.counter], ['icsim:limit', 3, metered.limit]];
      if (metered.dirty !== null) more.push(['icsim:dirty', 2, metered.dirty]);
      exposed = exposeState(m2, more, new Set([metered.counter, metered.limit]));
      hasStart = m2.start !== null;
    } else exposed = exposeState(info);
    let wasmModule;
    try {
      wasmModule = new WebAssembly.Module(exposed);
    } catch (e) {
      throw new ModuleError(`invalid wasm module: ${e.message}`);
    }
    const globalNames = WebAssembly.Module.exports(wasmModule)
      .filter((e) => e.kind === 'global' && e.name.startsWith('icsim:g'))
      .map((e) => e.name);
    const code = {
      hash, ptr: info.ptr, methods, wasmModule, globalNames, metered: this.metering, info,
      table64: info.tables.length > 0 && info.tables[0].is64,
      eop: info.customNames.some((s) => s.name === 'icp:private enhanced-orthogonal-persistence'),
      hasStart,
    };
    MODULE_CACHE.set(key, code);
    return code;
  }

  /**
   * Installs `wasm` on canister `id` with argument bytes `arg`. `mode` is 'install' (the
   * canister must be empty), 'reinstall' (state and stable memory wiped) or 'upgrade'
   * (canister_pre_upgrade on the old module unless `skipPreUpgrade`, stable memory kept,
   * canister_post_upgrade on the new one; the wasm memory is kept too with
   * `wasmMemoryPersistence: 'keep'`, which the new module must allow by its
   * `enhanced-orthogonal-persistence` section; an old module with that section requires the
   * option to be 'keep' or 'replace' (abstract-behavior.md, install_code)). The whole operation
   * is atomic: on any failure nothing changes and an Error is thrown whose message says why
   * (including a trap's message). Returns the instructions used.
   */
  installCode(id, wasm, arg = new Uint8Array(0), opts = {}) {
    const c = this.canister(id);
    const mode = opts.mode || 'install';
    const sender = principalBytes(opts.sender || c.controllers[0] || ANONYMOUS);
    const code = this.prepareModule(wasm);
    if (mode === 'install' && c.code) throw new Error(`canister ${c.text} is not empty: use mode 'reinstall' or 'upgrade'`);
    if (mode === 'upgrade' && !c.code) throw new Error(`canister ${c.text} has no module to upgrade`);
    if (!['install', 'reinstall', 'upgrade'].includes(mode)) throw new Error(`unknown install mode "${mode}"`);
    const persistence = opts.wasmMemoryPersistence;
    if (mode === 'upgrade' && c.code.eop && !persistence)
      throw new Error(`install_code (upgrade) on ${c.text} failed: the canister uses enhanced orthogonal persistence, so the upgrade must say wasm_memory_persistence = keep or replace`);
    if (mode === 'upgrade' && persistence === 'keep' && !code.eop)
      throw new Error(`install_code (upgrade) on ${c.text} failed: wasm_memory_persistence = keep needs a module with the private custom section enhanced-orthogonal-persistence`);
    const saved = {
      code: c.code, instance: c.instance, stable: c.stable, stablePages: c.stablePages, timer: c.timer,
      certifiedData: c.certifiedData, cycles: c.cycles, snap: c.code ? c.snapshot() : null,
    };
    const fail = (why) => {
      Object.assign(c, { stable: saved.stable, stablePages: saved.stablePages, timer: saved.timer });
      Object.assign(c, { certifiedData: saved.certifiedData, cycles: saved.cycles });
      if (saved.snap) c.restore(saved.snap);
      else Object.assign(c, { code: null, instance: null, exports: null });
      throw new Error(`install_code (${mode}) on ${c.text} failed: ${why}`);
    };
    let instructions = 0n;
    const system = (ctx, exportName, a, limit) => {
      const exec = this.newExec(c, ctx, { arg: a, caller: sender, limit });
      const trapped = c.run(exec, () => c.callExport(exportName));
      instructions += exec.instructions;
      if (trapped) fail(`${exportName === 'icsim:start' ? 'start function' : exportName} trapped: ${trapped}`);
      if (exec.certifiedData) c.certifiedData = exec.certifiedData;
      c.timer = exec.timer;
    };
    if (mode === 'upgrade' && c.exports.canister_pre_upgrade && !opts.skipPreUpgrade) {
      c.stable = c.stable.slice();
      system('G', 'canister_pre_upgrade', new Uint8Array(0), this.limits.install);
    }
    if (mode !== 'upgrade') {
      c.stable = new Uint8Array(0);
      c.stablePages = 0;
    } else if (c.stable === saved.stable) c.stable = c.stable.slice();
    c.timer = 0n; // install, reinstall and upgrade deactivate the timer
    const kept = mode === 'upgrade' && persistence === 'keep' ? new Uint8Array(c.mem.buffer).slice() : null;
    try {
      c.instantiate(code);
      if (kept) {
        const missing = Math.ceil((kept.length - c.mem.buffer.byteLength) / 65536);
        if (missing > 0) c.mem.grow(code.ptr === 'i64' ? BigInt(missing) : missing);
        new Uint8Array(c.mem.buffer).set(kept);
        c.resetShadow();
      }
    } catch (e) {
      fail(e.message);
    }
    if (code.hasStart) system('s', 'icsim:start', new Uint8Array(0), this.limits.install);
    const entry = mode === 'upgrade' ? 'canister_post_upgrade' : 'canister_init';
    if (c.exports[entry]) system('I', entry, arg, this.limits.install);
    c.version += 1n;
    if (mode === 'reinstall') this.dropContexts(c);
    return instructions;
  }

  /** Reinstall/uninstall: open call contexts are rejected and their callbacks never run. */
  dropContexts(c) {
    for (const cc of c.contexts) {
      if (cc.needsResponse && !cc.responded)
        this.respond(cc, { rejectCode: RejectCode.CANISTER_REJECT, rejectMessage: `Canister ${c.text} was reinstalled or uninstalled` });
    }
    for (const cb of this.callbacks.values()) if (cb.canister === c) cb.deleted = true;
    c.contexts.clear();
  }

  // ---------------------------------------------------------------------------------------
  // Executions

  /** A fresh execution record for context `ctx` on canister `c` (see system_api.js). */
  newExec(c, ctx, fields) {
    return {
      ctx, cc: null, arg: new Uint8Array(0), caller: ANONYMOUS, rejectCode: 0, rejectMsg: new Uint8Array(0),
      methodName: new Uint8Array(0), refunded: 0n, accepted: 0n, replyBuf: [], replySize: 0, response: null,
      pendingCall: null, calls: [], timer: c.timer, certifiedData: null, time: this.time, sysInstructions: 0,
      instructions: 0n, limit: ctx.endsWith('Q') || COMPOSITE.has(ctx) ? this.limits.query : this.limits.update,
      discard: false, messageAccepted: false,
      // The wasm memory limit applies to replicated executions that grow the memory.
      memoryLimit: ctx.endsWith('Q') || COMPOSITE.has(ctx) || ctx === 'F' ? 0n : c.settings.wasmMemoryLimit,
      ...fields,
    };
  }

  /** Called by ic0.call_perform: queues the pending call of `exec`, or refuses it (returns 2). */
  performCall(c, exec) {
    const p = exec.pendingCall; // system_api.js checked that a call is pending
    exec.pendingCall = null;
    if (c.frozen || this.faults.performFails(c, p)) {
      c.cycles += p.cycles;
      return RejectCode.SYS_TRANSIENT;
    }
    exec.calls.push(p);
    return 0;
  }

  /**
   * Applies the staged effects of a finished execution: on success the response, the calls
   * and the timer and certified data; the instruction count always.
   */
  commit(c, exec, trapped) {
    const cc = exec.cc;
    if (cc) cc.instructions += exec.instructions;
    c.checkLowMemory();
    if (trapped || exec.discard) {
      if (exec.discard && !trapped && exec.response) this.respond(cc, exec.response);
      return;
    }
    c.timer = exec.timer;
    if (exec.certifiedData) c.certifiedData = exec.certifiedData;
    if (exec.pendingCall) c.cycles += exec.pendingCall.cycles; // built but never performed: discarded
    if (cc && exec.accepted) cc.available -= exec.accepted;
    for (const p of exec.calls) this.enqueueCall(c, cc, p);
    if (exec.response) this.respond(cc, exec.response);
  }

  /**
   * Sends call `p` (built by call_new ... call_perform) of canister `c` from call context `cc`:
   * registers its callback, which keeps `cc` open, and queues the request.
   */
  enqueueCall(c, cc, p) {
    const id = this.nextId++;
    const deadline = p.timeout === null ? 0n : this.time + BigInt(p.timeout) * 1_000_000_000n;
    this.callbacks.set(id, { id, canister: c, cc, ...p, deadline, deleted: false });
    cc.outstanding++;
    this.enqueue({
      kind: 'request', from: c.id, to: p.callee, method: p.method, arg: concatBytes(p.chunks), cycles: p.cycles,
      callbackId: id, deadline, caller: c.id, stream: `${hex(c.id)}>${hex(p.callee)}`, notBefore: 0,
      composite: COMPOSITE.has(cc.ctx),
    });
  }

  /** Answers call context `cc` with `result` ({reply} or {rejectCode, rejectMessage}). */
  respond(cc, result) {
    if (!cc.needsResponse || cc.responded) return;
    cc.responded = true;
    const refund = cc.available;
    cc.available = 0n;
    cc.result = result;
    const o = cc.origin;
    if (o.kind === 'ingress') {
      const call = this.calls.get(o.handle);
      call.result = { ...result, instructions: cc.instructions, status: result.reply ? 'replied' : 'rejected' };
    } else if (o.kind === 'call') {
      this.enqueue({ kind: 'response', to: o.from, callbackId: o.callbackId, result, refund, notBefore: 0 });
    } else if (o.kind === 'local') o.resolve({ ...result, instructions: cc.instructions });
  }

  /**
   * The end of an execution in call context `cc`: if nothing can answer it any more, the IC
   * rejects it with CANISTER_ERROR (abstract-behavior.md "Call context starvation"); a closed
   * context is forgotten.
   */
  settle(c, cc, trapped) {
    if (cc.needsResponse && !cc.responded && cc.outstanding === 0) {
      this.respond(cc, {
        rejectCode: RejectCode.CANISTER_ERROR,
        rejectMessage: trapped ? `Canister ${c.text} trapped: ${trapped}` : `Canister ${c.text} did not reply to the call`,
      });
    }
    if ((cc.responded || !cc.needsResponse) && cc.outstanding === 0) {
      c.contexts.delete(cc);
      if (c.status === 'stopping' && c.contexts.size === 0) c.status = 'stopped';
    }
  }

  /**
   * Opens a call context on canister `c` for an entry point of context `ctx`. `origin` says
   * whom to answer: `{ kind: 'ingress', handle }`, `{ kind: 'call', from, callbackId }`,
   * `{ kind: 'local', resolve }` (a query call) or `{ kind: 'system' }` (timer, heartbeat:
   * nobody).
   */
  newContext(c, ctx, origin, fields) {
    const cc = {
      ctx, origin, needsResponse: origin.kind !== 'system', responded: false, outstanding: 0, available: 0n,
      instructions: 0n, deadline: 0n, caller: ANONYMOUS, ...fields,
    };
    c.contexts.add(cc);
    return cc;
  }

  /** Adds a message to the queue, stamped with its position in sending order. */
  enqueue(msg) {
    msg.seq = this.seqNo++;
    this.queue.push(msg);
  }

  /**
   * Answers request `msg` directly (no call context: a reject before any code ran, or the
   * management canister): to the ingress call, the query call or the calling canister, which
   * gets back the cycles not `accepted`.
   */
  answerRequest(msg, result, accepted = 0n) {
    if (msg.handle !== undefined) {
      this.calls.get(msg.handle).result = { ...result, instructions: 0n, status: result.reply ? 'replied' : 'rejected' };
    } else if (msg.local) msg.local({ ...result, instructions: 0n });
    else this.enqueue({ kind: 'response', to: msg.from, callbackId: msg.callbackId, result, refund: msg.cycles - accepted, notBefore: 0 });
  }

  /** Rejects a request without running any code. */
  rejectRequest(msg, code, message) {
    this.answerRequest(msg, { rejectCode: code, rejectMessage: message });
  }

  /** Delivers a request to its canister (or to the management canister). */
  async deliverRequest(msg) {
    if (msg.to.length === 0) return handleManagement(this, msg);
    const key = hex(msg.to);
    const c = this.canisters.get(key);
    const name = () => principalText(msg.to);
    if (!c) return this.rejectRequest(msg, RejectCode.DESTINATION_INVALID, `Canister ${name()} not found`);
    if (!c.code) return this.rejectRequest(msg, RejectCode.CANISTER_ERROR, `Canister ${c.text} is empty (no wasm module installed)`);
    if (c.status !== 'running') return this.rejectRequest(msg, RejectCode.CANISTER_ERROR, `Canister ${c.text} is ${c.status}`);
    if (c.frozen) return this.rejectRequest(msg, RejectCode.SYS_TRANSIENT, `Canister ${c.text} is out of cycles`);
    const fault = this.faults.onDeliver(c, msg.method);
    if (fault && fault.rejectCode) return this.rejectRequest(msg, fault.rejectCode, fault.message);
    let ctx;
    let exportName;
    if (c.code.methods.update.has(msg.method) && !msg.composite) {
      ctx = 'U';
      exportName = c.code.methods.update.get(msg.method);
    } else if (c.code.methods.query.has(msg.method)) {
      ctx = msg.transform ? 'TQ' : msg.composite ? 'NRQ' : 'RQ';
      exportName = c.code.methods.query.get(msg.method);
    } else if (c.code.methods.composite.has(msg.method) && msg.composite) {
      ctx = 'CQ';
      exportName = c.code.methods.composite.get(msg.method);
    } else if (c.code.methods.composite.has(msg.method)) {
      return this.rejectRequest(msg, RejectCode.CANISTER_ERROR,
        `Canister ${c.text}: composite query method "${msg.method}" cannot be called in replicated mode`);
    } else {
      const what = msg.composite ? 'query' : 'update or query';
      return this.rejectRequest(msg, RejectCode.CANISTER_ERROR, `Canister ${c.text} has no ${what} method "${msg.method}"`);
    }
    const origin = msg.handle !== undefined ? { kind: 'ingress', handle: msg.handle }
      : msg.local ? { kind: 'local', resolve: msg.local }
        : { kind: 'call', from: msg.from, callbackId: msg.callbackId };
    const cc = this.newContext(c, ctx, origin, {
      available: msg.cycles, deadline: msg.deadline, caller: msg.caller, method: msg.method,
    });
    this.runEntry(c, cc, ctx, exportName, msg.arg, msg.caller, fault && fault.trap);
  }

  /** Runs a method entry point in call context `cc`. */
  runEntry(c, cc, ctx, exportName, arg, caller, injectTrap) {
    // Queries never keep state; a composite query keeps it until the whole query call ends.
    this.touch(c);
    const exec = this.newExec(c, ctx, { cc, arg, caller, discard: ctx === 'RQ' || ctx === 'NRQ' || ctx === 'TQ' });
    const trapped = c.run(exec, () => {
      if (injectTrap) throw new CanisterTrap(injectTrap);
      c.callExport(exportName);
    });
    this.commit(c, exec, trapped);
    this.settle(c, cc, trapped);
    return trapped;
  }

  /** Delivers a response to the canister that made the call, running its callback. */
  deliverResponse(msg) {
    const cb = this.callbacks.get(msg.callbackId);
    if (!cb) return;
    this.callbacks.delete(msg.callbackId); // (a late response to an expired call finds none)
    const c = cb.canister;
    c.cycles += msg.refund;
    const cc = cb.cc;
    cc.outstanding--;
    if (cb.deleted || !c.code) {
      this.settle(c, cc, null);
      return;
    }
    const reply = msg.result.reply !== undefined;
    const composite = COMPOSITE.has(cc.ctx);
    this.touch(c);
    const ctx = reply ? (composite ? 'CRy' : 'Ry') : composite ? 'CRt' : 'Rt';
    const exec = this.newExec(c, ctx, {
      cc, caller: cc.caller, refunded: msg.refund,
      arg: reply ? msg.result.reply : new Uint8Array(0),
      rejectCode: reply ? 0 : msg.result.rejectCode,
      rejectMsg: reply ? new Uint8Array(0) : new TextEncoder().encode(msg.result.rejectMessage),
    });
    const trapped = c.run(exec, () => c.callTable(reply ? cb.replyFun : cb.rejectFun, reply ? cb.replyEnv : cb.rejectEnv));
    this.commit(c, exec, trapped);
    if (trapped && cb.cleanup) {
      // The cleanup callback runs on the state from before the trapped callback; its changes
      // (and its global_timer_set) are kept unless it traps too (canister-interface.md).
      const clean = this.newExec(c, composite ? 'CC' : 'C', {
        cc, caller: cc.caller, rejectCode: exec.rejectCode,
      });
      const t2 = c.run(clean, () => c.callTable(cb.cleanup.fun, cb.cleanup.env));
      cc.instructions += clean.instructions;
      if (!t2) c.timer = clean.timer;
    }
    this.settle(c, cc, trapped);
  }

  /**
   * Runs the system tasks of every running canister: the global timer if due, the low wasm
   * memory hook if ready, the heartbeat.
   */
  runSystemTasks() {
    for (const c of this.canisters.values()) {
      if (!c.code || c.status !== 'running' || c.frozen) continue;
      if (c.timer !== 0n && this.time >= c.timer) {
        c.timer = 0n; // reset before canister_global_timer runs (canister-interface.md "Global timer")
        if (c.exports.canister_global_timer) this.runTask(c, 'canister_global_timer');
      }
      if (c.lowMemoryHook === 'ready' && c.exports.canister_on_low_wasm_memory) {
        c.lowMemoryHook = 'done';
        this.runTask(c, 'canister_on_low_wasm_memory');
      }
      if (c.exports.canister_heartbeat) this.runTask(c, 'canister_heartbeat');
    }
  }

  runTask(c, exportName) {
    const cc = this.newContext(c, 'T', { kind: 'system' }, { caller: new Uint8Array(0) });
    const exec = this.newExec(c, 'T', { cc, caller: new Uint8Array(0) });
    const trapped = c.run(exec, () => c.callExport(exportName));
    this.commit(c, exec, trapped);
    this.settle(c, cc, trapped);
  }

  /** Bounded-wait calls past their deadline get SYS_UNKNOWN (canister-interface.md). */
  expireDeadlines() {
    for (const cb of this.callbacks.values()) {
      if (cb.deadline === 0n || this.time < cb.deadline) continue;
      // The callback moves to a new id: the SYS_UNKNOWN reject is delivered to it, and the
      // callee's response, addressed to the old id, finds nothing.
      this.callbacks.delete(cb.id);
      const id = this.nextId++;
      this.callbacks.set(id, { ...cb, id, deadline: 0n });
      this.enqueue({
        kind: 'response', to: cb.canister.id, callbackId: id, refund: 0n, notBefore: 0,
        result: { rejectCode: RejectCode.SYS_UNKNOWN, rejectMessage: 'the deadline of this bounded-wait call expired' },
      });
    }
  }

  /** Picks the next message sent before `cutoff` to run (seeded), or null if none is eligible. */
  pickMessage(cutoff) {
    const streams = new Set();
    const eligible = [];
    this.queue.forEach((m, i) => {
      if (m.kind === 'request' && !(this.faults.rules.length && this.faults.reorders(m))) {
        if (streams.has(m.stream)) return;
        streams.add(m.stream);
      }
      if (m.notBefore <= this.round && m.seq < cutoff) eligible.push(i);
    });
    if (!eligible.length) return null;
    const i = eligible[Math.floor(this.random() * eligible.length)];
    return this.queue.splice(i, 1)[0];
  }

  /** Executes one queued message sent before `cutoff`; returns false if none was eligible. */
  async step(cutoff = Infinity) {
    const msg = this.pickMessage(cutoff);
    if (!msg) return false;
    if (msg.kind === 'request') {
      const delay = this.faults.delayFor(msg);
      if (delay) {
        msg.notBefore = this.round + delay;
        this.enqueue(msg);
        return true;
      }
      await this.deliverRequest(msg);
    } else this.deliverResponse(msg);
    return true;
  }

  /**
   * One round: due timers and heartbeats, expired deadlines, then the messages that were
   * eligible when the round began (messages they produce wait for a later round).
   */
  async tick(rounds = 1) {
    return this.exclusive(() => this.runRounds(rounds));
  }

  async runRounds(rounds) {
    for (let r = 0; r < rounds; r++) {
      this.runSystemTasks();
      this.expireDeadlines();
      const cutoff = this.seqNo;
      while (await this.step(cutoff));
      this.round++;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Ingress and queries

  /**
   * Submits an update call from `sender` (default anonymous) and returns a handle for
   * awaitCall. If the canister exports canister_inspect_message, it runs first; a message it
   * does not accept is rejected at once (as the IC refuses such ingress).
   */
  submitCall(id, method, arg = new Uint8Array(0), opts = {}) {
    const to = principalBytes(id);
    const caller = principalBytes(opts.sender || ANONYMOUS);
    const handle = this.nextId++;
    this.calls.set(handle, { result: null });
    const msg = {
      kind: 'request', from: null, to, method, arg, cycles: 0n, handle, deadline: 0n, caller,
      stream: `ingress${handle}`, notBefore: 0, composite: false,
    };
    const c = this.canisters.get(hex(to));
    if (c && c.code && c.exports.canister_inspect_message && c.status === 'running') {
      const cc = { ctx: 'F', needsResponse: false, instructions: 0n, available: 0n, deadline: 0n, responded: false };
      const exec = this.newExec(c, 'F', {
        cc, arg, caller, methodName: new TextEncoder().encode(method), discard: true, limit: this.limits.inspect,
      });
      const trapped = c.run(exec, () => c.callExport('canister_inspect_message'));
      if (trapped || !exec.messageAccepted) {
        this.calls.get(handle).result = {
          status: 'rejected', rejectCode: RejectCode.CANISTER_REJECT, instructions: exec.instructions,
          rejectMessage: trapped ? `Canister ${c.text} trapped in canister_inspect_message: ${trapped}`
            : `Canister ${c.text} rejected the message in canister_inspect_message`,
        };
        return handle;
      }
    }
    this.enqueue(msg);
    return handle;
  }

  /**
   * Runs rounds until the call with `handle` is answered and returns its result:
   * `{ status: 'replied', reply: Uint8Array, instructions }` or
   * `{ status: 'rejected', rejectCode, rejectMessage, instructions }`. Throws if the call can
   * never complete (no message left to run) or after `maxRounds` rounds (default 10000).
   */
  async awaitCall(handle, maxRounds = 10000) {
    const call = this.calls.get(handle);
    if (!call) throw new Error(`unknown call handle ${handle}`);
    const stuck = await this.runUntil(() => call.result, maxRounds);
    if (stuck) throw new Error(`call ${handle} ${stuck === 'idle' ? 'can never be answered: no message is left to run' : `not answered after ${maxRounds} rounds`}`);
    this.calls.delete(handle);
    return call.result;
  }

  /**
   * Runs rounds, one turn each (see exclusive), until `done()` holds. Returns null then, 'idle'
   * if nothing is left that could make progress, or 'limit' after `maxRounds` rounds.
   */
  async runUntil(done, maxRounds) {
    for (let r = 0; ; r++) {
      const state = await this.exclusive(async () => {
        if (done()) return 'done';
        if (r >= maxRounds) return 'limit';
        if (!this.hasWork()) return 'idle';
        await this.runRounds(1);
        return 'ran';
      });
      if (state === 'done') return null;
      if (state !== 'ran') return state;
    }
  }

  /**
   * True if another round could run something: a queued message, a heartbeat, a due timer, or
   * a bounded-wait deadline that has passed. (Time only moves when the test moves it.)
   */
  hasWork() {
    if (this.queue.length) return true;
    for (const c of this.canisters.values())
      if (c.code && c.status === 'running' && (c.exports.canister_heartbeat || (c.timer !== 0n && this.time >= c.timer)
        || (c.lowMemoryHook === 'ready' && c.exports.canister_on_low_wasm_memory))) return true;
    for (const cb of this.callbacks.values()) if (cb.deadline !== 0n && this.time >= cb.deadline) return true;
    return false;
  }

  /** submitCall + awaitCall. */
  async updateCall(id, method, arg = new Uint8Array(0), opts = {}) {
    return this.awaitCall(this.submitCall(id, method, arg, opts));
  }

  /**
   * A query call (non-replicated): runs a query or composite query method and discards every
   * state change. A composite query may call query methods of other canisters; those calls run
   * at once in a private queue, and every canister they touch is restored when the query call
   * ends. Returns the same shape as awaitCall. With `{ transform: true }` a query method runs
   * as an http_request transform (context TQ), as the management canister calls it.
   */
  async queryCall(id, method, arg = new Uint8Array(0), opts = {}) {
    return this.exclusive(() => this.runQuery(id, method, arg, opts));
  }

  /**
   * Runs `fn` (async) after every operation started before it has finished: rounds and query
   * calls swap and walk the shared queue, so concurrent callers (e.g. `Promise.all` of several
   * updateCall) must take turns. Returns fn's result.
   */
  exclusive(fn) {
    const run = this.lockTail.then(fn, fn);
    this.lockTail = run.catch(() => {});
    return run;
  }

  /** queryCall without taking a turn: for the management canister, already inside a round. */
  async runQuery(id, method, arg = new Uint8Array(0), opts = {}) {
    const to = principalBytes(id);
    const caller = principalBytes(opts.sender || ANONYMOUS);
    const c = this.canisters.get(hex(to));
    if (c && c.code && c.code.methods.update.has(method)) {
      return { status: 'rejected', rejectCode: RejectCode.CANISTER_ERROR, instructions: 0n,
        rejectMessage: `Canister ${c.text} has no query method "${method}" (it is an update method)` };
    }
    const saved = { queue: this.queue, callbacks: this.callbacks, snaps: this.compositeSnaps };
    this.queue = [];
    this.callbacks = new Map();
    // A plain query rolls itself back; only a composite one needs the snapshots of touch().
    this.compositeSnaps = c && c.code && c.code.methods.query.has(method) ? null : new Map();
    let result = null;
    try {
      this.enqueue({
        kind: 'request', from: null, to, method, arg, cycles: 0n, deadline: 0n, caller, stream: 'query', notBefore: 0,
        composite: true, transform: Boolean(opts.transform), local: (r) => (result = r),
      });
      for (let guard = 0; !result && this.queue.length && guard < 1000000; guard++) await this.step();
    } finally {
      for (const [c2, s] of this.compositeSnaps || []) {
        c2.restore(s.snap);
        Object.assign(c2, { stable: s.stable, stablePages: s.pages, timer: s.timer, contexts: s.contexts });
      }
      Object.assign(this, { queue: saved.queue, callbacks: saved.callbacks, compositeSnaps: saved.snaps });
    }
    if (!result) throw new Error(`query ${method} did not complete`);
    return { ...result, status: result.reply ? 'replied' : 'rejected' };
  }

  /** Inside a composite query call, remembers a canister's state the first time it runs. */
  touch(c) {
    if (!this.compositeSnaps || this.compositeSnaps.has(c)) return;
    this.compositeSnaps.set(c, {
      snap: c.snapshot(), stable: c.stable.slice(), pages: c.stablePages, timer: c.timer, contexts: new Set(c.contexts),
    });
  }

  // ---------------------------------------------------------------------------------------
  // Time, status, cycles, logs

  /** Moves the clock forward by `ns` nanoseconds (bigint or number). */
  advanceTime(ns) {
    this.time += BigInt(ns);
  }

  /** Sets the clock to `ns` (ns since 1970); it may not go backwards. */
  setTime(ns) {
    const t = BigInt(ns);
    if (t < this.time) throw new Error('setTime: time cannot go backwards on the IC');
    this.time = t;
  }

  getTime() {
    return this.time;
  }

  /**
   * Stops canister `id`: new calls are rejected at once, and the canister is stopped when its
   * open call contexts are closed. Runs rounds until then (at most `maxRounds`).
   */
  async stopCanister(id, maxRounds = 10000) {
    const c = this.canister(id);
    if (c.status === 'stopped') return;
    c.status = c.contexts.size ? 'stopping' : 'stopped';
    if (await this.runUntil(() => c.status === 'stopped', maxRounds))
      throw new Error(`canister ${c.text} cannot stop: ${c.contexts.size} call contexts stay open`);
  }

  /** Starts a stopped or stopping canister. */
  startCanister(id) {
    this.canister(id).status = 'running';
  }

  /** 'running', 'stopping' or 'stopped'. */
  canisterStatus(id) {
    return this.canister(id).status;
  }

  /** The cycle balance of canister `id` (bigint). */
  cycleBalance(id) {
    return this.canister(id).cycles;
  }

  /** Adds `amount` cycles to canister `id` and returns the new balance. */
  addCycles(id, amount) {
    const c = this.canister(id);
    c.cycles += BigInt(amount);
    if (c.cycles > 0n) c.frozen = false;
    return c.cycles;
  }

  /** The canister's debug_print log: `[{ timeNs, text }]` in order. */
  logs(id) {
    return this.canister(id).logs.slice();
  }

  log(c, text) {
    c.logs.push({ timeNs: this.time, text });
    if (this.options.printLogs) process.stderr.write(`[${c.text}] ${text}\n`);
  }

  /** Registers a fault (see faults.js); returns its id. */
  injectFault(spec) {
    return this.faults.add(spec);
  }

  /** Removes all faults. */
  clearFaults() {
    this.faults.clear();
  }
}
