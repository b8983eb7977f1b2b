// Threshold signatures for icsim: the local stand-in for the IC's chain-key signing subnets.
//
// On the IC a master key per key id is secret-shared among the nodes of a signing subnet; every
// canister gets its own key tree, derived from the master public key, the canister's principal and
// a caller-chosen derivation path, and asks the management canister to sign. icsim has no subnet,
// so it holds each master *secret* itself, generated deterministically from the simulator's seed,
// and derives per-canister keys exactly the way the IC derives the public keys (the npm package
// `@dfinity/ic-pub-key` is a translation of the IC's own `ic_secp256k1`/`ic_ed25519` derivation).
// The derivation yields an additive offset: child secret = master secret + offset (mod the group
// order), which is what lets icsim sign with the key that the public key endpoints return.
//
// Supported (management canister spec, "ecdsa_public_key", "sign_with_ecdsa",
// "schnorr_public_key", "sign_with_schnorr"):
//   ECDSA secp256k1: 33-byte SEC1 compressed public keys, 64-byte r||s signatures, low-s.
//   Schnorr bip340secp256k1: 33-byte SEC1 public keys (the x-only BIP340 key is bytes 1..32),
//     64-byte BIP340 signatures; optional BIP341 taproot tweak (`aux = bip341 {merkle_root_hash}`).
//   Schnorr ed25519: 32-byte RFC 8032 public keys, 64-byte signatures made from the derived scalar
//     (the IC's scheme does not clamp, so the RFC's seed-based signing cannot be used).
// Key names: the ones a local IC replica accepts, `dfx_test_key`, `test_key_1` and `key_1`.
//
// Errors are thrown as `ThresholdError` (an Error with `rejectCode` and `message`), in the words the
// IC uses, so the management canister dispatch can turn them into rejects unchanged.

import { createHash } from 'node:crypto';
import { secp256k1, schnorr as bip340 } from '@noble/curves/secp256k1';
import { ed25519 } from '@noble/curves/ed25519';
import { ecdsa as icEcdsa, schnorr as icSchnorr } from '@dfinity/ic-pub-key';
import { Principal } from '@dfinity/principal';

/** IC reject codes used here (interface spec, "Reject codes"). */
export const REJECT = Object.freeze({
  SYS_FATAL: 1,
  SYS_TRANSIENT: 2,
  DESTINATION_INVALID: 3,
  CANISTER_REJECT: 4,
  CANISTER_ERROR: 5,
});

/** The key names icsim holds a master key for, as a local IC replica does. */
export const KEY_NAMES = Object.freeze(['dfx_test_key', 'test_key_1', 'key_1']);

/**
 * Signing fees in cycles, per key name. The IC charges 10,000,000,000 cycles per signature on a
 * 13-node subnet (where `test_key_1` and the local `dfx_test_key` live) and scales fees by subnet
 * size, giving 26,153,846,153 cycles on the 34-node fiduciary subnet that holds `key_1`
 * (developer docs, "Cycles costs": costs scale as 34 * (cost / 13); DFINITY forum, "50x price
 * reduction for chain-key ECDSA signing": "~26.15B cycles on a high-replication subnet and 10B
 * cycles for the test key on a 13-node subnet"). Schnorr signatures cost the same as ECDSA ones.
 */
export const SIGNATURE_FEES = Object.freeze({
  dfx_test_key: 10_000_000_000n,
  test_key_1: 10_000_000_000n,
  key_1: 26_153_846_153n,
});

/** The most components a derivation path may have (spec: "must be at most 255"). */
export const MAX_DERIVATION_PATH = 255;

const SECP_N = secp256k1.CURVE.n;
const ED_L = ed25519.CURVE.n;
const ZERO_CHAIN_CODE = new Uint8Array(32); // the IC's master keys carry an all-zero chain code
const DERIVED_CACHE_MAX = 4096;

/** An Error that is also a reject: `{ rejectCode, message }`. */
export class ThresholdError extends Error {
  constructor(rejectCode, message) {
    super(message);
    this.name = 'ThresholdError';
    this.rejectCode = rejectCode;
  }
}

// The IC names key ids as `<scheme>:<Algorithm>:<name>` in its error messages.
const KEY_ID_PREFIX = {
  ecdsa: 'ecdsa:Secp256k1:',
  bip340secp256k1: 'schnorr:Bip340Secp256k1:',
  ed25519: 'schnorr:Ed25519:',
};

