// The management canister `aaaaa-aa` (management-canister.md). Requests whose callee is the
// empty principal come here. Canister lifecycle methods (create_canister, install_code,
// uninstall_code, canister_status, start/stop_canister, deposit_cycles) and raw_rand are served
// by the simulator itself; ecdsa_*, schnorr_* and http_request are served by mgmt_services.js,
// loaded on first use. Arguments and replies are Candid with the types of ic.did.

import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

const CANISTER_ERROR = 5;
const CANISTER_REJECT = 4;

const Visibility = IDL.Variant({ controllers: IDL.Null, public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) });
const EnvVar = IDL.Record({ name: IDL.Text, value: IDL.Text });
const Settings = IDL.Record({
  controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
  compute_allocation: IDL.Opt(IDL.Nat),
  memory_allocation: IDL.Opt(IDL.Nat),
  freezing_threshold: IDL.Opt(IDL.Nat),
  reserved_cycles_limit: IDL.Opt(IDL.Nat),
  minimum_incoming_canister_call_cycles: IDL.Opt(IDL.Nat),
  log_visibility: IDL.Opt(Visibility),
  snapshot_visibility: IDL.Opt(Visibility),
  status_visibility: IDL.Opt(Visibility),
  wasm_memory_limit: IDL.Opt(IDL.Nat),
  wasm_memory_threshold: IDL.Opt(IDL.Nat),
  environment_variables: IDL.Opt(IDL.Vec(EnvVar)),
});
const DefiniteSettings = IDL.Record({
  controllers: IDL.Vec(IDL.Principal),
  compute_allocation: IDL.Nat,
  memory_allocation: IDL.Nat,
  freezing_threshold: IDL.Nat,
  reserved_cycles_limit: IDL.Nat,
  minimum_incoming_canister_call_cycles: IDL.Nat,
  log_visibility: Visibility,
  snapshot_visibility: Visibility,
  status_visibility: Visibility,
  wasm_memory_limit: IDL.Nat,
  wasm_memory_threshold: IDL.Nat,
  environment_variables: IDL.Vec(EnvVar),
});
const CanisterIdArg = IDL.Record({ canister_id: IDL.Principal });
const InstallMode = IDL.Variant({
  install: IDL.Null,
  reinstall: IDL.Null,
  upgrade: IDL.Opt(IDL.Record({
    skip_pre_upgrade: IDL.Opt(IDL.Bool),
    wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
  })),
});
const StatusResult = IDL.Record({
  status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
  ready_for_migration: IDL.Bool,
  version: IDL.Nat64,
  settings: DefiniteSettings,
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  memory_size: IDL.Nat,
  memory_metrics: IDL.Record({
    wasm_memory_size: IDL.Nat, stable_memory_size: IDL.Nat, global_memory_size: IDL.Nat, wasm_binary_size: IDL.Nat,
    custom_sections_size: IDL.Nat, canister_history_size: IDL.Nat, wasm_chunk_store_size: IDL.Nat, snapshots_size: IDL.Nat,
  }),
  cycles: IDL.Nat,
  reserved_cycles: IDL.Nat,
  idle_cycles_burned_per_day: IDL.Nat,
  query_stats: IDL.Record({
    num_calls_total: IDL.Nat, num_instructions_total: IDL.Nat,
    request_payload_bytes_total: IDL.Nat, response_payload_bytes_total: IDL.Nat,
  }),
});

