package dev.bastion.mcp;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.audit.AuditRecord;
import dev.bastion.audit.AuditStore;
import dev.bastion.audit.AuditStores;
import dev.bastion.pipeline.Finding;
import dev.bastion.testing.ElicitingServer;
import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Legacy-era sampling relay through a real gateway and a stdio server: an agent that declared
 * {@code capabilities.sampling} gets the server's {@code sampling/createMessage} on its call's SSE
 * stream under a gateway id and answers it with its model's message, which the server's tool result
 * then carries. Attacks and benign twins: a prompt that tries to hijack the agent's model is blocked
 * before it reaches the agent; a secret in the model's answer is blocked on its way to the server;
 * an agent that did not declare sampling (or {@code sampling.tools} for a request offering tools, or
 * {@code sampling.context} for one asking for context) is not asked and the server gets a -32601
 * naming the missing capability; an answer that is not a sampling result is refused.
 */
class SamplingRelayTest {
  static final String KEY = "sampling-key";
  static final String ANSWER = "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"The release adds relaying.\"},"
      + "\"model\":\"test-model\",\"stopReason\":\"endTurn\"}";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .stdio("srv", ElicitingServer.class, "20s")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .build();

  private static McpWire agent(String capabilities) {
    McpWire wire = GW.wire(KEY);
    wire.initialize(obj(capabilities));
    return wire;
  }

  private static AuditRecord awaitRecord(Predicate<AuditRecord> match) {
    AtomicReference<AuditRecord> found = new AtomicReference<>();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      try (AuditStore store = AuditStores.openReadOnly(null, GW.dataDir())) {
        store.read(1, 100_000).stream().filter(match).reduce((a, b) -> b).ifPresent(found::set);
      }
      return found.get() != null;
    });
    return found.get();
  }

  private static Predicate<AuditRecord> sampled() {
    return x -> x.era().equals("upstream") && x.method().equals("sampling/createMessage") && x.target().equals("tools/call");
  }

  @Test
  void aBenignSamplingRequestIsRelayedAndTheModelsAnswerReachesTheServer() {
    McpWire wire = agent("{\"sampling\":{}}");
    try (McpWire.Stream stream = wire.callToolStreaming(201, "srv__sample_summary")) {
      JsonNode request = stream.nextRequest("sampling/createMessage");
      assertThat(request.get("id").asString("")).startsWith("bastion-");
      assertThat(request.path("params").path("messages").path(0).path("content").path("text").asString(""))
          .isEqualTo("Summarise these release notes in two sentences.");
      assertThat(request.path("params").path("maxTokens").asInt()).isEqualTo(100);
      assertThat(wire.answer(request.get("id"), obj(ANSWER)).status()).isEqualTo(202);
      assertThat(McpWire.toolText(stream.response(201))).isEqualTo("client answered: result " + ANSWER);
    }
    AuditRecord r = awaitRecord(sampled().and(x -> x.effect() == AuditRecord.Effect.ALLOW));
    assertThat(r.findings()).isEmpty();
    assertThat(r.args()).contains("Summarise these release notes");
  }

  @Test
  void aPromptThatTriesToHijackTheAgentsModelIsBlockedAndNeverReachesTheAgent() {
    McpWire wire = agent("{\"sampling\":{}}");
    try (McpWire.Stream stream = wire.callToolStreaming(202, "srv__sample_injection")) {
      JsonNode first = stream.nextRequestOrResponse();
      // the call's own response, not a request: the agent was never asked
      assertThat(first.path("id").asLong()).isEqualTo(202);
      assertThat(first.has("method")).isFalse();
      assertThat(McpWire.toolText(first)).startsWith("client answered: error -32003 \"sampling/createMessage\" was blocked by the gateway's firewall: ")
          .contains("instruction_override");
    }
    AuditRecord r = awaitRecord(sampled().and(x -> "request_blocked".equals(x.reason())));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.DENY);
    assertThat(r.findings()).extracting(Finding::category).contains("injection");
    assertThat(r.findings()).extracting(Finding::location).allMatch(l -> l.startsWith("/params/messages/0/content/text"));
  }

  @Test
  void aSecretInTheModelsAnswerIsBlockedOnItsWayToTheServer() {
    McpWire wire = agent("{\"sampling\":{}}");
    String leaked = "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"Here: ghp_abcdefghijklmnopqrstuvwxyz0123456789AB\"},"
        + "\"model\":\"test-model\"}";
    try (McpWire.Stream stream = wire.callToolStreaming(203, "srv__sample_summary")) {
      JsonNode request = stream.nextRequest("sampling/createMessage");
      wire.answer(request.get("id"), obj(leaked));
      assertThat(McpWire.toolText(stream.response(203))).startsWith("client answered: error -32003 the agent's answer to \"sampling/createMessage\" was blocked");
    }
    AuditRecord r = awaitRecord(sampled().and(x -> "request_blocked".equals(x.reason())
        && x.findings().stream().anyMatch(f -> f.location().startsWith("/result/content/text"))));
    assertThat(r.findings()).extracting(Finding::category).contains("secret");
    assertThat(r.args()).doesNotContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789AB");
  }

  @Test
  void anAgentThatDidNotDeclareSamplingIsNotAskedAndTheServerLearnsWhy() {
    McpWire wire = agent("{\"elicitation\":{}}");
    try (McpWire.Stream stream = wire.callToolStreaming(204, "srv__sample_summary")) {
      JsonNode first = stream.nextRequestOrResponse();
      assertThat(first.path("id").asLong()).isEqualTo(204);
      assertThat(McpWire.toolText(first)).isEqualTo(
          "client answered: error -32601 \"sampling/createMessage\" cannot be relayed by the gateway: the agent did not declare the sampling capability");
    }
    AuditRecord r = awaitRecord(sampled().and(x -> "method_not_found".equals(x.reason())));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.DENY);
  }

  @Test
  void toolsAndContextInASamplingRequestNeedTheirOwnCapabilities() {
    McpWire plain = agent("{\"sampling\":{}}");
    try (McpWire.Stream stream = plain.callToolStreaming(205, "srv__sample_tools")) {
      assertThat(McpWire.toolText(stream.nextRequestOrResponse())).endsWith("the agent did not declare the sampling.tools capability");
    }
    try (McpWire.Stream stream = plain.callToolStreaming(206, "srv__sample_context")) {
      assertThat(McpWire.toolText(stream.nextRequestOrResponse())).endsWith("the agent did not declare the sampling.context capability");
    }
    // the benign twin: an agent that declared tool use gets the request, tools included
    McpWire withTools = agent("{\"sampling\":{\"tools\":{}}}");
    try (McpWire.Stream stream = withTools.callToolStreaming(207, "srv__sample_tools")) {
      JsonNode request = stream.nextRequest("sampling/createMessage");
      assertThat(request.path("params").path("tools").path(0).path("name").asString("")).isEqualTo("get_weather");
      withTools.answer(request.get("id"), obj(ANSWER));
      assertThat(McpWire.toolText(stream.response(207))).isEqualTo("client answered: result " + ANSWER);
    }
  }

  @Test
  void anAnswerThatIsNotASamplingResultIsRefused() {
    McpWire wire = agent("{\"sampling\":{}}");
    try (McpWire.Stream stream = wire.callToolStreaming(208, "srv__sample_summary")) {
      JsonNode request = stream.nextRequest("sampling/createMessage");
      wire.answer(request.get("id"), obj("{\"action\":\"accept\"}"));
      assertThat(McpWire.toolText(stream.response(208))).isEqualTo(
          "client answered: error -32603 the agent's answer is not a sampling result (role, content, model)");
    }
  }
}
