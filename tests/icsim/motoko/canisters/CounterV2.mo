// Version 2 of Counter, installed as an upgrade: `count` is stable and keeps its value,
// `since` is new (initialised on upgrade), and the transient `callsSinceUpgrade` starts at 0.
persistent actor Counter {
  var count : Nat = 0;
  var since : Text = "v2";
  transient var callsSinceUpgrade : Nat = 0;

  public func inc() : async Nat {
    count += 1;
    callsSinceUpgrade += 1;
    count;
  };

  public func add(n : Nat) : async Nat {
    count += n;
    callsSinceUpgrade += 1;
    count;
  };

  public query func get() : async Nat {
    count;
  };

  public query func info() : async (Nat, Text, Nat) {
    (count, since, callsSinceUpgrade);
  };
};
