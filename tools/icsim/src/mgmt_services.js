// Management canister services of icsim: threshold ECDSA/Schnorr and HTTP outcalls.
//
// icsim's core dispatches calls to the management canister (`aaaaa-aa`); the methods that need
// keys or the outside world are served here. `createMgmtServices({ seed, httpHandler })` returns
// `{ methods }`, where each method is `async (ctx, argBytes) => ({ reply, cyclesAccepted })` and
// fails by throwing `MgmtReject` (an Error carrying `rejectCode` and `message`).
//   ctx = { callerId: Uint8Array, cyclesAttached: bigint, timeNs: bigint,
//           callQuery: async (canisterIdBytes, methodName, argBytes) => Uint8Array }
// Arguments and replies are Candid, with the types of the interface spec's ic.did. Each method
// follows the management canister spec (sections "ecdsa_public_key" ... "http_request") and words
// its rejects as the IC does, so a canister sees the same codes and messages here as on the IC.
//
// HTTP outcalls never touch the network: the test's `httpHandler(request)` answers them (see
// docs/icsim-mgmt.md for its request/response shapes). Without a handler every outcall is
// rejected.

import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import {
  REJECT,
  MAX_DERIVATION_PATH,
  ThresholdError,
  checkKeyName,
  createThreshold,
  signatureFee,
} from './threshold.js';

export { REJECT } from './threshold.js';

/** A reject from a management method: `{ rejectCode, message }` as an Error. */
export class MgmtReject extends ThresholdError {
  constructor(rejectCode, message) {
    super(rejectCode, message);
    this.name = 'MgmtReject';
  }
}

// ---- Candid types, copied from ic.did (interface spec 0.66.0) ----------------------------------

const Blob = IDL.Vec(IDL.Nat8);
const EcdsaCurve = IDL.Variant({ secp256k1: IDL.Null });
const SchnorrAlgorithm = IDL.Variant({ bip340secp256k1: IDL.Null, ed25519: IDL.Null });
const EcdsaKeyId = IDL.Record({ curve: EcdsaCurve, name: IDL.Text });
const SchnorrKeyId = IDL.Record({ algorithm: SchnorrAlgorithm, name: IDL.Text });
const HttpHeader = IDL.Record({ name: IDL.Text, value: IDL.Text });
const HttpRequestResult = IDL.Record({
  status: IDL.Nat,
  headers: IDL.Vec(HttpHeader),
  body: Blob,
});
const TransformArgs = IDL.Record({ response: HttpRequestResult, context: Blob });

/** The argument and result types of each method served here, as ic.did declares them. */
export const TYPES = Object.freeze({
  ecdsa_public_key: {
    arg: IDL.Record({
      canister_id: IDL.Opt(IDL.Principal),
      derivation_path: IDL.Vec(Blob),
      key_id: EcdsaKeyId,
    }),
    result: IDL.Record({ public_key: Blob, chain_code: Blob }),
  },
  sign_with_ecdsa: {
    arg: IDL.Record({ message_hash: Blob, derivation_path: IDL.Vec(Blob), key_id: EcdsaKeyId }),
    result: IDL.Record({ signature: Blob }),
  },
  schnorr_public_key: {
    arg: IDL.Record({
      canister_id: IDL.Opt(IDL.Principal),
      derivation_path: IDL.Vec(Blob),
      key_id: SchnorrKeyId,
    }),
    result: IDL.Record({ public_key: Blob, chain_code: Blob }),
  },
  sign_with_schnorr: {
    arg: IDL.Record({
      message: Blob,
      derivation_path: IDL.Vec(Blob),
      key_id: SchnorrKeyId,
      aux: IDL.Opt(IDL.Variant({ bip341: IDL.Record({ merkle_root_hash: Blob }) })),
    }),
    result: IDL.Record({ signature: Blob }),
  },
  http_request: {
    arg: IDL.Record({
      url: IDL.Text,
      max_response_bytes: IDL.Opt(IDL.Nat64),
      method: IDL.Variant({
        get: IDL.Null,
        head: IDL.Null,
        post: IDL.Null,
        put: IDL.Null,
        delete: IDL.Null,
        patch: IDL.Null,
      }),
      headers: IDL.Vec(HttpHeader),
      body: IDL.Opt(Blob),
      transform: IDL.Opt(
        IDL.Record({
          function: IDL.Func([TransformArgs], [HttpRequestResult], ['query']),
          context: Blob,
        }),
      ),
      is_replicated: IDL.Opt(IDL.Bool),
    }),
    result: HttpRequestResult,
    transformArg: TransformArgs,
  },
});

