// Compiling Motoko canisters for icsim with the Motoko compiler from npm (`motoko`, moc.js).
//
// moc.js runs the real compiler in JavaScript: it needs no download, bundles the `core` library
// (imported as `mo:core/...`), and emits IC canister modules with 64-bit memory (enhanced
// orthogonal persistence; moc.js has no flag for the classic mode). Loading it takes about a
// second and compiling a small actor a few seconds, so results are cached on disk under
// build/icsim-mgmt/motoko-cache, keyed by a SHA-256 of the compiler version, the mode and every
// source file's name and text: a re-run with unchanged sources costs one file read.
//
// API:
//   compileMotoko({ files, main, mode, cacheDir }) -> Promise<{ wasm, candid, cached }>
//   compileMotokoFiles(paths, { main, mode, cacheDir }) reads the files from disk first.
// On a compile error it throws an Error whose message lists the compiler's diagnostics as
// `file:line:column: error CODE: text`.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Default cache folder: build/icsim-mgmt/motoko-cache in the repository. */
export const DEFAULT_CACHE_DIR = join(REPO, 'build', 'icsim-mgmt', 'motoko-cache');

let compiler = null; // the moc.js wrapper, loaded on first use with the core package

function moc() {
  if (!compiler) {
    compiler = require('motoko');
    compiler.loadPackage(require('motoko/packages/latest/core.json'));
  }
  return compiler;
}

/** The version of the pinned `motoko` npm package (part of every cache key). */
export function motokoPackageVersion() {
  return require('motoko/package.json').version;
}

function cacheKey(files, main, mode) {
  const h = createHash('sha256');
  h.update(`icsim-motoko-cache v1\0${motokoPackageVersion()}\0${mode}\0${main}\0`);
  for (const name of Object.keys(files).sort()) {
    h.update(name + '\0');
    h.update(files[name]);
    h.update('\0');
  }
  return h.digest('hex');
}

// Writes `data` to `path` atomically (a temporary file renamed into place), so that parallel
// runs never read a half-written cache entry.
function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function formatDiagnostics(diags) {
  return diags
    .filter((d) => d.severity === 1)
    .map(
      (d) =>
        `${d.source}:${d.range.start.line + 1}:${d.range.start.character + 1}: error ${d.code}: ` +
        d.message.replace(/\s*\n\s*/g, ' '),
    )
    .join('\n');
}

/**
 * Compiles the Motoko program `main` among `files` (an object mapping a relative path such as
 * 'Main.mo' or 'lib/Util.mo' to its source text) in `mode` ('ic', the default, or 'wasi').
 * Returns `{ wasm: Uint8Array, candid: string, cached: boolean }`; `cached` tells whether the
 * result came from `cacheDir` (default DEFAULT_CACHE_DIR; `null` disables the cache).
 * Throws an Error listing the diagnostics when the program does not compile, or when `main` is
 * not among `files`.
 */
export async function compileMotoko({ files, main, mode = 'ic', cacheDir = DEFAULT_CACHE_DIR }) {
  if (!files || typeof files !== 'object') throw new TypeError('compileMotoko: files must map paths to sources');
  if (!(main in files)) throw new Error(`compileMotoko: main file ${main} is not among the files`);
  if (mode !== 'ic' && mode !== 'wasi') throw new Error(`compileMotoko: mode must be 'ic' or 'wasi', not ${mode}`);
  for (const name of Object.keys(files))
    if (name.startsWith('/') || name.split('/').includes('..'))
      throw new Error(`compileMotoko: file names must be relative and stay below the root: ${name}`);
  const key = cacheKey(files, main, mode);
  if (cacheDir) {
    const wasmPath = join(cacheDir, `${key}.wasm`);
    const didPath = join(cacheDir, `${key}.did`);
    if (existsSync(wasmPath) && existsSync(didPath)) {
      return {
        wasm: new Uint8Array(readFileSync(wasmPath)),
        candid: readFileSync(didPath, 'utf8'),
        cached: true,
      };
    }
  }
  const mo = moc();
  const root = `icsim-${key.slice(0, 16)}`; // a fresh virtual folder: no stale files of other runs
  for (const [name, text] of Object.entries(files)) mo.write(`${root}/${name}`, text);
  let out;
  try {
    out = mo.wasm(`${root}/${main}`, mode);
  } catch (e) {
    let detail = '';
    try {
      detail = formatDiagnostics(mo.check(`${root}/${main}`)).split(`${root}/`).join('');
    } catch {
      detail = '';
    }
    throw new Error(`moc: ${main} does not compile:\n${detail || (e && e.message) || String(e)}`);
  } finally {
    for (const name of Object.keys(files)) mo.delete(`${root}/${name}`);
  }
  const result = { wasm: new Uint8Array(out.wasm), candid: String(out.candid ?? ''), cached: false };
  if (cacheDir) {
    mkdirSync(cacheDir, { recursive: true });
    writeAtomic(join(cacheDir, `${key}.did`), result.candid);
    writeAtomic(join(cacheDir, `${key}.wasm`), result.wasm);
  }
  return result;
}

/**
 * Reads the Motoko files at `paths` (the first is the main program unless `main` names another
 * by its base name) and compiles them as `compileMotoko` does; files keep their base names, so
 * they import each other as `import X "X"`. Throws on a missing file like `readFileSync`.
 */
export async function compileMotokoFiles(paths, { main, mode = 'ic', cacheDir = DEFAULT_CACHE_DIR } = {}) {
  const files = {};
  for (const p of paths) files[basename(p)] = readFileSync(p, 'utf8');
  return compileMotoko({ files, main: main ?? basename(paths[0]), mode, cacheDir });
}
