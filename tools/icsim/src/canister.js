// One canister's state and the machinery for executing a message against it atomically.
// A message execution (canister-interface.md "Message execution") either returns and commits,
// or traps and leaves no trace in the wasm state: the canister saves its mutable globals before
// each execution and journals the stable memory pages it changes, and for the wasm memory it
// keeps a shadow copy of the last committed contents. The instrumented module marks every 4 KiB
// chunk it writes in a dirty map (meter.js), as does the System API for the bytes it copies in;
// after the execution only the marked chunks are copied, into the shadow on success, back from it
// on a trap. (A module that cannot be tracked, or an uninstrumented one, instead has its whole
// memory copied before each execution.) If the memory grew during a trapped execution, the
// instance is recreated from the compiled module (wasm memories cannot shrink) and the committed
// contents are copied back in.

import { buildImports, CanisterTrap } from './system_api.js';
import { CHUNK_SHIFT } from './meter.js';

const PAGE = 65536;
const CHUNK = 2 ** CHUNK_SHIFT;

export class Canister {
  /**
   * Creates an empty canister (no module) with principal bytes `id` and the given settings:
   * `{ controllers: Uint8Array[], cycles: bigint, envVars: [name, value][] }`.
   */
  constructor(sim, id, text, settings) {
    this.sim = sim;
    this.id = id;
    this.text = text;
    this.controllers = settings.controllers;
    this.cycles = settings.cycles;
    this.envVars = settings.envVars || [];
    this.status = 'running';
    this.version = 0n;
    this.timer = 0n;
    this.certifiedData = new Uint8Array(0);
    this.stable = new Uint8Array(0);
    this.stablePages = 0;
    this.journal = null; // stable memory undo journal of the running execution
    this.code = null; // the prepared module (see IcSim.prepareModule)
    this.instance = null;
    this.exec = null; // the running execution
    this.logs = [];
    this.contexts = new Set(); // open call contexts
    this.frozen = false;
    // Settings the simulator acts on or reports (management-canister.md, canister_settings).
    this.settings = {
      freezingThreshold: 2_592_000n, wasmMemoryLimit: 3n * 1024n * 1024n * 1024n, wasmMemoryThreshold: 0n,
      computeAllocation: 0n, memoryAllocation: 0n, reservedCyclesLimit: 5_000_000_000_000n,
    };
    // canister_on_low_wasm_memory: 'idle' (condition not met), 'ready' (run it next) or 'done'.
    this.lowMemoryHook = 'idle';
  }

  /** The wasm memory of the instance (an empty one if the module declares none). */
  memory() {
    return this.mem;
  }

  /**
   * Instantiates the prepared module `code` (without running its start function) and makes it
   * this canister's instance. Throws a CanisterTrap if instantiation fails (e.g. a data segment
   * out of bounds).
   */
  instantiate(code) {
    let inst;
    try {
      inst = new WebAssembly.Instance(code.wasmModule, { ic0: buildImports(this, code.ptr) });
    } catch (e) {
      throw new CanisterTrap(`the module could not be instantiated: ${e.message}`);
    }
    this.adopt(code, inst);
    this.resetShadow();
  }

  /** Makes `inst`, an instance of `code`, this canister's instance. */
  adopt(code, inst) {
    this.code = code;
    this.instance = inst;
    this.exports = inst.exports;
    this.mem = inst.exports['icsim:memory'] || new WebAssembly.Memory({ initial: 0 });
    this.table = inst.exports['icsim:table'] || null;
    this.globals = code.globalNames.map((n) => inst.exports[n]);
    this.counter = code.metered ? inst.exports['icsim:instructions'] : null;
    this.limit = code.metered ? inst.exports['icsim:limit'] : null;
    this.dirty = inst.exports['icsim:dirty'] || null;
  }

  /** Makes the shadow copy equal to the memory (after the memory was set from outside). */
  resetShadow() {
    this.shadow = this.dirty ? new Uint8Array(this.mem.buffer).slice() : null;
  }

  /** Marks [dst, dst + size) of the wasm memory as written (for writes made by the System API). */
  markWritten(dst, size) {
    if (!this.dirty || size === 0) return;
    new Uint8Array(this.dirty.buffer).fill(1, Math.floor(dst / CHUNK), Math.floor((dst + size - 1) / CHUNK) + 1);
  }