function keyIdText(scheme, name) {
  return KEY_ID_PREFIX[scheme] + name;
}

function existingKeysText(scheme) {
  return '[' + KEY_NAMES.map((n) => keyIdText(scheme, n)).join(', ') + ']';
}

/**
 * Checks that `name` is a key icsim holds for `scheme` ('ecdsa', 'bip340secp256k1', 'ed25519').
 * `method` names the management method for the message. Throws a CANISTER_REJECT ThresholdError
 * worded as the IC words a routing failure for an unknown key, otherwise returns nothing.
 */
export function checkKeyName(scheme, name, method) {
  if (KEY_NAMES.includes(name)) return;
  const signing = method.startsWith('sign_with_');
  const inner = signing
    ? `Requested unknown or signing disabled threshold key: ${keyIdText(scheme, name)}, ` +
      `existing keys with signing enabled: ${existingKeysText(scheme)}`
    : `Requested unknown threshold key: ${keyIdText(scheme, name)}, ` +
      `existing keys: ${existingKeysText(scheme)}`;
  throw new ThresholdError(
    REJECT.CANISTER_REJECT,
    `Unable to route management canister request ${method}: IDkgKeyError(${JSON.stringify(inner)})`,
  );
}

/** Returns the signing fee in cycles for key `name` (one of KEY_NAMES). */
export function signatureFee(name) {
  const fee = SIGNATURE_FEES[name];
  if (fee === undefined) throw new ThresholdError(REJECT.CANISTER_REJECT, `unknown key name ${name}`);
  return fee;
}

function seedBytes(seed) {
  if (seed instanceof Uint8Array) return seed;
  if (seed === undefined || seed === null) return new Uint8Array(0);
  return new TextEncoder().encode(String(seed));
}

function bytesToBigBE(bytes) {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function bigToBytesBE(n, len) {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(len * 2, '0'), 'hex'));
}

function bigToBytesLE(n, len) {
  return bigToBytesBE(n, len).reverse();
}

function sha512(...parts) {
  const h = createHash('sha512');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return new Uint8Array(h.digest());
}

function sha256(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return new Uint8Array(h.digest());
}

// A scalar in [1, order-1] from 512 hashed bits: the bias is below 2^-256.
function scalarFrom(order, ...parts) {
  return (bytesToBigBE(sha512(...parts)) % (order - 1n)) + 1n;
}

function mod(a, m) {
  const r = a % m;
  return r < 0n ? r + m : r;
}

// The public key of `secret`: 32 bytes RFC 8032 (ed25519) or 33 bytes SEC1 compressed.
function publicFromSecret(scheme, secret) {
  return scheme === 'ed25519'
    ? ed25519.ExtendedPoint.BASE.multiply(secret).toRawBytes()
    : secp256k1.ProjectivePoint.BASE.multiply(secret).toRawBytes(true);
}

function asPath(derivationPath) {
  return derivationPath.map((c) => Uint8Array.from(c));
}

/**
 * Creates the key store of one simulator. `seed` (bytes, string or number) fixes every master key,
 * so runs with the same seed give the same public keys and signatures. Returns an object whose
 * methods take the canister principal as bytes (`canisterId`) and the derivation path as an
 * array of byte arrays, and throw ThresholdError for an unknown key name.
 */