// ---- HTTP outcall limits and fees (management canister spec, "http_request") -------------------

/** Limits of an HTTP outcall, from the spec's "http_request" section. */
export const HTTP_LIMITS = Object.freeze({
  maxUrlLength: 8192, // "its length must not exceed 8192"
  maxRequestBytes: 2_000_000, // headers (names + values) + body of the request
  maxResponseBytes: 2_000_000, // upper limit and default of max_response_bytes
  maxHeaders: 64,
  maxHeaderFieldBytes: 8192, // one name or one value: 8 KiB
  maxHeaderTotalBytes: 48 * 1024, // all names and values: 48 KiB
});

/** Subnet size icsim charges for: one 13-node application subnet. */
export const SUBNET_SIZE = 13n;

/**
 * The cycles an HTTP outcall costs on an `n`-node subnet (developer docs, "Cycles costs",
 * "HTTPS outcalls"): (3,000,000 + 60,000 n) n + (400 request_bytes + 800 max_response_bytes) n,
 * where request_bytes = url + header names and values + body + transform method name + context.
 * On 13 nodes: 49,140,000 base, 5,200 per request byte, 10,400 per reserved response byte.
 */
export function httpRequestFee(requestBytes, maxResponseBytes, n = SUBNET_SIZE) {
  const req = BigInt(requestBytes);
  const res = BigInt(maxResponseBytes);
  return (3_000_000n + 60_000n * n) * n + (400n * req + 800n * res) * n;
}

export { signatureFee, SIGNATURE_FEES, KEY_NAMES } from './threshold.js';

// ---- helpers ------------------------------------------------------------------------------------

function reject(code, message) {
  return new MgmtReject(code, message);
}

function decodeArg(method, argBytes) {
  try {
    const values = IDL.decode([TYPES[method].arg], Uint8Array.from(argBytes));
    if (values.length < 1) throw new Error('missing argument');
    return values[0];
  } catch (e) {
    throw reject(REJECT.CANISTER_ERROR, `Error decoding candid: ${e.message}`);
  }
}

function encodeReply(type, value) {
  return new Uint8Array(IDL.encode([type], [value]));
}

function utf8Length(s) {
  return Buffer.byteLength(s, 'utf8');
}

// Charges `fee` out of the cycles attached to the call, or rejects as the IC does
// ("<method> request sent with <n> cycles, but <fee> cycles are required.", CANISTER_REJECT).
function charge(method, ctx, fee) {
  const attached = BigInt(ctx.cyclesAttached ?? 0n);
  if (attached < fee)
    throw reject(
      REJECT.CANISTER_REJECT,
      `${method} request sent with ${attached} cycles, but ${fee} cycles are required.`,
    );
  return fee;
}

function checkPath(method, path) {
  if (path.length > MAX_DERIVATION_PATH)
    throw reject(
      REJECT.CANISTER_REJECT,
      `${method}: derivation_path has ${path.length} elements, at most ${MAX_DERIVATION_PATH} are allowed`,
    );
}

function variantTag(v) {
  return Object.keys(v)[0];
}

// Runs `fn`, turning a ThresholdError into an MgmtReject with the same code and message.
function asReject(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ThresholdError) throw reject(e.rejectCode, e.message);
    throw e;
  }
}

function targetCanister(ctx, canisterIdOpt) {
  return canisterIdOpt.length ? canisterIdOpt[0].toUint8Array() : Uint8Array.from(ctx.callerId);
}

// ---- threshold signature methods ----------------------------------------------------------------

