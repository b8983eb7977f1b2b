// Timers: a one-shot timer and a recurring one, both counting into stable state.
import Timer "mo:core/Timer";

persistent actor Ticker {
  var once : Nat = 0;
  var recurring : Nat = 0;
  transient var recurringId : ?Timer.TimerId = null;

  public func startOnce(seconds : Nat) : async () {
    ignore Timer.setTimer<system>(#seconds seconds, func() : async () { once += 1 });
  };

  public func startRecurring(seconds : Nat) : async () {
    recurringId := ?Timer.recurringTimer<system>(#seconds seconds, func() : async () { recurring += 1 });
  };

  public func stopRecurring() : async () {
    switch (recurringId) {
      case (?id) { Timer.cancelTimer(id) };
      case null {};
    };
  };

  public query func counts() : async (Nat, Nat) {
    (once, recurring);
  };
};
