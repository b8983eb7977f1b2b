// The pub-sub publisher in Motoko, the same interface as examples/pubsub/publisher.c: the
// benchmark's callee (subscribe) for the side-by-side figures of `make bench`.
import List "mo:core/List";
import Principal "mo:core/Principal";

persistent actor Publisher {
  type Counter = { topic : Text; value : Nat64 };
  type Subscriber = { topic : Text };
  type Sub = { who : Principal; topic : Text };
  type Target = actor { update_count : shared Counter -> () };

  let subs = List.empty<Sub>();

  public shared ({ caller }) func subscribe(s : Subscriber) : async () {
    List.add(subs, { who = caller; topic = s.topic });
  };

  public func publish(counter : Counter) : async () {
    for (s in List.values(subs)) {
      if (s.topic == counter.topic) {
        let target : Target = actor (Principal.toText(s.who));
        target.update_count(counter);
      };
    };
  };
};