// A `*_public_key` method: decode, check the key name (scheme from `schemeOf(args)`) and the
// path, derive with `derive(args, canisterIdBytes)` for the canister named in the arguments
// (default: the caller), reply `{public_key; chain_code}`. Public keys are free.
function publicKeyMethod(method, schemeOf, derive) {
  return async (ctx, argBytes) => {
    const a = decodeArg(method, argBytes);
    asReject(() => checkKeyName(schemeOf(a), a.key_id.name, method));
    checkPath(method, a.derivation_path);
    const canister = targetCanister(ctx, a.canister_id);
    const k = asReject(() => derive(a, canister));
    const reply = encodeReply(TYPES[method].result, { public_key: k.publicKey, chain_code: k.chainCode });
    return { reply, cyclesAccepted: 0n };
  };
}

function thresholdMethods(keys) {
  return {
    ecdsa_public_key: publicKeyMethod(
      'ecdsa_public_key',
      () => 'ecdsa',
      (a, canister) => keys.ecdsaPublicKey(a.key_id.name, canister, a.derivation_path),
    ),

    async sign_with_ecdsa(ctx, argBytes) {
      const a = decodeArg('sign_with_ecdsa', argBytes);
      const name = a.key_id.name;
      asReject(() => checkKeyName('ecdsa', name, 'sign_with_ecdsa')); // unknown key: routing error
      checkPath('sign_with_ecdsa', a.derivation_path);
      if (a.message_hash.length !== 32)
        throw reject(REJECT.CANISTER_REJECT, 'message_hash must be 32 bytes');
      const fee = charge('sign_with_ecdsa', ctx, signatureFee(name));
      const sig = asReject(() =>
        keys.signEcdsa(name, ctx.callerId, a.derivation_path, a.message_hash),
      );
      return { reply: encodeReply(TYPES.sign_with_ecdsa.result, { signature: sig }), cyclesAccepted: fee };
    },

    schnorr_public_key: publicKeyMethod(
      'schnorr_public_key',
      (a) => variantTag(a.key_id.algorithm),
      (a, canister) => keys.schnorrPublicKey(variantTag(a.key_id.algorithm), a.key_id.name, canister, a.derivation_path),
    ),

    async sign_with_schnorr(ctx, argBytes) {
      const a = decodeArg('sign_with_schnorr', argBytes);
      const alg = variantTag(a.key_id.algorithm);
      const name = a.key_id.name;
      asReject(() => checkKeyName(alg, name, 'sign_with_schnorr'));
      checkPath('sign_with_schnorr', a.derivation_path);
      let merkleRoot;
      if (a.aux.length) {
        if (alg !== 'bip340secp256k1')
          throw reject(
            REJECT.CANISTER_REJECT,
            'sign_with_schnorr: the bip341 aux is only allowed for bip340secp256k1 keys',
          );
        merkleRoot = a.aux[0].bip341.merkle_root_hash;
        if (merkleRoot.length !== 0 && merkleRoot.length !== 32)
          throw reject(
            REJECT.CANISTER_REJECT,
            `sign_with_schnorr: bip341 merkle_root_hash must be 0 or 32 bytes, got ${merkleRoot.length}`,
          );
      }
      const fee = charge('sign_with_schnorr', ctx, signatureFee(name));
      const sig = asReject(() =>
        keys.signSchnorr(alg, name, ctx.callerId, a.derivation_path, a.message, merkleRoot),
      );
      return {
        reply: encodeReply(TYPES.sign_with_schnorr.result, { signature: sig }),
        cyclesAccepted: fee,
      };
    },
  };
}

// ---- HTTP outcalls ------------------------------------------------------------------------------

// Checks a header list against the spec's limits; `what` is "request" or "response", `code` the
// reject code to use. Returns the bytes the headers count for (names + values).
function checkHeaders(headers, what, code) {
  const L = HTTP_LIMITS;
  if (headers.length > L.maxHeaders)
    throw reject(code, `http_request: ${what} has ${headers.length} headers, at most ${L.maxHeaders} are allowed`);
  let total = 0;
  for (const h of headers) {
    const n = utf8Length(h.name);
    const v = utf8Length(h.value);
    if (n > L.maxHeaderFieldBytes || v > L.maxHeaderFieldBytes)
      throw reject(
        code,
        `http_request: ${what} header "${h.name.slice(0, 64)}" exceeds ${L.maxHeaderFieldBytes} bytes`,
      );
    total += n + v;
  }
  if (total > L.maxHeaderTotalBytes)
    throw reject(
      code,
      `http_request: ${what} headers total ${total} bytes, at most ${L.maxHeaderTotalBytes} are allowed`,
    );
  return total;
}

