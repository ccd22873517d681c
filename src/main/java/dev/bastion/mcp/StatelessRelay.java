package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.upstream.ClientRelay;
import dev.bastion.upstream.UpstreamException;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent behind a 2026-07-28 (stateless) call. That era has no server-to-client requests during
 * a call: a server asks through an {@code input_required} result whose {@code inputRequests} the
 * agent answers in a retry (MCP draft, basic/utilities/mrtr). So a legacy upstream's request during
 * the call is refused with a reason that says so, and a 2026-07-28 upstream is told, per call, the
 * capabilities the agent declared in its envelope that the gateway passes on: elicitation (form,
 * url) and sampling (with tools and context when declared). Roots are never passed on: the gateway
 * answers {@code roots/list} itself, with none.
 */
public final class StatelessRelay implements ClientRelay {
  private final ObjectNode capabilities;

  /** @param declared the agent's {@code io.modelcontextprotocol/clientCapabilities} (may be null) */
  public StatelessRelay(JsonNode declared) {
    this.capabilities = passedOn(declared);
  }

  /** The part of the agent's declared capabilities the gateway passes on to a 2026-07-28 upstream. */
  static ObjectNode passedOn(JsonNode declared) {
    ObjectNode out = JsonRpcCodec.nodes().objectNode();
    if (declared == null || !declared.isObject()) {
      return out;
    }
    JsonNode e = declared.get("elicitation");
    if (e != null && e.isObject()) {
      ObjectNode elicitation = out.putObject("elicitation");
      if (e.isEmpty() || e.get("form") instanceof ObjectNode) {
        elicitation.putObject("form");
      }
      if (e.get("url") instanceof ObjectNode) {
        elicitation.putObject("url");
      }
    }
    JsonNode s = declared.get("sampling");
    if (s != null && s.isObject()) {
      ObjectNode sampling = out.putObject("sampling");
      if (s.get("tools") instanceof ObjectNode) {
        sampling.putObject("tools");
      }
      if (s.get("context") instanceof ObjectNode) {
        sampling.putObject("context");
      }
    }
    return out;
  }

  @Override
  public ObjectNode statelessCapabilities() {
    return capabilities;
  }

  @Override
  public String refusal(String method, ObjectNode params) {
    return "the agent speaks protocol 2026-07-28, where a server asks through an input_required result, not a request during the call";
  }

  @Override
  public JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) throws UpstreamException {
    throw new UpstreamException(ReasonCode.UPSTREAM_PROTOCOL_ERROR, refusal(method, params));
  }
}
