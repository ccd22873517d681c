package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcMessage;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent behind one gateway call, to which a request the upstream sends during that call (a
 * legacy-era {@code elicitation/create} or {@code sampling/createMessage}) can be relayed. Supplied
 * per call in {@link Upstream.CallOptions}; the transports hand it, with the call's timeout, to
 * {@link ServerMessages}.
 */
public interface ClientRelay {

  /**
   * Null when the agent can take this request (it declared the matching client capability and its
   * call can still carry a request); otherwise why not, phrased for the error the upstream gets
   * (e.g. {@code the agent did not declare the sampling capability}).
   */
  String refusal(String method, ObjectNode params);

  /** Whether the agent can take this request ({@link #refusal} is null). */
  default boolean accepts(String method, ObjectNode params) {
    return refusal(method, params) == null;
  }

  /**
   * Sends a request to the agent under a gateway-minted id (never the upstream's) and waits for its
   * answer.
   *
   * @param server the upstream that sent the request
   * @return the agent's response (its id is the gateway's)
   * @throws UpstreamException when the agent cannot be reached, does not answer within {@code
   *     timeout} or too many requests are already waiting for it
   */
  JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) throws UpstreamException;

  /**
   * The client capabilities to declare to a 2026-07-28 upstream in this call's envelope ({@code
   * io.modelcontextprotocol/clientCapabilities}): what the agent behind the call declared that the
   * gateway passes on through {@code input_required} results. Empty by default (the upstream must
   * then ask for nothing).
   */
  default ObjectNode statelessCapabilities() {
    return dev.bastion.jsonrpc.JsonRpcCodec.nodes().objectNode();
  }

  /**
   * The W3C trace context the gateway sent upstream with the call behind this relay ({@code
   * traceparent} and {@code tracestate} of the call's {@code params._meta}), as a carrier map:
   * telemetry parents the spans of requests relayed during the call on it. Empty when the call
   * carried none.
   */
  default Map<String, String> traceContext() {
    return Map.of();
  }

  /** The agent's legacy-era session id, for telemetry ({@code mcp.session.id}); null when there is none. */
  default String sessionId() {
    return null;
  }

  /**
   * {@code relay}, answering {@link #traceContext()} from the params of the call it belongs to (as
   * sent upstream); {@code relay} itself when they carry no {@code _meta.traceparent}.
   */
  static ClientRelay inCall(ClientRelay relay, ObjectNode callParams) {
    if (callParams != null && callParams.get("_meta") instanceof ObjectNode meta && meta.get("traceparent") instanceof JsonNode tp
        && tp.isString()) {
      JsonNode ts = meta.get("tracestate");
      return new TracedRelay(relay, ts != null && ts.isString()
          ? Map.of("traceparent", tp.asString(), "tracestate", ts.asString()) : Map.of("traceparent", tp.asString()));
    }
    return relay;
  }

  /** No agent to relay to: every request is answered by the gateway itself. */
  ClientRelay NONE = new ClientRelay() {
    @Override
    public String refusal(String method, ObjectNode params) {
      return "it arrived outside a call of an agent that could answer it";
    }

    @Override
    public JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) throws UpstreamException {
      throw new UpstreamException(dev.bastion.pipeline.ReasonCode.UPSTREAM_PROTOCOL_ERROR, "no agent to relay " + method + " to");
    }
  };
}
