package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcMessage;

/**
 * What the gateway does with messages an upstream sends on its own initiative: requests addressed
 * to the gateway as the upstream's client (sampling, elicitation, roots, ping) and messages that had
 * to be dropped (responses for no call in flight, duplicates, invalid messages). The transports call
 * this on their reader threads' behalf (on a virtual thread for requests); implementations inspect,
 * record and answer.
 */
public interface ServerMessages {

  /**
   * The answer to send back for a request the upstream sent.
   *
   * @param server the upstream's name
   * @param request the request as received (its id is the upstream's)
   * @param during the method of the gateway's call the request arrived with (on that call's event
   *     stream), or null when it is not tied to one call (stdio, the standalone GET stream)
   */
  JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during);

  /**
   * Like {@link #onRequest(String, JsonRpcMessage.Request, String)}, for a request tied to one call
   * whose agent it may be relayed to (blocks the calling virtual thread until the agent answers).
   *
   * @param relay the agent behind the call ({@link ClientRelay#NONE} when there is none)
   * @param timeout the call's timeout: how long the agent may take to answer
   */
  default JsonRpcMessage.Response onRequest(
      String server, JsonRpcMessage.Request request, String during, ClientRelay relay, java.time.Duration timeout) {
    return onRequest(server, request, during);
  }

  /**
   * The client capabilities the gateway declares to legacy upstreams at {@code initialize}: what it
   * answers or relays. Default: form elicitation only ({@code {"elicitation": {}}}).
   */
  default tools.jackson.databind.node.ObjectNode clientCapabilities() {
    tools.jackson.databind.node.ObjectNode caps = dev.bastion.jsonrpc.JsonRpcCodec.nodes().objectNode();
    caps.putObject("elicitation");
    return caps;
  }

  /**
   * A message from the upstream was dropped; {@code what} is a printable one-line description that
   * holds no message content beyond the id. Called for every drop (implementations rate-limit).
   *
   * @param kind {@code unknown_id} (a response for no call in flight: unknown, duplicate or late),
   *     {@code invalid} (not a valid JSON-RPC message) or {@code oversize}
   */
  void onDropped(String server, String kind, String what);

  /**
   * The gateway's behaviour without a firewall: {@code ping} and {@code roots/list} (no roots) are
   * answered, everything else (sampling, elicitation) is refused with -32601; drops are only logged.
   */
  ServerMessages REFUSE = new ServerMessages() {
    @Override
    public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during) {
      return Protocol.answerServerRequest(request);
    }

    @Override
    public void onDropped(String server, String kind, String what) {}
  };

  /** The default answer (see {@link #REFUSE}), for implementations that add inspection around it. */
  static JsonRpcMessage.Response defaultAnswer(JsonRpcMessage.Request request) {
    return Protocol.answerServerRequest(request);
  }
}
