// Helpers to write test canisters in WAT: every ic0 import declared once with the pointer type
// of the module's memory, named $<function> (e.g. `(call $msg_reply)`), plus a one-page memory
// and a function table. `canisterWat(body, { ptr, start })` returns the module text.

import { IC0, concreteSignature } from '../../tools/icsim/src/ic0_table.js';

/** The import declarations for all ic0 functions a module with pointer type `ptr` may use. */
export function ic0Imports(ptr = 'i32') {
  return IC0.filter((f) => !(f.wasm32Only && ptr === 'i64'))
    .map((f) => {
      const sig = concreteSignature(f, ptr);
      const params = sig.params.length ? ` (param ${sig.params.join(' ')})` : '';
      const results = sig.results.length ? ` (result ${sig.results.join(' ')})` : '';
      return `  (import "ic0" "${f.name}" (func $${f.name}${params}${results}))`;
    })
    .join('\n');
}

/** A complete module: imports, memory (exported as "memory"), table, then `body`. */
export function canisterWat(body, { ptr = 'i32', pages = 1 } = {}) {
  const mem = ptr === 'i64' ? `(memory (export "memory") i64 ${pages})` : `(memory (export "memory") ${pages})`;
  return `(module\n${ic0Imports(ptr)}\n  ${mem}\n${body}\n)\n`;
}
