// Reading and preparing canister modules. icsim needs a few facts that the JavaScript
// WebAssembly API does not give (the memory's index type, the types of imported functions, the
// mutable globals, the start function), and it needs to reach the module's state from outside to
// roll it back after a trap. This file parses the binary's section headers, checks the module
// against the IC's requirements (canister-interface.md "WebAssembly module requirements") and
// rewrites it so that every mutable global, the memory, the table and the start function are
// exported under names starting with `icsim:` (the start section is removed; icsim calls the
// start function itself, in the `s` context).

import { gunzipSync } from 'node:zlib';
import { IC0_BY_NAME, concreteSignature } from './ic0_table.js';

const VALTYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/** The error thrown for a module the IC would refuse; `message` says why. */
export class ModuleError extends Error {}

/** A cursor over a wasm binary: LEB128 numbers, names, types, limits, immediates. */
export class Reader {
  constructor(bytes, pos = 0, end = bytes.length) {
    this.b = bytes;
    this.pos = pos;
    this.end = end;
  }
  byte() {
    if (this.pos >= this.end) throw new ModuleError('invalid wasm module: unexpected end of section');
    return this.b[this.pos++];
  }
  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      result += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return result;
      shift += 7;
      if (shift > 63) throw new ModuleError('invalid wasm module: LEB128 too long');
    }
  }
  skipLeb() {
    while (this.byte() & 0x80);
  }
  bytes(n) {
    if (this.pos + n > this.end) throw new ModuleError('invalid wasm module: unexpected end of section');
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(n) {
    this.bytes(n);
  }
  // A block type: empty (0x40), a value type, or a type index (s33).
  blockType() {
    const t = this.b[this.pos];
    if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) this.pos++;
    else if (t === 0x63 || t === 0x64) {
      this.pos++;
      this.skipLeb();
    } else this.skipLeb();
  }
  // A memory argument: alignment (bit 6 announces a memory index) and offset.
  memarg() {
    const align = this.u32();
    if (align & 0x40) this.skipLeb();
    this.skipLeb();
  }
  name() {
    const raw = this.bytes(this.u32());
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new ModuleError('invalid wasm module: a name is not valid UTF-8');
    }
  }
  valtype() {
    const t = this.byte();
    if (t === 0x63 || t === 0x64) {
      this.skipLeb();
      return 'ref';
    }
    return VALTYPES[t] || `0x${t.toString(16)}`;
  }
  limits() {
    const flags = this.byte();
    const min = this.u32();
    const max = flags & 1 ? this.u32() : null;
    if (flags & 8) this.u32();
    return { is64: Boolean(flags & 4), min, max };
  }
  // Skips a constant expression (global initialisers), up to and including its `end`.
  constExpr() {
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return;
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) this.skipLeb();
      else if (op === 0x43) this.bytes(4);
      else if (op === 0x44) this.bytes(8);
      else if (op === 0xd0) this.valtype();
      else if (op === 0xfd) {
        this.skipLeb();
        this.bytes(16);
      } else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op))
        throw new ModuleError(`invalid wasm module: unsupported constant expression opcode 0x${op.toString(16)}`);
    }
  }
}

