// The Motoko side of the interop example: a greeting, a method that rejects, `ask`, which awaits
// a method of another canister (the C bridge) and catches its reject, and `askVia`, which awaits
// the bridge's async handler.
import Error "mo:core/Error";
import Principal "mo:core/Principal";

persistent actor Greeter {
  type Peer = actor { greet : (Text) -> async Text };
  type Bridge = actor { ask : (Principal, Text, Text) -> async Text };

  public func greet(name : Text) : async Text {
    "Hello from Motoko, " # name # "!";
  };

  public func fail(_name : Text) : async Text {
    throw Error.reject("Motoko says no");
  };

  public func ask(peer : Principal, name : Text) : async Text {
    let p : Peer = actor (Principal.toText(peer));
    try {
      "Motoko got: " # (await p.greet(name));
    } catch (e) {
      "Motoko caught: " # Error.message(e);
    };
  };

  // Awaits the C bridge's async `ask`, which itself awaits `target.greet`.
  public func askVia(bridge : Principal, target : Principal, name : Text) : async Text {
    let b : Bridge = actor (Principal.toText(bridge));
    "Motoko got: " # (await b.ask(target, "greet", name));
  };
};
