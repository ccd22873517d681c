package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.jsonrpc.JsonRpcCodec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The stdio rule tying a server request to a call: its progress token, else the only call in flight. */
class CallTableRelatedCallTest {
  private final CallTable table = new CallTable("srv", new AtomicLong());

  private PendingCall open(boolean withToken) {
    ObjectNode params = JsonRpcCodec.nodes().objectNode();
    if (withToken) {
      params.putObject("_meta").put("progressToken", "agent-token");
    }
    return table.open("tools/call", params, Upstream.CallOptions.of(Duration.ofSeconds(20)), Duration.ofSeconds(20), (c, r) -> {});
  }

  private static ObjectNode request(String token) {
    ObjectNode params = JsonRpcCodec.nodes().objectNode();
    if (token != null) {
      params.putObject("_meta").put("progressToken", token);
    }
    return params;
  }

  @Test
  void theOnlyCallInFlightOwnsARequestWithoutAToken() {
    assertThat(table.relatedCall(request(null))).isNull();
    PendingCall only = open(false);
    assertThat(table.relatedCall(request(null))).isSameAs(only);
  }

  @Test
  void withSeveralCallsARequestBelongsOnlyToTheCallItsTokenNames() {
    open(false);
    PendingCall second = open(true);
    assertThat(table.relatedCall(request(null))).as("ambiguous: refused").isNull();
    assertThat(table.relatedCall(request(second.gatewayProgressToken()))).isSameAs(second);
    // the agent's own token is not the gateway's: it names no call
    assertThat(table.relatedCall(request("agent-token"))).isNull();
  }
}
