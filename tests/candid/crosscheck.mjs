// crosscheck.mjs - the @dfinity/candid half of the C <-> JS round-trip cross-check.
//
//   node crosscheck.mjs CASES.jsonl OUT.hex
//
// Reads the cases written by `crosscheck gen` (one JSON object per line: the type, the
// expected JS value, and the hex our C encoder produced). For each case it decodes our bytes
// with @dfinity/candid and compares the result with the expected value (C -> JS), then encodes
// the expected value with @dfinity/candid and writes the hex to OUT.hex, one line per case, for
// `crosscheck check` to decode in C (JS -> C). A case with `sub` (a record type without its
// last field) also decodes our bytes at that type: the result must be the value without that
// field (record evolution). Prints `N passed, M failed` for its direction.
import { readFileSync, writeFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

const [, , casesPath, outPath] = process.argv;
if (!casesPath || !outPath) {
  process.stderr.write('usage: node crosscheck.mjs CASES.jsonl OUT.hex\n');
  process.exit(2);
}

const prims = {
  null: IDL.Null, bool: IDL.Bool, nat: IDL.Nat, int: IDL.Int, nat8: IDL.Nat8, nat16: IDL.Nat16,
  nat32: IDL.Nat32, nat64: IDL.Nat64, int8: IDL.Int8, int16: IDL.Int16, int32: IDL.Int32,
  int64: IDL.Int64, float32: IDL.Float32, float64: IDL.Float64, text: IDL.Text,
  principal: IDL.Principal, reserved: IDL.Reserved,
};

function idl(t) {
  if (prims[t.k]) return prims[t.k];
  switch (t.k) {
    case 'opt': return IDL.Opt(idl(t.t));
    case 'vec': return IDL.Vec(idl(t.t));
    case 'record': return IDL.Record(Object.fromEntries(t.f.map(([n, x]) => [n, idl(x)])));
    case 'variant': return IDL.Variant(Object.fromEntries(t.f.map(([n, x]) => [n, idl(x)])));
    case 'tuple': return IDL.Tuple(...t.f.map(([, x]) => idl(x)));
    default: throw new Error(`unknown type kind ${t.k}`);
  }
}

// The JSON form of the expected value -> the JS value @dfinity/candid uses.
function revive(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(revive);
  if ('$big' in v) return BigInt(v.$big);
  if ('$bytes' in v) return Uint8Array.from(v.$bytes.match(/../g) ?? [], (h) => parseInt(h, 16));
  if ('$principal' in v) return Principal.fromText(v.$principal);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
}

function same(a, b) {
  if (ArrayBuffer.isView(a)) a = Array.from(a);
  if (ArrayBuffer.isView(b)) b = Array.from(b);
  if (a instanceof Principal || b instanceof Principal)
    return a instanceof Principal && b instanceof Principal && a.toText() === b.toText();
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    return same(ka, kb) && ka.every((k) => same(a[k], b[k]));
  }
  return a === b;
}

const show = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
const lines = readFileSync(casesPath, 'utf8').split('\n').filter((l) => l.length);
let passed = 0, failed = 0;
const out = [];
lines.forEach((line, i) => {
  const c = JSON.parse(line);
  const type = idl(c.type);
  const expected = revive(c.value);
  try {
    const bytes = Uint8Array.from(c.hex.match(/../g) ?? [], (h) => parseInt(h, 16));
    const [got] = IDL.decode([type], bytes);
    if (same(got, expected)) passed++;
    else {
      failed++;
      console.log(`FAIL case ${i + 1} (C -> JS): ${c.text}\n  expected ${show(expected)}\n  got      ${show(got)}`);
    }
  } catch (e) {
    failed++;
    console.log(`FAIL case ${i + 1} (C -> JS): ${c.text}: ${e.message}`);
  }
  if (c.sub) {
    try {
      const bytes = Uint8Array.from(c.hex.match(/../g) ?? [], (h) => parseInt(h, 16));
      const [got] = IDL.decode([idl(c.sub)], bytes);
      const keys = new Set(c.sub.f.map(([n]) => n));
      const want = Object.fromEntries(Object.entries(expected).filter(([k]) => keys.has(k)));
      if (same(got, want)) passed++;
      else {
        failed++;
        console.log(`FAIL case ${i + 1} (evolution): ${c.text}\n  expected ${show(want)}\n  got      ${show(got)}`);
      }
    } catch (e) {
      failed++;
      console.log(`FAIL case ${i + 1} (evolution): ${c.text}: ${e.message}`);
    }
  }
  try {
    out.push(Buffer.from(IDL.encode([type], [expected])).toString('hex'));
  } catch (e) {
    out.push('');
    console.log(`FAIL case ${i + 1} (JS encode): ${c.text}: ${e.message}`);
  }
});
writeFileSync(outPath, out.join('\n') + '\n');
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
