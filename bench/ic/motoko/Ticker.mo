// A timer firing an empty job, for the timer line of `make bench`.
import Timer "mo:core/Timer";

persistent actor Ticker {
  var fired : Nat = 0;

  public func arm() : async () {
    ignore Timer.setTimer<system>(#seconds 1, func() : async () { fired += 1 });
  };

  public query func count() : async Nat {
    fired;
  };
};