/** The unsigned LEB128 encoding of `n` as an array of bytes. */
export function leb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Concatenates byte arrays into one Uint8Array. */
export function concatBytes(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function encodeName(s) {
  const b = new TextEncoder().encode(s);
  return [...leb(b.length), ...b];
}

/**
 * Parses `bytes` (a wasm binary, or a gzip of one) and returns its description:
 * `{ bytes, sections, types, imports, funcImports, memories, ptr, tables, globals, exports,
 * start, customNames }`. Throws ModuleError if the binary is malformed at the level read here.
 */
export function parseModule(input) {
  let bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08) bytes = new Uint8Array(gunzipSync(bytes));
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new ModuleError('invalid wasm module: missing \\0asm magic');
  const m = {
    bytes, sections: [], types: [], imports: [], funcImports: 0, funcTypes: [], memories: [], tables: [],
    globals: [], exports: [], start: null, customNames: [], importedGlobals: 0,
  };
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const secStart = r.pos;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > bytes.length) throw new ModuleError('invalid wasm module: section runs past the end');
    m.sections.push({ id, start: secStart, payload: start, end });
    const s = new Reader(bytes, start, end);
    r.pos = end;
    if (id === 0) m.customNames.push({ name: s.name(), size: end - s.pos });
    else if (id === 1) {
      for (let n = s.u32(); n > 0; n--) {
        const form = s.byte();
        if (form !== 0x60) throw new ModuleError('invalid wasm module: only function types are supported');
        const params = [];
        const results = [];
        for (let k = s.u32(); k > 0; k--) params.push(s.valtype());
        for (let k = s.u32(); k > 0; k--) results.push(s.valtype());
        m.types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = s.u32(); n > 0; n--) {
        const imp = { module: s.name(), name: s.name(), kind: s.byte() };
        if (imp.kind === 0) {
          imp.type = s.u32();
          m.funcTypes.push(imp.type);
          m.funcImports++;
        } else if (imp.kind === 1) {
          s.valtype();
          m.tables.push(s.limits());
        } else if (imp.kind === 2) m.memories.push(s.limits());
        else if (imp.kind === 3) {
          s.valtype();
          s.byte();
          m.importedGlobals++;
        } else if (imp.kind === 4) {
          s.byte();
          s.u32();
        }
        m.imports.push(imp);
      }
    } else if (id === 3) {
      for (let n = s.u32(); n > 0; n--) m.funcTypes.push(s.u32());
    } else if (id === 4) {
      for (let n = s.u32(); n > 0; n--) {
        if (bytes[s.pos] === 0x40) {
          s.byte();
          s.byte();
          s.valtype();
          m.tables.push(s.limits());
          s.constExpr();
        } else {
          s.valtype();
          m.tables.push(s.limits());
        }
      }
    } else if (id === 5) {
      for (let n = s.u32(); n > 0; n--) m.memories.push(s.limits());
    } else if (id === 6) {
      for (let n = s.u32(); n > 0; n--) {
        const type = s.valtype();
        const mutable = s.byte() === 1;
        s.constExpr();
        m.globals.push({ type, mutable });
      }
    } else if (id === 7) {
      for (let n = s.u32(); n > 0; n--) m.exports.push({ name: s.name(), kind: s.byte(), index: s.u32() });
    } else if (id === 8) m.start = s.u32();
  }
  m.ptr = m.memories.length && m.memories[0].is64 ? 'i64' : 'i32';
  return m;
}

const SYSTEM_EXPORTS = new Set([
  'canister_init', 'canister_pre_upgrade', 'canister_post_upgrade', 'canister_inspect_message',
  'canister_heartbeat', 'canister_global_timer', 'canister_on_low_wasm_memory',
]);

/**
 * Checks the IC's module requirements on a parsed module (canister-interface.md "WebAssembly
 * module requirements", "Entry points"): at most one memory, only ic0 function imports from the
 * System API list with their exact types, well-formed `canister_` exports, no method name used
 * by two kinds, only `icp:public`/`icp:private` custom sections with the `icp:` prefix.
 * Returns the map of methods `{ update, query, composite }` (name → export name); throws
 * ModuleError naming the first violation.
 */