  // Calls fn(offset) for each chunk marked in the dirty map and clears the marks.
  forEachDirty(fn) {
    const map = new Uint8Array(this.dirty.buffer, 0, Math.ceil(this.mem.buffer.byteLength / CHUNK));
    for (let i = map.indexOf(1); i !== -1; i = map.indexOf(1, i + 1)) {
      map[i] = 0;
      fn(i * CHUNK);
    }
  }

  /** After a successful execution: copies the written chunks (and any new pages) to the shadow. */
  commitWrites() {
    const live = new Uint8Array(this.mem.buffer);
    if (live.length > this.shadow.length) {
      const grown = new Uint8Array(live.length);
      grown.set(this.shadow);
      grown.set(live.subarray(this.shadow.length), this.shadow.length);
      this.shadow = grown;
    }
    const shadow = this.shadow;
    this.forEachDirty((at) => shadow.set(live.subarray(at, at + CHUNK), at));
  }

  /** After a trap or a query: puts the written chunks back from the shadow. */
  undoWrites() {
    const shadow = this.shadow;
    if (this.mem.buffer.byteLength > shadow.length) {
      this.instantiate(this.code); // the memory grew: start from a fresh instance
      const missing = (shadow.length - this.mem.buffer.byteLength) / PAGE;
      if (missing > 0) this.mem.grow(this.code.ptr === 'i64' ? BigInt(missing) : missing);
      new Uint8Array(this.mem.buffer).set(shadow);
      this.shadow = shadow;
      return;
    }
    const live = new Uint8Array(this.mem.buffer);
    this.forEachDirty((at) => live.set(shadow.subarray(at, at + CHUNK), at));
  }

  /** Instructions executed so far by execution `e`: wasm instructions plus System API charges. */
  instructionsSoFar(e) {
    const wasm = this.counter ? this.counter.value : 0n;
    return wasm + BigInt(e.sysInstructions);
  }

  /**
   * The wasm state to return to if an execution traps. With `reuse`, the memory copy goes into
   * a buffer kept by the canister for that purpose (the snapshot is then valid only until the
   * next such call); otherwise into a new one.
   */
  snapshot(reuse = false) {
    const live = new Uint8Array(this.mem.buffer);
    let mem;
    if (reuse && this.dirty) mem = null; // tracked writes: the shadow is the snapshot
    else if (reuse) {
      if (!this.spare || this.spare.length !== live.length) this.spare = new Uint8Array(live.length);
      mem = this.spare;
      mem.set(live);
    } else mem = live.slice();
    return {
      code: this.code,
      instance: this.instance,
      mem,
      globals: this.globals.map((g) => g.value),
      cycles: this.cycles,
    };
  }

  /** Puts back the state captured by `snap` (see snapshot()). */
  restore(snap) {
    if (this.instance !== snap.instance) this.adopt(snap.code, snap.instance);
    if (this.mem.buffer.byteLength > snap.mem.length) this.instantiate(snap.code);
    const missing = (snap.mem.length - this.mem.buffer.byteLength) / PAGE;
    if (missing > 0) this.mem.grow(this.code.ptr === 'i64' ? BigInt(missing) : missing);
    new Uint8Array(this.mem.buffer).set(snap.mem);
    this.restoreGlobals(snap);
    this.resetShadow();
  }

  // Puts back the globals and the cycle balance of a snapshot.
  restoreGlobals(snap) {
    this.globals.forEach((g, i) => {
      g.value = snap.globals[i];
    });
    this.cycles = snap.cycles;
  }

  /** Grows stable memory to `pages` pages of zeroes; false if the buffer cannot be allocated. */
  stableGrow(pages) {
    const bytes = pages * PAGE;
    if (bytes > this.stable.length) {
      let cap = Math.max(this.stable.length * 2, PAGE);
      while (cap < bytes) cap *= 2;
      let next;
      try {
        next = new Uint8Array(cap);
      } catch {
        return false;
      }
      next.set(this.stable);
      this.stable = next;
    }
    if (this.journal && this.journal.pagesBefore === null) this.journal.pagesBefore = this.stablePages;
    this.stablePages = pages;
    return true;
  }

  /**
   * Updates the low-memory hook state after an execution (abstract-behavior.md "Scheduling on
   * low wasm memory hook"): ready once the memory comes within the threshold of the limit,
   * idle again when it no longer is.
   */
  checkLowMemory() {
    if (!this.code) return;
    const { wasmMemoryLimit: limit, wasmMemoryThreshold: threshold } = this.settings;
    if (limit < BigInt(this.mem.buffer.byteLength) + threshold) {
      if (this.lowMemoryHook === 'idle') this.lowMemoryHook = 'ready';
    } else this.lowMemoryHook = 'idle';
  }

