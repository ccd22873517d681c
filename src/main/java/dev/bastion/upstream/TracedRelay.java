package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcMessage;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/** A call's {@link ClientRelay} that also knows the trace context the call carried upstream ({@link ClientRelay#inCall}). */
record TracedRelay(ClientRelay relay, Map<String, String> traceContext) implements ClientRelay {
  @Override
  public String refusal(String method, ObjectNode params) {
    return relay.refusal(method, params);
  }

  @Override
  public boolean accepts(String method, ObjectNode params) {
    return relay.accepts(method, params);
  }

  @Override
  public JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) throws UpstreamException {
    return relay.relay(server, method, params, timeout);
  }

  @Override
  public ObjectNode statelessCapabilities() {
    return relay.statelessCapabilities();
  }

  @Override
  public String sessionId() {
    return relay.sessionId();
  }
}