export function checkModule(m) {
  if (m.memories.length > 1) throw new ModuleError('invalid canister module: it declares more than one memory');
  for (const imp of m.imports) {
    if (imp.module !== 'ic0' || imp.kind !== 0)
      throw new ModuleError(`invalid canister module: import ${imp.module}.${imp.name} is not an ic0 function`);
    const entry = IC0_BY_NAME.get(imp.name);
    if (!entry) throw new ModuleError(`invalid canister module: ic0.${imp.name} is not part of the System API`);
    if (entry.wasm32Only && m.ptr === 'i64')
      throw new ModuleError(`invalid canister module: ic0.${imp.name} exists only for 32-bit memories`);
    const want = concreteSignature(entry, m.ptr);
    const got = m.types[imp.type];
    if (!got || got.params.join() !== want.params.join() || got.results.join() !== want.results.join())
      throw new ModuleError(
        `invalid canister module: ic0.${imp.name} imported with type (${got ? got.params.join(' ') : '?'}) -> (${got ? got.results.join(' ') : '?'}), expected (${want.params.join(' ')}) -> (${want.results.join(' ')})`,
      );
  }
  const methods = { update: new Map(), query: new Map(), composite: new Map() };
  const seen = new Map();
  for (const e of m.exports) {
    if (!e.name.startsWith('canister_')) continue;
    if (e.kind !== 0) throw new ModuleError(`invalid canister module: export ${e.name} is not a function`);
    const t = m.types[m.funcTypes[e.index]];
    if (!t || t.params.length || t.results.length)
      throw new ModuleError(`invalid canister module: export "${e.name}" must have type () -> ()`);
    if (SYSTEM_EXPORTS.has(e.name)) continue;
    const match = /^canister_(update|query|composite_query) (.*)$/s.exec(e.name);
    if (!match) throw new ModuleError(`invalid canister module: export "${e.name}" is reserved (it starts with canister_)`);
    const kind = match[1] === 'composite_query' ? 'composite' : match[1];
    if (seen.has(match[2]))
      throw new ModuleError(`invalid canister module: method "${match[2]}" is exported as both ${seen.get(match[2])} and ${kind}`);
    seen.set(match[2], kind);
    methods[kind].set(match[2], e.name);
  }
  const visibility = new Map();
  let customBytes = 0;
  for (const c of m.customNames) {
    if (!c.name.startsWith('icp:')) continue;
    const match = /^icp:(public|private) (.*)$/s.exec(c.name);
    if (!match) throw new ModuleError(`invalid canister module: custom section "${c.name}" is not icp:public or icp:private`);
    if (visibility.has(match[2])) throw new ModuleError(`invalid canister module: custom section "${match[2]}" declared twice`);
    visibility.set(match[2], match[1]);
    customBytes += Buffer.byteLength(match[2]) + c.size;
  }
  // The limits the IC may enforce (canister-interface.md, "The IC may reject ..."); icsim does.
  const exported = [...seen.keys()];
  const limits = [
    [m.funcTypes.length - m.funcImports > 50_000, 'it declares more than 50,000 functions'],
    [m.globals.length > 1000, 'it declares more than 1,000 globals'],
    [visibility.size > 16, 'it has more than 16 icp: custom sections'],
    [exported.length > 1000, 'it exports more than 1,000 update/query/composite query methods'],
    [exported.reduce((n, x) => n + Buffer.byteLength(x), 0) > 20_000, 'its method names are longer than 20,000 bytes together'],
    [customBytes > 1024 * 1024, 'its icp: custom sections are larger than 1 MiB together'],
  ];
  for (const [broken, why] of limits) if (broken) throw new ModuleError(`invalid canister module: ${why}`);
  return methods;
}

/**
 * Returns a copy of the module's binary in which the start section is removed and these exports
 * are added: `icsim:start` (the start function, if any), `icsim:memory`, `icsim:table` (index 0,
 * if present), `icsim:g<N>` for every mutable global N not in `skip`, and the `[name, kind,
 * index]` entries of `more`. Exports already present are kept.
 */
export function exposeState(m, more = [], skip = new Set()) {
  const extra = [...more];
  if (m.start !== null) extra.push(['icsim:start', 0, m.start]);
  if (m.memories.length) extra.push(['icsim:memory', 2, 0]);
  if (m.tables.length) extra.push(['icsim:table', 1, 0]);
  m.globals.forEach((g, i) => {
    if (g.mutable && !skip.has(m.importedGlobals + i)) extra.push([`icsim:g${m.importedGlobals + i}`, 3, m.importedGlobals + i]);
  });
  const exportBody = [...leb(m.exports.length + extra.length)];
  for (const e of m.exports) exportBody.push(...encodeName(e.name), e.kind, ...leb(e.index));
  for (const [name, kind, index] of extra) exportBody.push(...encodeName(name), kind, ...leb(index));
  const exportSection = [7, ...leb(exportBody.length), ...exportBody];
  // Section order in the binary format: 1 2 3 4 5 13 6 7 8 9 12 10 11 (custom sections anywhere).
  const order = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };
  const parts = [m.bytes.subarray(0, 8)];
  let placed = false;
  for (const s of m.sections) {
    if (s.id === 7 || s.id === 8) continue;
    if (!placed && s.id !== 0 && order[s.id] > order[7]) {
      parts.push(Uint8Array.from(exportSection));
      placed = true;
    }
    parts.push(m.bytes.subarray(s.start, s.end));
  }
  if (!placed) parts.push(Uint8Array.from(exportSection));
  return concatBytes(parts);
}