// Validates decoded http_request arguments `a` for the caller `callerId`, in the order the spec's
// "http_request" section lists the limits; every violation is a CANISTER_REJECT. Returns the
// request in the form the handler gets, the transform (or null) and the request's size in bytes
// as the fee formula counts it.
function checkHttpArgs(a, callerId) {
  const L = HTTP_LIMITS;
  const urlBytes = utf8Length(a.url);
  if (urlBytes > L.maxUrlLength)
    throw reject(REJECT.CANISTER_REJECT, `http_request: url length ${urlBytes} exceeds the limit of ${L.maxUrlLength}`);
  const maxResponse = a.max_response_bytes.length ? a.max_response_bytes[0] : BigInt(L.maxResponseBytes);
  if (maxResponse > BigInt(L.maxResponseBytes))
    throw reject(
      REJECT.CANISTER_REJECT,
      `http_request: max_response_bytes expected to be in the range [0..${L.maxResponseBytes}], got ${maxResponse}`,
    );
  const headerBytes = checkHeaders(a.headers, 'request', REJECT.CANISTER_REJECT);
  const body = a.body.length ? Uint8Array.from(a.body[0]) : new Uint8Array(0);
  if (headerBytes + body.length > L.maxRequestBytes)
    throw reject(
      REJECT.CANISTER_REJECT,
      `http_request: request size ${headerBytes + body.length} exceeds the limit of ${L.maxRequestBytes} bytes`,
    );
  const method = variantTag(a.method).toUpperCase();
  const isReplicated = a.is_replicated.length ? a.is_replicated[0] : true;
  if (isReplicated && (method === 'PUT' || method === 'DELETE' || method === 'PATCH'))
    throw reject(
      REJECT.CANISTER_REJECT,
      `http_request: method ${method} is supported in non-replicated mode only (is_replicated = opt false)`,
    );
  let transform = null;
  let requestBytes = urlBytes + headerBytes + body.length;
  if (a.transform.length) {
    const [principal, name] = a.transform[0].function;
    if (!Buffer.from(principal.toUint8Array()).equals(Buffer.from(callerId)))
      throw reject(
        REJECT.CANISTER_REJECT,
        'http_request: the transform function must be exported by the calling canister ' +
          `${Principal.fromUint8Array(Uint8Array.from(callerId)).toText()}, not ${principal.toText()}`,
      );
    transform = { principal, name, context: Uint8Array.from(a.transform[0].context) };
    requestBytes += utf8Length(name) + transform.context.length;
  }
  const headers = a.headers.map((h) => ({ name: h.name, value: h.value }));
  const request = { url: a.url, method, headers, body, isReplicated, maxResponseBytes: maxResponse };
  return { request, transform, requestBytes };
}