  /** Writes `data` at `offset` in stable memory (bounds already checked), journaling old pages. */
  stableWrite(offset, data) {
    const j = this.journal;
    if (j) {
      const limit = j.pagesBefore === null ? this.stablePages : j.pagesBefore;
      for (let p = Math.floor(offset / PAGE); p * PAGE < offset + data.length && p < limit; p++)
        if (!j.pages.has(p)) j.pages.set(p, this.stable.slice(p * PAGE, (p + 1) * PAGE));
    }
    this.stable.set(data, offset);
  }

  /** Undoes the stable memory changes recorded in `journal`. */
  stableUndo(j) {
    for (const [p, bytes] of j.pages) this.stable.set(bytes, p * PAGE);
    if (j.pagesBefore !== null) {
      this.stable.fill(0, j.pagesBefore * PAGE, this.stablePages * PAGE);
      this.stablePages = j.pagesBefore;
    }
  }

  /**
   * Runs `body()` as one message execution described by `exec` (its context, argument, staged
   * effects). On a trap, or when `exec.discard` is set (queries), every change to memory,
   * globals, stable memory and the cycle balance is undone. Returns null on success or the
   * trap's message. Errors that are not traps (bugs in icsim) are rethrown after the rollback.
   */
  run(exec, body) {
    const snap = this.snapshot(true);
    const journal = { pages: new Map(), pagesBefore: null };
    this.journal = journal;
    this.exec = exec;
    if (this.counter) {
      this.counter.value = 0n;
      this.limit.value = exec.limit;
    }
    let failure = null;
    let bug = null;
    const sizeBefore = this.mem.buffer.byteLength;
    try {
      body();
      const size = this.mem.buffer.byteLength;
      if (exec.memoryLimit && size > sizeBefore && BigInt(size) > exec.memoryLimit)
        failure = `exceeded its wasm memory limit of ${exec.memoryLimit} bytes (memory grew to ${size})`;
    } catch (e) {
      if (e instanceof CanisterTrap) failure = e.message;
      else if (this.counter && this.counter.value > exec.limit)
        failure = `exceeded the instruction limit of ${exec.limit} for a single message execution`;
      else if (e instanceof WebAssembly.RuntimeError) failure = `wasm trap: ${e.message}`;
      else if (e instanceof RangeError) failure = `wasm trap: stack overflow (${e.message})`;
      else bug = e;
    }
    exec.instructions = this.instructionsSoFar(exec);
    this.exec = null;
    this.journal = null;
    if (failure !== null) this.sim.log(this, `[TRAP]: ${failure}`); // the IC logs traps too
    if (failure !== null || bug || exec.discard) {
      this.stableUndo(journal);
      if (!snap.mem) {
        this.undoWrites();
        this.restoreGlobals(snap);
      } else this.restore(snap);
    } else if (this.dirty) this.commitWrites();
    if (bug) throw bug;
    return failure;
  }

  /** Calls the exported function `name` (throws a CanisterTrap if it is missing). */
  callExport(name) {
    const f = this.exports[name];
    if (typeof f !== 'function') throw new CanisterTrap(`the module has no export "${name}"`);
    f();
  }

  /**
   * Calls the callback at table index `fun` with `env` (canister-interface.md: callbacks are
   * table entries of type (env : I) -> ()); an index out of range, an empty entry or an entry of
   * another arity traps.
   */
  callTable(fun, env) {
    const t = this.table;
    if (!t || fun >= Number(t.length)) throw new CanisterTrap(`callback index ${fun} is outside the function table`);
    const f = t.get(this.code.table64 ? BigInt(fun) : fun);
    if (!f) throw new CanisterTrap(`callback index ${fun} refers to an empty table entry`);
    if (f.length !== 1) throw new CanisterTrap(`callback index ${fun} refers to a function that does not take one env argument`);
    try {
      f(this.code.ptr === 'i64' ? BigInt(env) : env);
    } catch (e) {
      // Passing env to a parameter of the other integer type fails before the call enters wasm.
      if (e instanceof TypeError && /BigInt/.test(e.message))
        throw new CanisterTrap(`callback index ${fun} refers to a function whose parameter is not ${this.code.ptr}`);
      throw e;
    }
  }
}
