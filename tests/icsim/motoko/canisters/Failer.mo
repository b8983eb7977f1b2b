// A callee that fails on request: an explicit reject, or a trap.
import Error "mo:core/Error";
import Runtime "mo:core/Runtime";

persistent actor Failer {
  var calls : Nat = 0;

  public func fail(message : Text) : async Nat {
    calls += 1;
    throw Error.reject(message);
  };

  public func trap(message : Text) : async Nat {
    calls += 1;
    Runtime.trap(message);
  };

  public func ok(n : Nat) : async Nat {
    calls += 1;
    n * 2;
  };

  public query func getCalls() : async Nat {
    calls;
  };
};
