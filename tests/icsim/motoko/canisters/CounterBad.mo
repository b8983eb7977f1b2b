// An upgrade that Motoko must refuse: the stable variable `count` changes type from Nat to
// Text, which is not a compatible upgrade; the upgrade traps and the old version stays.
persistent actor Counter {
  var count : Text = "";

  public query func get() : async Text {
    count;
  };
};
