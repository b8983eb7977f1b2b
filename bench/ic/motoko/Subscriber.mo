// The pub-sub subscriber in Motoko, the same interface as examples/pubsub/subscriber.c:
// setup_subscribe is the benchmark's caller (an update awaiting one inter-canister call).
import Principal "mo:core/Principal";

persistent actor Subscriber {
  type Counter = { topic : Text; value : Nat64 };
  type Publisher = actor { subscribe : shared { topic : Text } -> async () };

  var count : Nat64 = 0;

  public func setup_subscribe(publisher : Principal, topic : Text) : async () {
    let p : Publisher = actor (Principal.toText(publisher));
    await p.subscribe({ topic });
  };

  public func update_count(c : Counter) : async () {
    count += c.value;
  };

  public query func get_count() : async Nat64 {
    count;
  };
};
