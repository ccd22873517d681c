package dev.bastion.mcp;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Both protocol eras through a real gateway with the demo server behind it: handshakes, calls, and
 * every JSON-RPC error class an agent can provoke, each answered precisely and without internals.
 */
class GatewayProtocolTest {
  static final String KEY = "protocol-key";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .demo("demo")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .limit("max_body_bytes", "8192")
          .limit("max_json_depth", "16")
          .limit("max_string_length", "2000")
          .build();

  private static final Map<String, String> LEGACY = Map.of("MCP-Protocol-Version", McpWire.LEGACY);

  @Test
  void legacyHandshakeNegotiatesAndIssuesASessionThatCarriesCalls() {
    McpWire alice = GW.wire(KEY);
    JsonNode init = alice.initialize();
    assertThat(init.get("protocolVersion").asString()).isEqualTo("2025-11-25");
    assertThat(init.path("serverInfo").path("name").asString()).isEqualTo("bastion");
    assertThat(alice.sessionId()).isNotBlank();

    JsonNode tools = alice.request("tools/list", obj("{}")).result().get("tools");
    assertThat(tools.findValuesAsString("name")).contains("demo__echo", "demo__read_file");

    JsonNode echo = alice.request("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"hi legacy\"}}")).result();
    assertThat(echo.toString()).contains("hi legacy");
    assertThat(echo.has("resultType")).as("no 2026 fields in a legacy answer").isFalse();
  }

  @Test
  void legacyInitializeWithAnUnknownVersionGetsTheLatestTheGatewaySpeaks() {
    McpWire alice = GW.wire(KEY);
    McpWire.Reply r = alice.post(McpWire.envelope(1, "initialize", obj("{\"protocolVersion\":\"1999-01-01\",\"capabilities\":{},\"clientInfo\":{\"name\":\"x\",\"version\":\"1\"}}")).toString(), Map.of());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.result().get("protocolVersion").asString()).isEqualTo("2025-11-25");
  }

  @Test
  void statelessDiscoverAndCallNeedNoSession() {
    McpWire alice = GW.wire(KEY);
    McpWire.Reply discover = alice.stateless("server/discover", obj("{}"));
    assertThat(discover.status()).isEqualTo(200);
    assertThat(discover.header("mcp-session-id")).isNull();
    assertThat(discover.result().toString()).contains("2026-07-28");

    McpWire.Reply call = alice.stateless("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"hi stateless\"}}"));
    assertThat(call.status()).isEqualTo(200);
    assertThat(call.result().get("resultType").asString()).isEqualTo("complete");
    assertThat(call.result().toString()).contains("hi stateless");
    assertThat(call.result().path("_meta").has("io.modelcontextprotocol/serverInfo")).isTrue();
  }

  @Test
  void statelessInitializeIsRefusedAndLegacyOnlyMethodsAreNotFound() {
    McpWire alice = GW.wire(KEY);
    McpWire.Reply init = alice.stateless("initialize", obj("{\"protocolVersion\":\"2025-11-25\"}"));
    // 2026-07-28 has no initialize: the method does not exist in that era
    assertThat(init.errorCode()).isEqualTo(-32601);
    McpWire.Reply ping = alice.stateless("ping", obj("{}"));
    assertThat(ping.errorCode()).isEqualTo(-32601);
  }

  @Test
  void statelessHeadersMustAgreeWithTheBody() {
    McpWire alice = GW.wire(KEY);
    String body = McpWire.statelessBody(5, "tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"x\"}}")).toString();
    McpWire.Reply lying = alice.post(body, Map.of("MCP-Protocol-Version", McpWire.STATELESS, "Mcp-Method", "tools/call", "Mcp-Name", "demo__list_files"));
    assertThat(lying.status()).isEqualTo(400);
    assertThat(lying.error().get("message").asString()).contains("Mcp-Name");
    McpWire.Reply honest = alice.post(body, Map.of("MCP-Protocol-Version", McpWire.STATELESS, "Mcp-Method", "tools/call", "Mcp-Name", "demo__echo"));
    assertThat(honest.status()).isEqualTo(200);
  }

  @Test
  void malformedJsonIsAParseError() {
    McpWire.Reply r = GW.wire(KEY).post("{\"jsonrpc\":\"2.0\",\"id\":1,", LEGACY);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo(-32700);
    assertNoInternals(r);
  }

  @Test
  void invalidRequestsAreRefusedWithMinus32600() {
    McpWire alice = GW.wire(KEY);
    assertThat(alice.post("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", LEGACY).errorCode()).isEqualTo(-32600);
    assertThat(alice.post("[1,2]", LEGACY).errorCode()).as("a batch").isEqualTo(-32600);
    assertThat(alice.post("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", LEGACY).errorCode()).as("a batch of one").isEqualTo(-32600);
    McpWire.Reply dup = alice.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"method\":\"tools/list\"}", LEGACY);
    assertThat(dup.status()).isEqualTo(400);
    assertThat(dup.error().get("code").asInt()).isIn(-32600, -32700);
    assertNoInternals(dup);
  }

  @Test
  void unknownMethodsAreMinus32601AndBadParamsMinus32602() {
    McpWire alice = GW.wire(KEY);
    alice.initialize();
    assertThat(alice.request("tools/frobnicate", obj("{}")).errorCode()).isEqualTo(-32601);
    McpWire.Reply noName = alice.request("tools/call", obj("{\"arguments\":{}}"));
    assertThat(noName.errorCode()).isEqualTo(-32602);
    McpWire.Reply statelessNoName = alice.stateless("prompts/get", obj("{}"));
    assertThat(statelessNoName.status()).isEqualTo(400);
  }

  @Test
  void bodyDepthAndStringLimitsAreEnforcedBeforeAnythingRuns() {
    McpWire alice = GW.wire(KEY);
    String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"" + "a".repeat(9000) + "\"}}}";
    McpWire.Reply tooBig = alice.post(big, LEGACY);
    assertThat(tooBig.status()).isEqualTo(413);

    String deep = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":" + "[".repeat(40) + "]".repeat(40) + "}}";
    McpWire.Reply tooDeep = alice.post(deep, LEGACY);
    assertThat(tooDeep.status()).isEqualTo(400);
    assertThat(tooDeep.error().get("message").asString()).containsIgnoringCase("depth");

    String longString = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"" + "b".repeat(3000) + "\"}}";
    McpWire.Reply tooLong = alice.post(longString, LEGACY);
    assertThat(tooLong.status()).isEqualTo(400);
    assertNoInternals(tooLong);

    // benign twin: just under every limit
    String fine = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"" + "c".repeat(1900) + "\",\"version\":\"1\"}}}";
    assertThat(alice.post(fine, LEGACY).status()).isEqualTo(200);
  }

  @Test
  void everyCallLandsInTheAuditStoreTheExtensionPointsTo() {
    McpWire alice = GW.wire(KEY);
    assertThat(alice.stateless("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"audited-7f3\"}}")).status()).isEqualTo(200);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> {
          try (dev.bastion.audit.AuditStore store = dev.bastion.audit.AuditStores.openReadOnly("sqlite:" + GW.auditStore(), GW.dataDir())) {
            return store.read(1, 10_000).stream()
                .anyMatch(r -> "alice".equals(r.agent()) && "demo".equals(r.server()) && r.args() != null && r.args().contains("audited-7f3"));
          }
        });
  }

  @Test
  void wrongMediaTypesAreRefused() {
    McpWire alice = GW.wire(KEY);
    McpWire.Reply accept = alice.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", Map.of("Accept", "text/html"));
    assertThat(accept.status()).isEqualTo(406);
  }

  private static void assertNoInternals(McpWire.Reply r) {
    assertThat(r.body()).doesNotContain("Exception", "at dev.bastion", "at java.", "tools.jackson");
  }
}