/** Argument and result types of the methods served here. */
const METHODS = {
  create_canister: [IDL.Record({ settings: IDL.Opt(Settings), sender_canister_version: IDL.Opt(IDL.Nat64) }),
    IDL.Record({ canister_id: IDL.Principal })],
  install_code: [IDL.Record({
    mode: InstallMode, canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8),
    sender_canister_version: IDL.Opt(IDL.Nat64),
  }), null],
  uninstall_code: [IDL.Record({ canister_id: IDL.Principal, sender_canister_version: IDL.Opt(IDL.Nat64) }), null],
  canister_status: [CanisterIdArg, StatusResult],
  fetch_canister_logs: [CanisterIdArg, IDL.Record({
    canister_log_records: IDL.Vec(IDL.Record({ idx: IDL.Nat64, timestamp_nanos: IDL.Nat64, content: IDL.Vec(IDL.Nat8) })),
  })],
  update_settings: [IDL.Record({ canister_id: IDL.Principal, settings: Settings, sender_canister_version: IDL.Opt(IDL.Nat64) }), null],
  delete_canister: [CanisterIdArg, null],
  start_canister: [CanisterIdArg, null],
  stop_canister: [CanisterIdArg, null],
  deposit_cycles: [CanisterIdArg, null],
  raw_rand: [null, IDL.Vec(IDL.Nat8)],
  provisional_create_canister_with_cycles: [IDL.Record({
    amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(Settings), specified_id: IDL.Opt(IDL.Principal),
    sender_canister_version: IDL.Opt(IDL.Nat64),
  }), IDL.Record({ canister_id: IDL.Principal })],
  provisional_top_up_canister: [IDL.Record({ canister_id: IDL.Principal, amount: IDL.Nat }), null],
};
// Methods served to query calls (ic.did marks them `query`).
const QUERY_METHODS = new Set(['canister_status', 'fetch_canister_logs']);
const SERVICES = new Set(['ecdsa_public_key', 'sign_with_ecdsa', 'schnorr_public_key', 'sign_with_schnorr', 'http_request']);
// management-canister.md: these cannot be called by ingress messages (create_canister may be by
// subnet admins, which icsim does not have; users create canisters with the provisional API).
const CANISTER_ONLY = new Set(['create_canister', 'raw_rand', 'deposit_cycles', ...SERVICES]);

class Reject extends Error {
  constructor(code, message) {
    super(message);
    this.rejectCode = code;
  }
}

function encode(type, value) {
  return new Uint8Array(type ? IDL.encode([type], [value]) : IDL.encode([], []));
}

function decode(type, bytes, method) {
  try {
    return type ? IDL.decode([type], bytes)[0] : IDL.decode([], bytes);
  } catch (e) {
    throw new Reject(CANISTER_ERROR, `Error decoding the argument of management method ${method}: ${e.message}`);
  }
}

function isController(c, caller) {
  return c.controllers.some((p) => Buffer.from(p).equals(Buffer.from(caller)));
}

// The canister named by a Principal argument; DESTINATION_INVALID if there is none.
function find(sim, canisterId) {
  const c = sim.canisters.get(Buffer.from(canisterId.toUint8Array()).toString('hex'));
  if (!c) throw new Reject(3, `Canister ${canisterId.toText()} not found`);
  return c;
}

// The canister a lifecycle method acts on; only its controllers (or itself) may ask.
function target(sim, caller, canisterId, method, { selfAllowed = false } = {}) {
  const c = find(sim, canisterId);
  const self = Buffer.from(caller).equals(Buffer.from(c.id));
  if (!isController(c, caller) && !(selfAllowed && self))
    throw new Reject(CANISTER_ERROR, `Only the controllers of canister ${c.text} can call ${method}`);
  return c;
}

let services = null;
async function mgmtServices(sim) {
  if (services && services.sim === sim) return services.methods;
  let mod;
  try {
    mod = await import('./mgmt_services.js');
  } catch (e) {
    throw new Reject(CANISTER_ERROR, `management services are unavailable (tools/icsim/src/mgmt_services.js: ${e.message})`);
  }
  services = { sim, methods: mod.createMgmtServices({ seed: sim.seed, httpHandler: sim.options.httpHandler }).methods };
  return services.methods;
}

// Each handler returns the reply bytes and the cycles it accepts.
const opt = (v) => (v && v.length ? v[0] : undefined);
const NUMERIC_SETTINGS = {
  freezing_threshold: 'freezingThreshold', wasm_memory_limit: 'wasmMemoryLimit', wasm_memory_threshold: 'wasmMemoryThreshold',
  compute_allocation: 'computeAllocation', memory_allocation: 'memoryAllocation', reserved_cycles_limit: 'reservedCyclesLimit',
};

