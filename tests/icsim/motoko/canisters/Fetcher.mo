// An HTTP outcall from Motoko with a transform function that replaces the response headers by
// one naming the transform's caller (the IC calls transforms as the management canister).
import Principal "mo:core/Principal";
import Text "mo:core/Text";

persistent actor Fetcher {
  type Header = { name : Text; value : Text };
  type Response = { status : Nat; headers : [Header]; body : Blob };
  type TransformArgs = { response : Response; context : Blob };
  type Request = {
    url : Text;
    max_response_bytes : ?Nat64;
    method : { #get; #head; #post; #put; #delete; #patch };
    headers : [Header];
    body : ?Blob;
    transform : ?{
      function : shared query TransformArgs -> async Response;
      context : Blob;
    };
    is_replicated : ?Bool;
  };
  transient let ic = actor "aaaaa-aa" : actor {
    http_request : Request -> async Response;
  };

  public shared query ({ caller }) func transform(args : TransformArgs) : async Response {
    {
      status = args.response.status;
      headers = [{ name = "transform-caller"; value = Principal.toText(caller) }];
      body = args.response.body;
    };
  };

  // GETs `url` and returns "<status> <body as text> <name>=<value>..." (headers after transform).
  public func fetch(url : Text) : async Text {
    let response = await (with cycles = 30_000_000_000) ic.http_request({
      url;
      max_response_bytes = ?10_000;
      method = #get;
      headers = [{ name = "accept"; value = "text/plain" }];
      body = null;
      transform = ?{ function = transform; context = "ctx" };
      is_replicated = null;
    });
    let text = switch (Text.decodeUtf8(response.body)) {
      case (?t) t;
      case null "<binary>";
    };
    var headers = "";
    for (h in response.headers.values()) { headers #= " " # h.name # "=" # h.value };
    debug_show (response.status) # " " # text # headers;
  };
};
