// Candid text for the icsim command line, through the project's own Candid tool: its
// wasm32-wasi build `build/candid/candid.wasm`, run under node:wasi. `candid encode '(ARGS)'`
// prints the message as hex and `candid decode HEX` prints it as text. icsim does not parse
// Candid text itself; library users pass raw bytes.

import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CANDID_WASM = process.env.ICSIM_CANDID_WASM || join(REPO, 'build', 'candid', 'candid.wasm');

let compiled = null;

/** An error from the Candid tool, or its absence; `message` is what to show the user. */
export class CandidError extends Error {}

// Runs the tool with `args`; returns its standard output, throws CandidError on failure.
async function runTool(args) {
  if (!existsSync(CANDID_WASM))
    throw new CandidError(`the Candid tool ${CANDID_WASM} is missing: build it with \`make ${CANDID_WASM.startsWith(REPO) ? CANDID_WASM.slice(REPO.length + 1) : CANDID_WASM}\``);
  const { WASI } = await import('node:wasi');
  if (!compiled) compiled = new WebAssembly.Module(readFileSync(CANDID_WASM));
  const dir = mkdtempSync(join(tmpdir(), 'icsim-candid-'));
  const outPath = join(dir, 'out');
  const errPath = join(dir, 'err');
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  let rc;
  try {
    const wasi = new WASI({ version: 'preview1', args: ['candid', ...args], env: {}, stdout: out, stderr: err, returnOnExit: true });
    rc = wasi.start(new WebAssembly.Instance(compiled, wasi.getImportObject()));
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const stdout = readFileSync(outPath, 'utf8');
  const stderr = readFileSync(errPath, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  if (rc !== 0) throw new CandidError(stderr.trim() || `candid ${args[0]} failed with status ${rc}`);
  return stdout.trim();
}

const typed = (types) => (types ? ['--types', types] : []);

/**
 * Encodes Candid text such as `(42 : nat, "hi")` to message bytes, at the argument types
 * `types` (e.g. `(nat8, text)`) if given. Throws CandidError.
 */
export async function encodeCandid(text, types) {
  return Uint8Array.from(Buffer.from(await runTool(['encode', text, ...typed(types)]), 'hex'));
}

/**
 * Decodes message bytes to Candid text; with `types`, as those types (which names record
 * fields). Throws CandidError.
 */
export async function decodeCandid(bytes, types) {
  return runTool(['decode', Buffer.from(bytes).toString('hex'), ...typed(types)]);
}