export function createThreshold(seed) {
  const seedB = seedBytes(seed);
  const masters = new Map();

  // The master secret of (scheme, name), cached: a scalar of the scheme's group.
  function master(scheme, name) {
    const id = keyIdText(scheme, name);
    let m = masters.get(id);
    if (!m) {
      const order = scheme === 'ed25519' ? ED_L : SECP_N;
      const secret = scalarFrom(order, 'icsim threshold master key v1\0', seedB, '\0', id);
      m = { secret, pub: publicFromSecret(scheme, secret) };
      masters.set(id, m);
    }
    return m;
  }

  // Derived keys, cached: a derivation costs milliseconds and tests sign with few keys many
  // times. The cache is emptied when it holds DERIVED_CACHE_MAX keys.
  const derived = new Map();
  function derive(scheme, name, canisterId, path) {
    const id = [keyIdText(scheme, name), Buffer.from(canisterId).toString('hex')]
      .concat(path.map((c) => Buffer.from(c).toString('hex')))
      .join('/');
    let d = derived.get(id);
    if (!d) {
      if (derived.size >= DERIVED_CACHE_MAX) derived.clear();
      d = deriveUncached(scheme, name, canisterId, path);
      derived.set(id, d);
    }
    return d;
  }

  // Derives (public key, chain code, secret) of `canisterId`'s key at `path`: the public part
  // by derivePublicKey, the secret as master secret + offset. The public key is recomputed from
  // the secret and must be the derived one; a difference would be a bug in icsim, not a reject.
  function deriveUncached(scheme, name, canisterId, path) {
    const m = master(scheme, name);
    const d = derivePublicKey(scheme, m.pub, canisterId, path);
    const order = scheme === 'ed25519' ? ED_L : SECP_N;
    const secret = mod(m.secret + d.offset, order);
    if (Buffer.compare(Buffer.from(publicFromSecret(scheme, secret)), Buffer.from(d.publicKey)) !== 0)
      throw new Error(`icsim threshold: derived secret does not match derived public key (${scheme})`);
    return { publicKey: d.publicKey, chainCode: d.chainCode, secret };
  }

  return {
    /**
     * The master public key of (scheme, name) with its all-zero chain code, as the IC's
     * `*_public_key` would report it before derivation. Used by tests to derive independently.
     */
    masterPublicKey(scheme, name, method = 'ecdsa_public_key') {
      checkKeyName(scheme, name, method);
      return { publicKey: Uint8Array.from(master(scheme, name).pub), chainCode: new Uint8Array(32) };
    },

    /** ECDSA secp256k1 `{ publicKey: 33 bytes SEC1 compressed, chainCode: 32 bytes }`. */
    ecdsaPublicKey(name, canisterId, path) {
      checkKeyName('ecdsa', name, 'ecdsa_public_key');
      const d = derive('ecdsa', name, canisterId, path);
      return { publicKey: Uint8Array.from(d.publicKey), chainCode: Uint8Array.from(d.chainCode) };
    },

    /**
     * Signs the 32-byte `messageHash` with the canister's derived ECDSA key; returns 64 bytes
     * r||s with s normalised to the lower half of the order (deterministic, RFC 6979 nonces).
     */
    signEcdsa(name, canisterId, path, messageHash) {
      checkKeyName('ecdsa', name, 'sign_with_ecdsa');
      if (messageHash.length !== 32)
        throw new ThresholdError(REJECT.CANISTER_REJECT, 'message_hash must be 32 bytes');
      const d = derive('ecdsa', name, canisterId, path);
      const sig = secp256k1.sign(Uint8Array.from(messageHash), bigToBytesBE(d.secret, 32), {
        lowS: true,
        prehash: false,
      });
      return sig.toCompactRawBytes();
    },

    /** Schnorr public key: 33 bytes SEC1 (bip340secp256k1) or 32 bytes (ed25519), + chain code. */
    schnorrPublicKey(algorithm, name, canisterId, path) {
      checkKeyName(algorithm, name, 'schnorr_public_key');
      const d = derive(algorithm, name, canisterId, path);
      return { publicKey: Uint8Array.from(d.publicKey), chainCode: Uint8Array.from(d.chainCode) };
    },

    /**
     * Signs `message` (any length) with the canister's derived Schnorr key. For bip340secp256k1
     * an optional `merkleRootHash` (0 or 32 bytes; `undefined` means no BIP341 aux) applies the
     * BIP341 taproot tweak to the key before signing. Returns the 64-byte signature.
     */
    signSchnorr(algorithm, name, canisterId, path, message, merkleRootHash) {
      checkKeyName(algorithm, name, 'sign_with_schnorr');
      const msg = Uint8Array.from(message);
      const d = derive(algorithm, name, canisterId, path);
      if (algorithm === 'ed25519') {
        if (merkleRootHash !== undefined)
          throw new ThresholdError(
            REJECT.CANISTER_REJECT,
            'sign_with_schnorr: the bip341 aux is only allowed for bip340secp256k1 keys',
          );
        return ed25519SignScalar(d.secret, d.publicKey, msg);
      }
      let secret = d.secret;
      if (merkleRootHash !== undefined) {
        if (merkleRootHash.length !== 0 && merkleRootHash.length !== 32)
          throw new ThresholdError(
            REJECT.CANISTER_REJECT,
            `sign_with_schnorr: bip341 merkle_root_hash must be 0 or 32 bytes, got ${merkleRootHash.length}`,
          );
        secret = taprootTweak(secret, Uint8Array.from(merkleRootHash));
      }
      const sk = bigToBytesBE(secret, 32);
      const auxRand = sha256('icsim bip340 aux\0', sk, msg);
      return bip340.sign(msg, sk, auxRand);
    },
  };
}

