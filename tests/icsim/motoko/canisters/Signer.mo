// Threshold signatures from Motoko: public keys and signatures from the management canister,
// with the cycles the signing fee needs attached to the call.
import Cycles "mo:core/Cycles";
import Error "mo:core/Error";

persistent actor Signer {
  type KeyId = { curve : { #secp256k1 }; name : Text };
  type SchnorrKeyId = { algorithm : { #bip340secp256k1; #ed25519 }; name : Text };
  transient let ic = actor "aaaaa-aa" : actor {
    ecdsa_public_key : ({
      canister_id : ?Principal;
      derivation_path : [Blob];
      key_id : KeyId;
    }) -> async { public_key : Blob; chain_code : Blob };
    sign_with_ecdsa : ({
      message_hash : Blob;
      derivation_path : [Blob];
      key_id : KeyId;
    }) -> async { signature : Blob };
    schnorr_public_key : ({
      canister_id : ?Principal;
      derivation_path : [Blob];
      key_id : SchnorrKeyId;
    }) -> async { public_key : Blob; chain_code : Blob };
    sign_with_schnorr : ({
      message : Blob;
      derivation_path : [Blob];
      key_id : SchnorrKeyId;
      aux : ?{ #bip341 : { merkle_root_hash : Blob } };
    }) -> async { signature : Blob };
  };

  transient let key : KeyId = { curve = #secp256k1; name = "dfx_test_key" };
  transient let edKey : SchnorrKeyId = { algorithm = #ed25519; name = "dfx_test_key" };

  public func publicKey(path : [Blob]) : async Blob {
    let r = await ic.ecdsa_public_key({ canister_id = null; derivation_path = path; key_id = key });
    r.public_key;
  };

  public func sign(path : [Blob], hash : Blob, cycles : Nat) : async Blob {
    let r = await (with cycles) ic.sign_with_ecdsa({
      message_hash = hash;
      derivation_path = path;
      key_id = key;
    });
    r.signature;
  };

  // The same call inside try: the management canister's reject comes back as text.
  public func trySign(hash : Blob, cycles : Nat) : async Text {
    try {
      let r = await (with cycles) ic.sign_with_ecdsa({
        message_hash = hash;
        derivation_path = [];
        key_id = key;
      });
      "signed " # debug_show (r.signature.size()) # " bytes";
    } catch (e) {
      debug_show (Error.code(e)) # " " # Error.message(e);
    };
  };

  // Signs with `cycles` attached and returns the cycles refunded: what the fee did not take.
  public func signRefund(hash : Blob, cycles : Nat) : async Nat {
    ignore await (with cycles) ic.sign_with_ecdsa({
      message_hash = hash;
      derivation_path = [];
      key_id = key;
    });
    Cycles.refunded();
  };

  public func edPublicKey() : async Blob {
    (await ic.schnorr_public_key({ canister_id = null; derivation_path = []; key_id = edKey })).public_key;
  };

  public func edSign(message : Blob) : async Blob {
    let r = await (with cycles = 10_000_000_000) ic.sign_with_schnorr({
      message;
      derivation_path = [];
      key_id = edKey;
      aux = null;
    });
    r.signature;
  };

  public query func blobSize(b : Blob) : async Nat { b.size() };
};
