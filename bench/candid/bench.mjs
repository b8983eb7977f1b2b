// bench.mjs - @dfinity/candid on Node decoding (and re-encoding) the message that
// bench/candid/bench.c wrote, at the same type; prints MB/s (best of several runs).
//   node bench.mjs MESSAGE_FILE
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { IDL } from '@dfinity/candid';

const bytes = new Uint8Array(readFileSync(process.argv[2]));
const T = [IDL.Vec(IDL.Record({
  id: IDL.Nat, name: IDL.Text, owner: IDL.Principal, note: IDL.Opt(IDL.Text),
  scores: IDL.Vec(IDL.Nat32),
}))];
let bestDec = Infinity, bestEnc = Infinity, values;
for (let r = 0; r < 8; r++) {
  const t0 = performance.now();
  values = IDL.decode(T, bytes);
  const t1 = performance.now();
  IDL.encode(T, values);
  const t2 = performance.now();
  bestDec = Math.min(bestDec, t1 - t0);
  bestEnc = Math.min(bestEnc, t2 - t1);
}
const mb = bytes.length / 1e6;
console.log(`JS decode (@dfinity/candid ${process.versions.node ? 'on Node ' + process.versions.node : ''}): ${(mb / (bestDec / 1e3)).toFixed(1).padStart(8)} MB/s  (${bestDec.toFixed(2)} ms, ${values[0].length} records)`);
console.log(`JS encode (@dfinity/candid):            ${(mb / (bestEnc / 1e3)).toFixed(1).padStart(8)} MB/s  (${bestEnc.toFixed(2)} ms)`);
console.log(`JS_DECODE_MBS=${(mb / (bestDec / 1e3)).toFixed(3)}`);
console.log(`JS_ENCODE_MBS=${(mb / (bestEnc / 1e3)).toFixed(3)}`);