// Applies the fields of a canister_settings record that are present to canister `c`.
function applySettings(c, s) {
  const controllers = opt(s.controllers);
  if (controllers) {
    if (controllers.length > 10) throw new Reject(CANISTER_REJECT, 'a canister has at most 10 controllers');
    c.controllers = controllers.map((p) => p.toUint8Array());
  }
  const env = opt(s.environment_variables);
  if (env) c.envVars = env.map((v) => [v.name, v.value]);
  for (const [field, key] of Object.entries(NUMERIC_SETTINGS)) if (opt(s[field]) !== undefined) c.settings[key] = opt(s[field]);
  c.checkLowMemory();
}

function create(sim, msg, settings, cycles) {
  const id = sim.createCanister({ controllers: [msg.caller], cycles });
  applySettings(sim.canister(id), opt(settings) || {});
  return { canister_id: Principal.fromUint8Array(id) };
}

const HANDLERS = {
  create_canister(sim, msg, args) {
    return { reply: create(sim, msg, args.settings, msg.cycles), accepted: msg.cycles };
  },
  provisional_create_canister_with_cycles(sim, msg, args) {
    if (args.specified_id.length) throw new Reject(CANISTER_REJECT, 'icsim does not support specified_id');
    const amount = args.amount.length ? args.amount[0] : 100_000_000_000_000n;
    return { reply: create(sim, msg, args.settings, amount) };
  },
  provisional_top_up_canister(sim, msg, args) {
    sim.addCycles(find(sim, args.canister_id).id, args.amount);
    return { reply: null };
  },
  install_code(sim, msg, args) {
    const c = target(sim, msg.caller, args.canister_id, 'install_code');
    const mode = Object.keys(args.mode)[0];
    const up = (mode === 'upgrade' && args.mode.upgrade[0]) || {};
    const opts = {
      mode, sender: msg.caller,
      skipPreUpgrade: Boolean(up.skip_pre_upgrade && up.skip_pre_upgrade[0]),
      wasmMemoryPersistence: up.wasm_memory_persistence && up.wasm_memory_persistence[0]
        ? Object.keys(up.wasm_memory_persistence[0])[0] : undefined,
    };
    try {
      sim.installCode(c.id, Uint8Array.from(args.wasm_module), Uint8Array.from(args.arg), opts);
    } catch (e) {
      throw new Reject(CANISTER_ERROR, e.message);
    }
    return { reply: null };
  },
  uninstall_code(sim, msg, args) {
    const c = target(sim, msg.caller, args.canister_id, 'uninstall_code');
    sim.dropContexts(c);
    Object.assign(c, { code: null, instance: null, exports: null, timer: 0n, stable: new Uint8Array(0), stablePages: 0 });
    c.version += 1n;
    return { reply: null };
  },
  canister_status(sim, msg, args) {
    const c = target(sim, msg.caller, args.canister_id, 'canister_status', { selfAllowed: true });
    const wasmSize = c.code ? BigInt(c.mem.buffer.byteLength) : 0n;
    const stableSize = BigInt(c.stablePages) * 65536n;
    return {
      reply: {
        status: { [c.status]: null },
        ready_for_migration: false,
        version: c.version,
        settings: {
          controllers: c.controllers.map((p) => Principal.fromUint8Array(p)),
          compute_allocation: c.settings.computeAllocation, memory_allocation: c.settings.memoryAllocation,
          freezing_threshold: c.settings.freezingThreshold, reserved_cycles_limit: c.settings.reservedCyclesLimit,
          minimum_incoming_canister_call_cycles: 0n,
          log_visibility: { controllers: null }, snapshot_visibility: { controllers: null },
          status_visibility: { controllers: null }, wasm_memory_limit: c.settings.wasmMemoryLimit,
          wasm_memory_threshold: c.settings.wasmMemoryThreshold,
          environment_variables: c.envVars.map(([name, value]) => ({ name, value })),
        },
        module_hash: c.code ? [Uint8Array.from(c.code.hash)] : [],
        memory_size: wasmSize + stableSize,
        memory_metrics: {
          wasm_memory_size: wasmSize, stable_memory_size: stableSize, global_memory_size: 0n,
          wasm_binary_size: c.code ? BigInt(c.code.info.bytes.length) : 0n, custom_sections_size: 0n,
          canister_history_size: 0n, wasm_chunk_store_size: 0n, snapshots_size: 0n,
        },
        cycles: c.cycles,
        reserved_cycles: 0n,
        idle_cycles_burned_per_day: 0n,
        query_stats: {
          num_calls_total: 0n, num_instructions_total: 0n, request_payload_bytes_total: 0n, response_payload_bytes_total: 0n,
        },
      },
    };
  },
  update_settings(sim, msg, args) {
    applySettings(target(sim, msg.caller, args.canister_id, 'update_settings'), args.settings);
    return { reply: null };
  },
  delete_canister(sim, msg, args) {
    const c = target(sim, msg.caller, args.canister_id, 'delete_canister');
    if (c.status !== 'stopped') throw new Reject(CANISTER_ERROR, `Canister ${c.text} must be stopped before it is deleted`);
    sim.canisters.delete(Buffer.from(c.id).toString('hex'));
    return { reply: null };
  },
  fetch_canister_logs(sim, msg, args) {
    const c = target(sim, msg.caller, args.canister_id, 'fetch_canister_logs');
    const records = c.logs.map((l, idx) => ({ idx: BigInt(idx), timestamp_nanos: l.timeNs, content: new TextEncoder().encode(l.text) }));
    return { reply: { canister_log_records: records } };
  },
  start_canister(sim, msg, args) {
    target(sim, msg.caller, args.canister_id, 'start_canister').status = 'running';
    return { reply: null };
  },
  stop_canister(sim, msg, args) {
    const c = target(sim, msg.caller, args.canister_id, 'stop_canister');
    if (c.status === 'running') c.status = c.contexts.size ? 'stopping' : 'stopped';
    if (c.status === 'stopped') return { reply: null };
    // The reply waits until the canister is stopped: the request is retried each round.
    return { retry: true };
  },
  deposit_cycles(sim, msg, args) {
    sim.addCycles(find(sim, args.canister_id).id, msg.cycles);
    return { reply: null, accepted: msg.cycles };
  },
  raw_rand(sim) {
    sim.randCounter = (sim.randCounter || 0) + 1;
    const bytes = createHash('sha256').update(`icsim raw_rand ${sim.seed} ${sim.randCounter}`).digest();
    return { reply: new Uint8Array(bytes) };
  },
};

