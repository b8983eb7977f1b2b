// The callee of the generated-stub test: a Motoko canister, so that both directions of every
// call cross an independent Candid implementation. Its interface is store.did, except `mistyped`,
// which returns a nat where the .did says text.
import Error "mo:core/Error";

persistent actor Store {
  type Item = { name : Text; qty : Nat; tags : [Text]; owner : ?Principal };
  type PutResult = { #ok : Nat64; #err : Text };

  var last : ?Item = null;
  var puts : Nat64 = 0;
  var pings : Nat64 = 0;

  public func put(i : Item) : async PutResult {
    if (i.name == "") return #err("empty name");
    last := ?i;
    puts += 1;
    #ok(puts - 1);
  };

  public query func get(id : Nat64) : async ?Item {
    if (id + 1 == puts) last else null;
  };

  public func refuse(why : Text) : async Nat {
    throw Error.reject("refused: " # why);
  };

  public func mistyped() : async Nat { 42 };

  public query func stats() : async { puts : Nat64; pings : Nat64 } {
    { puts; pings };
  };

  public func ping() : () { pings += 1 };
};