// Brings a handler's response into http_request_result form, or rejects (SYS_FATAL) when it is
// malformed. Headers may be given as [{name, value}] or [[name, value]]; the body as bytes or text.
function normaliseResponse(res) {
  if (res === null || typeof res !== 'object')
    throw reject(REJECT.SYS_FATAL, 'http_request: the HTTP handler returned no response object');
  let status = -1n;
  try {
    status = BigInt(res.status);
  } catch {
    // stays -1: rejected below
  }
  if (status < 0n) throw reject(REJECT.SYS_FATAL, `http_request: invalid HTTP status ${String(res.status)}`);
  const headers = (res.headers ?? []).map((h) =>
    Array.isArray(h) ? { name: String(h[0]), value: String(h[1]) } : { name: String(h.name), value: String(h.value) },
  );
  let body = res.body ?? new Uint8Array(0);
  if (typeof body === 'string') body = new TextEncoder().encode(body);
  if (!(body instanceof Uint8Array))
    throw reject(REJECT.SYS_FATAL, 'http_request: the HTTP handler returned a body that is neither bytes nor text');
  return { status, headers, body: Uint8Array.from(body) };
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

// Does what the IC's HTTP adapter does with a paid-for request: checks the scheme, adds the
// default user-agent, asks `httpHandler`, and checks the response against max_response_bytes.
// Returns the response as an http_request_result value.
async function fetchResponse(httpHandler, request, callerId) {
  if (!/^https:\/\//i.test(request.url)) throw reject(REJECT.SYS_FATAL, 'Url need to specify https scheme');
  let host;
  try {
    host = new URL(request.url).host;
  } catch (e) {
    throw reject(REJECT.SYS_FATAL, `Failed to parse URL: ${e.message}`);
  }
  if (!httpHandler)
    throw reject(REJECT.SYS_TRANSIENT, `Connecting to ${host} failed: icsim has no HTTP handler (no network)`);
  if (!request.headers.some((h) => h.name.toLowerCase() === 'user-agent'))
    request.headers.push({ name: 'user-agent', value: 'ic/1.0' });
  let raw;
  try {
    raw = await httpHandler({ ...request, callerId: Uint8Array.from(callerId) });
  } catch (e) {
    if (e && typeof e.rejectCode === 'number') throw reject(e.rejectCode, String(e.message));
    throw reject(REJECT.SYS_TRANSIENT, `Connecting to ${host} failed: ${errorText(e)}`);
  }
  // The adapter's size checks (SYS_FATAL): the headers alone, then headers + body, against
  // max_response_bytes; both messages print the whole limit.
  const response = normaliseResponse(raw);
  const max = request.maxResponseBytes;
  const headerBytes = response.headers.reduce((n, h) => n + utf8Length(h.name) + utf8Length(h.value), 0);
  if (BigInt(headerBytes) > max)
    throw reject(REJECT.SYS_FATAL, `Header size exceeds specified response size limit ${max}`);
  if (BigInt(headerBytes + response.body.length) > max)
    throw reject(REJECT.SYS_FATAL, `Http body exceeds size limit of ${max} bytes.`);
  checkHeaders(response.headers, 'response', REJECT.SYS_FATAL);
  return response;
}

// Runs the canister's transform query on `response` through ctx.callQuery and returns its reply
// bytes unchanged: as on the IC, they become the reply of http_request without being decoded.
// A reject or trap of the transform is passed on with its code (4 for a reject, 5 for a trap)
// and message; a reply longer than `maxResponse` is a SYS_FATAL reject.
async function applyTransform(ctx, transform, response, maxResponse) {
  const arg = new Uint8Array(IDL.encode([TransformArgs], [{ response, context: transform.context }]));
  let out;
  try {
    out = Uint8Array.from(await ctx.callQuery(transform.principal.toUint8Array(), transform.name, arg));
  } catch (e) {
    if (e && typeof e.rejectCode === 'number') throw reject(e.rejectCode, errorText(e));
    throw reject(REJECT.SYS_FATAL, `Calling transform function '${transform.name}' failed: ${errorText(e)}`);
  }
  if (BigInt(out.length) > maxResponse)
    throw reject(REJECT.SYS_FATAL, `Transformed http response exceeds limit: ${maxResponse}`);
  return out;
}

function httpMethod(httpHandler) {
  return async function http_request(ctx, argBytes) {
    const a = decodeArg('http_request', argBytes);
    const { request, transform, requestBytes } = checkHttpArgs(a, ctx.callerId);
    const fee = charge('http_request', ctx, httpRequestFee(requestBytes, request.maxResponseBytes));
    const response = await fetchResponse(httpHandler, request, ctx.callerId);
    const reply = transform
      ? await applyTransform(ctx, transform, response, request.maxResponseBytes)
      : encodeReply(HttpRequestResult, response);
    return { reply, cyclesAccepted: fee };
  };
}

/**
 * Creates the management services of one simulator. `seed` fixes the threshold master keys;
 * `httpHandler` (optional) is `async (request) => response` answering HTTP outcalls. Returns
 * `{ methods, keys }`: `methods` maps each served method name to its handler, and `keys` is the
 * threshold key store (for tests and the `cost_sign_with_*` System API functions).
 */
export function createMgmtServices({ seed, httpHandler } = {}) {
  const keys = createThreshold(seed);
  const methods = { ...thresholdMethods(keys), http_request: httpMethod(httpHandler) };
  return { methods, keys };
}