/**
 * Serves request `msg` addressed to the management canister: runs the method and answers the
 * caller (ingress, canister or query) with a reply or a reject, refunding unaccepted cycles.
 */
export async function handleManagement(sim, msg) {
  const answer = (result, accepted = 0n) => sim.answerRequest(msg, result, accepted);
  const method = msg.method;
  try {
    if (msg.composite && !QUERY_METHODS.has(method))
      throw new Reject(CANISTER_ERROR, `management method ${method} cannot be called from a query`);
    if (!msg.composite && method === 'fetch_canister_logs')
      throw new Reject(CANISTER_REJECT, 'fetch_canister_logs can only be called as a query');
    if (CANISTER_ONLY.has(method) && msg.from === null)
      throw new Reject(CANISTER_REJECT, `management method ${method} can only be called by canisters`);
    if (SERVICES.has(method)) {
      const methods = await mgmtServices(sim);
      const ctx = {
        callerId: msg.caller, cyclesAttached: msg.cycles, timeNs: sim.time,
        callQuery: async (canisterId, name, arg) => {
          const r = await sim.runQuery(canisterId, name, arg, { sender: new Uint8Array(0), transform: true });
          if (r.status !== 'replied') throw Object.assign(new Error(r.rejectMessage), { rejectCode: r.rejectCode });
          return r.reply;
        },
      };
      const out = await methods[method](ctx, msg.arg);
      return answer({ reply: out.reply }, out.cyclesAccepted ?? 0n);
    }
    const types = METHODS[method];
    if (!types) throw new Reject(CANISTER_REJECT, `management canister has no method "${method}"`);
    const args = decode(types[0], msg.arg, method);
    const out = HANDLERS[method](sim, msg, args);
    if (out.retry) {
      msg.notBefore = sim.round + 1;
      sim.enqueue(msg);
      return;
    }
    answer({ reply: encode(types[1], out.reply) }, out.accepted ?? 0n);
  } catch (e) {
    if (e.rejectCode === undefined) throw e;
    answer({ rejectCode: e.rejectCode, rejectMessage: e.message });
  }
}