/**
 * The IC's public key derivation: the key of canister `canisterId` (principal bytes) at
 * `path` (array of byte arrays) under the master public key `masterPublicKey` (33 bytes SEC1 for
 * 'ecdsa' and 'bip340secp256k1', 32 bytes for 'ed25519') with the IC's all-zero master chain
 * code. The path is the canister's principal followed by `path`, as on the IC. Returns
 * `{ publicKey, chainCode, offset }`, where `offset` is the scalar added to the master key.
 * Throws (from @dfinity/ic-pub-key) if `masterPublicKey` is not a valid point.
 */
export function derivePublicKey(scheme, masterPublicKey, canisterId, path) {
  const principal = Principal.fromUint8Array(Uint8Array.from(canisterId));
  if (scheme === 'ed25519') {
    const ed = icSchnorr.ed25519;
    const dp = ed.DerivationPath.withCanisterPrefix(principal, asPath(path));
    const masterPub = ed.PublicKey.fromHex(Buffer.from(masterPublicKey).toString('hex'));
    const [pt, offset, chain] = dp.deriveOffset(masterPub.key, new ed.ChainCode(ZERO_CHAIN_CODE));
    const publicKey = new Uint8Array(Buffer.from(new ed.PublicKey(pt).toHex(), 'hex'));
    return { publicKey, chainCode: Uint8Array.from(chain.bytes), offset };
  }
  const k = icEcdsa.secp256k1;
  const dp = k.DerivationPath.withCanisterPrefix(principal, asPath(path));
  const masterPub = new k.Sec1EncodedPublicKey(Uint8Array.from(masterPublicKey));
  const [pt, offset, chain] = dp.derive_offset(masterPub.toAffinePoint(), new k.ChainCode(ZERO_CHAIN_CODE));
  const publicKey = secp256k1.ProjectivePoint.fromAffine(pt).toRawBytes(true);
  return { publicKey, chainCode: Uint8Array.from(chain.bytes), offset };
}

// BIP341 taproot_tweak_seckey: negate the secret if its point has an odd y, then add
// t = hash_TapTweak(xonly(P) || merkle_root) (BIP341, "Constructing and spending Taproot outputs").
function taprootTweak(secret, merkleRoot) {
  const P = secp256k1.ProjectivePoint.BASE.multiply(secret);
  const even = (P.toAffine().y & 1n) === 0n;
  const d = even ? secret : SECP_N - secret;
  const xonly = P.toRawBytes(true).slice(1);
  const t = bytesToBigBE(bip340.utils.taggedHash('TapTweak', xonly, merkleRoot));
  if (t >= SECP_N)
    throw new ThresholdError(REJECT.CANISTER_REJECT, 'sign_with_schnorr: invalid bip341 tweak');
  const tweaked = mod(d + t, SECP_N);
  if (tweaked === 0n)
    throw new ThresholdError(REJECT.CANISTER_REJECT, 'sign_with_schnorr: invalid bip341 tweak');
  return tweaked;
}

// Ed25519 signing from a raw scalar `s` with public key A = s*B (RFC 8032 5.1.6 with the
// scalar given instead of derived from a seed): R = r*B, k = SHA-512(R || A || M) mod L,
// S = r + k*s mod L. The nonce r is derived from the secret and the message, so it is
// deterministic for a given simulator seed (the IC's is random, which the spec permits).
function ed25519SignScalar(s, A, msg) {
  const r = scalarFrom(ED_L, 'icsim ed25519 nonce\0', bigToBytesLE(s, 32), msg);
  const R = ed25519.ExtendedPoint.BASE.multiply(r).toRawBytes();
  const kHash = sha512(R, A, msg);
  const k = mod(bytesToBigBE(Uint8Array.from(kHash).reverse()), ED_L);
  const S = mod(r + k * s, ED_L);
  const sig = new Uint8Array(64);
  sig.set(R, 0);
  sig.set(bigToBytesLE(S, 32), 32);
  return sig;
}
