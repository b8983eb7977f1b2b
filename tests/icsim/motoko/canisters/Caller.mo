// Inter-canister calls with await, and try/catch of the callee's rejects and traps.
import Error "mo:core/Error";
import Nat "mo:core/Nat";

persistent actor Caller {
  type Counter = actor {
    inc : () -> async Nat;
    get : shared query () -> async Nat;
  };
  type Failer = actor {
    fail : (Text) -> async Nat;
    trap : (Text) -> async Nat;
    ok : (Nat) -> async Nat;
  };

  var log : [Text] = [];

  // Two awaited calls in sequence, then a query call: returns "a,b,c".
  public func incTwice(c : Counter) : async Text {
    let a = await c.inc();
    let b = await c.inc();
    let n = await c.get();
    Nat.toText(a) # "," # Nat.toText(b) # "," # Nat.toText(n);
  };

  func describe(e : Error.Error) : Text {
    debug_show (Error.code(e)) # " " # Error.message(e);
  };

  // Calls `f.fail(msg)` and catches the reject; state set before the await is kept.
  public func catchReject(f : Failer, msg : Text) : async Text {
    log := ["before"];
    try {
      let n = await f.fail(msg);
      "no error: " # Nat.toText(n);
    } catch (e) {
      log := [log[0], "caught"];
      describe(e);
    };
  };

  // Calls `f.trap(msg)`: the callee's trap reaches the caller as a CANISTER_ERROR reject.
  public func catchTrap(f : Failer, msg : Text) : async Text {
    try {
      let n = await f.trap(msg);
      "no error: " # Nat.toText(n);
    } catch (e) {
      describe(e);
    };
  };

  // A successful call inside try: the value passes through, the catch does not run.
  public func tryOk(f : Failer, n : Nat) : async Text {
    try {
      Nat.toText(await f.ok(n));
    } catch (e) {
      "caught: " # describe(e);
    };
  };

  public query func getLog() : async [Text] {
    log;
  };
};
