// The `icsim` command: run a canister method, or a scenario of several canisters and calls,
// with arguments and replies as Candid text (through build/candid/candid.wasm).
//
//   icsim call WASM METHOD [ARGS] [--query] [--init ARGS] [--seed N] [--raw] [--logs]
//              [--arg-types '(T, ...)'] [--ret-types '(T, ...)']
//   icsim run SCENARIO        (a text scenario, or JSON if the file name ends in .json)
//
// A text scenario has one step per line (`#` starts a comment):
//   seed N                                  set the seed (first line only)
//   canister NAME WASM [ARGS]               create a canister and install WASM with init ARGS
//   upgrade NAME WASM [ARGS] | reinstall NAME WASM [ARGS]
//   call NAME METHOD [ARGS] [-> EXPECT]     update call; EXPECT is Candid text or
//   query NAME METHOD [ARGS] [-> EXPECT]      `reject CODE ["text"]`
//   tick [N] | advance DURATION (5s, 10ms, 7ns) | stop NAME | start NAME
//   logs NAME contains "TEXT"
// In ARGS and EXPECT, `$NAME` stands for `principal "<id of canister NAME>"`. A JSON scenario is
// `{ "seed": N, "steps": [ { "op": "call", "canister": "a", "method": "m", "args": "()",
// "expect": "(...)" }, ... ] }` with the same operations and field names as below; a call step
// may also give `argTypes` and `retTypes` (Candid types that name record fields).
// Each checked step prints `ok` or `FAIL` with the difference; the run ends with the line
// `N passed, M failed` and exits 1 if any step failed.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { IcSim, principalText } from './sim.js';
import { CandidError, decodeCandid, encodeCandid } from './candid_tool.js';

const USAGE = `usage: icsim call WASM METHOD [ARGS] [--query] [--init ARGS] [--seed N] [--raw] [--logs]
                  [--arg-types '(T, ...)'] [--ret-types '(T, ...)']
       icsim run SCENARIO`;

/** A mistake in the command line or the scenario: shown without a stack trace. */
class UsageError extends Error {}

