// A counter: update calls change the state, query calls read it.
persistent actor Counter {
  var count : Nat = 0;

  public func inc() : async Nat {
    count += 1;
    count;
  };

  public func add(n : Nat) : async Nat {
    count += n;
    count;
  };

  public query func get() : async Nat {
    count;
  };

  // A query may change state while it runs, but the change is never kept.
  public query func incInQuery() : async Nat {
    count += 100;
    count;
  };
};
