package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcMessage;
import java.time.Duration;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent behind one gateway call, to which a request the upstream sends during that call (a
 * legacy-era {@code elicitation/create}) can be relayed. Supplied per call in {@link
 * Upstream.CallOptions}; the transports hand it, with the call's timeout, to {@link ServerMessages}.
 */
public interface ClientRelay {

  /** Whether the agent can take this request (it declared the matching client capability). */
  boolean accepts(String method, ObjectNode params);

  /**
   * Sends a request to the agent under a gateway-minted id (never the upstream's) and waits for its
   * answer.
   *
   * @return the agent's response (its id is the gateway's)
   * @throws UpstreamException when the agent cannot be reached, does not answer within {@code
   *     timeout} or too many requests are already waiting for it
   */
  JsonRpcMessage.Response relay(String method, ObjectNode params, Duration timeout) throws UpstreamException;

  /** No agent to relay to: every request is answered by the gateway itself. */
  ClientRelay NONE = new ClientRelay() {
    @Override
    public boolean accepts(String method, ObjectNode params) {
      return false;
    }

    @Override
    public JsonRpcMessage.Response relay(String method, ObjectNode params, Duration timeout) throws UpstreamException {
      throw new UpstreamException(dev.bastion.pipeline.ReasonCode.UPSTREAM_PROTOCOL_ERROR, "no agent to relay " + method + " to");
    }
  };
}