function parseFlags(argv) {
  const flags = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--query' || a === '--raw' || a === '--logs') flags[a.slice(2)] = true;
    else if (['--init', '--seed', '--arg-types', '--ret-types'].includes(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      flags[a.slice(2)] = argv[++i];
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else flags.positional.push(a);
  }
  return flags;
}

function readWasm(path) {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${e.message}`);
  }
}

async function argBytes(text, raw, types) {
  if (raw) {
    if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new UsageError(`--raw arguments must be hex, got "${text}"`);
    return Uint8Array.from(Buffer.from(text, 'hex'));
  }
  return encodeCandid(text, types);
}

async function cmdCall(argv, out) {
  const f = parseFlags(argv);
  if (f.positional.length < 2 || f.positional.length > 3) throw new UsageError(USAGE);
  const [wasmPath, method, args = f.raw ? '' : '()'] = f.positional;
  const sim = new IcSim({ seed: f.seed ?? 0 });
  const id = sim.createCanister();
  try {
    sim.installCode(id, readWasm(wasmPath), await argBytes(f.init ?? (f.raw ? '' : '()'), f.raw));
  } catch (e) {
    if (e instanceof CandidError || e instanceof UsageError) throw e;
    throw new UsageError(e.message);
  }
  const arg = await argBytes(args, f.raw, f['arg-types']);
  const r = f.query ? await sim.queryCall(id, method, arg) : await sim.updateCall(id, method, arg);
  if (f.logs) for (const l of sim.logs(id)) out.err(`[log] ${l.text}`);
  if (r.status === 'rejected') {
    out.err(`rejected (code ${r.rejectCode}): ${r.rejectMessage}`);
    return 1;
  }
  out.log(f.raw ? Buffer.from(r.reply).toString('hex') : await decodeCandid(r.reply, f['ret-types']));
  return 0;
}

// ---- scenarios ---------------------------------------------------------------------------------

// Splits a scenario line into words; double-quoted strings and parenthesised Candid text stay
// whole.
function words(line) {
  const out = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ' || line[i] === '\t') {
      i++;
      continue;
    }
    let j = i;
    if (line[i] === '(') {
      let depth = 0;
      let inStr = false;
      for (; j < line.length; j++) {
        const ch = line[j];
        if (inStr) {
          if (ch === '\\') j++;
          else if (ch === '"') inStr = false;
        } else if (ch === '"') inStr = true;
        else if (ch === '(') depth++;
        else if (ch === ')' && --depth === 0) break;
      }
      if (depth !== 0 && j >= line.length) throw new UsageError(`unbalanced parentheses in: ${line}`);
      j++;
    } else if (line[i] === '"') {
      for (j = i + 1; j < line.length && line[j] !== '"'; j++) if (line[j] === '\\') j++;
      j++;
    } else while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

const unquote = (s) => (s && s.startsWith('"') ? JSON.parse(s) : s);

// One text line as a step object (the JSON form).
function parseLine(line, lineNo) {
  const w = words(line);
  const op = w[0];
  const step = { op, line: lineNo };
  const arrow = w.indexOf('->');
  const expect = arrow >= 0 ? w.slice(arrow + 1) : null;
  const body = arrow >= 0 ? w.slice(1, arrow) : w.slice(1);
  if (op === 'seed') step.seed = body[0];
  else if (op === 'canister' || op === 'upgrade' || op === 'reinstall') Object.assign(step, { canister: body[0], wasm: body[1], args: body[2] });
  else if (op === 'call' || op === 'query') Object.assign(step, { canister: body[0], method: body[1], args: body[2] });
  else if (op === 'tick') step.rounds = body[0] ? Number(body[0]) : 1;
  else if (op === 'advance') step.duration = body[0];
  else if (op === 'stop' || op === 'start') step.canister = body[0];
  else if (op === 'logs') Object.assign(step, { canister: body[0], contains: unquote(body[2]) });
  else throw new UsageError(`line ${lineNo}: unknown step "${op}"`);
  if (expect) {
    if (expect[0] === 'reject') step.expectReject = { code: Number(expect[1]), text: unquote(expect[2]) };
    else step.expect = expect.join(' ');
  }
  return step;
}

function parseDuration(d) {
  const m = /^(\d+)(ns|us|ms|s|m|h)?$/.exec(d || '');
  if (!m) throw new UsageError(`bad duration "${d}" (use e.g. 5s, 10ms, 7ns)`);
  const unit = { ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n }[m[2] || 'ns'];
  return BigInt(m[1]) * unit;
}

/** Runs scenario `steps` (objects as described in the file comment); returns the exit code. */
export async function runScenario(steps, baseDir, out, seed = 0) {
  const sim = new IcSim({ seed });
  const names = new Map();
  let passed = 0;
  let failed = 0;
  const where = (s) => (s.line ? `line ${s.line}` : `step ${s.index}`);
  const id = (s) => {
    if (!names.has(s.canister)) throw new UsageError(`${where(s)}: no canister named "${s.canister}"`);
    return names.get(s.canister);
  };
  const subst = (text) => (text || '()').replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, n) => {
    if (!names.has(n)) throw new UsageError(`unknown canister $${n}`);
    return `principal "${principalText(names.get(n))}"`;
  });
  const check = (s, good, what) => {
    if (good) passed++;
    else failed++;
    out.log(`${good ? 'ok  ' : 'FAIL'} ${where(s)}: ${what}`);
  };
  for (const s of steps) {
    if (s.op === 'seed') continue;
    if (s.op === 'canister' || s.op === 'upgrade' || s.op === 'reinstall') {
      if (s.op === 'canister') {
        if (names.has(s.canister)) throw new UsageError(`${where(s)}: canister "${s.canister}" exists already`);
        names.set(s.canister, sim.createCanister());
      }
      const mode = s.op === 'canister' ? 'install' : s.op;
      try {
        sim.installCode(id(s), readWasm(resolve(baseDir, s.wasm)), await encodeCandid(subst(s.args)), { mode });
        check(s, true, `${mode} ${s.canister}`);
      } catch (e) {
        if (e instanceof UsageError || e instanceof CandidError) throw e;
        check(s, false, `${mode} ${s.canister}: ${e.message}`);
      }
    } else if (s.op === 'call' || s.op === 'query') {
      const arg = await encodeCandid(subst(s.args), s.argTypes);
      const r = s.op === 'query' ? await sim.queryCall(id(s), s.method, arg) : await sim.updateCall(id(s), s.method, arg);
      const got = r.status === 'replied' ? await decodeCandid(r.reply, s.retTypes) : `reject ${r.rejectCode} ${JSON.stringify(r.rejectMessage)}`;
      if (s.expectReject) {
        const good = r.status === 'rejected' && r.rejectCode === s.expectReject.code
          && (s.expectReject.text === undefined || r.rejectMessage.includes(s.expectReject.text));
        check(s, good, `${s.canister}.${s.method} ${good ? got : `expected reject ${s.expectReject.code}, got ${got}`}`);
      } else if (s.expect !== undefined) {
        const want = await decodeCandid(await encodeCandid(subst(s.expect), s.retTypes), s.retTypes);
        check(s, got === want, `${s.canister}.${s.method} ${got === want ? got : `expected ${want}, got ${got}`}`);
      } else out.log(`     ${where(s)}: ${s.canister}.${s.method} ${got}`);
    } else if (s.op === 'tick') await sim.tick(s.rounds ?? 1);
    else if (s.op === 'advance') sim.advanceTime(parseDuration(s.duration));
    else if (s.op === 'stop') await sim.stopCanister(id(s));
    else if (s.op === 'start') sim.startCanister(id(s));
    else if (s.op === 'logs') {
      const logs = sim.logs(id(s)).map((l) => l.text);
      check(s, logs.some((t) => t.includes(s.contains)), `logs of ${s.canister} contain ${JSON.stringify(s.contains)}`);
    } else throw new UsageError(`${where(s)}: unknown step "${s.op}"`);
  }
  out.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

async function cmdRun(argv, out) {
  if (argv.length !== 1) throw new UsageError(USAGE);
  let text;
  try {
    text = readFileSync(argv[0], 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${argv[0]}: ${e.message}`);
  }
  let steps;
  let seed = 0;
  if (argv[0].endsWith('.json')) {
    let doc;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${argv[0]}: ${e.message}`);
    }
    if (!Array.isArray(doc.steps)) throw new UsageError(`${argv[0]}: "steps" must be an array`);
    steps = doc.steps.map((s, i) => ({ ...s, index: i + 1 }));
    seed = doc.seed ?? 0;
  } else {
    steps = text.split('\n').map((l, i) => [l.replace(/(^|\s)#.*$/, '').trim(), i + 1])
      .filter(([l]) => l).map(([l, n]) => parseLine(l, n));
    const s = steps.find((x) => x.op === 'seed');
    if (s) seed = s.seed;
  }
  return runScenario(steps, dirname(resolve(argv[0])), out, seed);
}

/**
 * Runs the command line `argv` (without node and script); `out` has `log` and `err` for the
 * two output streams. Returns the exit status: 0 success, 1 a rejected call or failed check,
 * 2 a usage, scenario or Candid error.
 */
export async function main(argv, out = { log: console.log, err: console.error }) {
  try {
    if (argv[0] === 'call') return await cmdCall(argv.slice(1), out);
    if (argv[0] === 'run') return await cmdRun(argv.slice(1), out);
    throw new UsageError(USAGE);
  } catch (e) {
    if (e instanceof UsageError || e instanceof CandidError) {
      out.err(`icsim: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
