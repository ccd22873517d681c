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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * URL-mode elicitation (2025-11-25) relayed through a real gateway and a stdio server, with {@code
 * firewall.elicitation_url_hosts: [login.example.com]}: an agent that declared {@code
 * elicitation.url} gets an allowlisted https URL on its call's stream, its accept goes back (only the
 * action), and the server's {@code notifications/elicitation/complete} reaches that agent's GET
 * stream. Attacks and benign twins: the metadata address, a loopback address, a look-alike host, a
 * plain-http page and a token in the query are refused before the agent is asked; an agent that
 * declared only form elicitation is not asked and the server learns why; an answer carrying content
 * is refused.
 */
class UrlElicitationRelayTest {
  static final String KEY = "url-relay-key";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .stdio("srv", ElicitingServer.class, "20s")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .yaml("firewall: { elicitation_url_hosts: [login.example.com] }")
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

  @Test
  void anAllowlistedHttpsUrlIsRelayedOnlyTheActionGoesBackAndTheCompletionReachesTheAgent() {
    McpWire wire = agent("{\"elicitation\":{\"url\":{}}}");
    try (McpWire.Stream events = wire.openStream(); McpWire.Stream stream = wire.callToolStreaming(301, "srv__url_login")) {
      JsonNode request = stream.nextRequest("elicitation/create");
      assertThat(request.get("id").asString("")).startsWith("bastion-");
      assertThat(request.path("params").path("mode").asString("")).isEqualTo("url");
      assertThat(request.path("params").path("url").asString("")).isEqualTo("https://login.example.com/authorize?state=xyz");
      assertThat(request.path("params").path("elicitationId").asString("")).isEqualTo("login-1");
      assertThat(wire.answer(request.get("id"), obj("{\"action\":\"accept\"}")).status()).isEqualTo(202);
      assertThat(McpWire.toolText(stream.response(301))).isEqualTo("client answered: result {\"action\":\"accept\"}");
      JsonNode complete = events.next(n -> "notifications/elicitation/complete".equals(n.path("method").asString("")));
      assertThat(complete.path("params").path("elicitationId").asString("")).isEqualTo("login-1");
    }
    AuditRecord r = awaitRecord(x -> x.era().equals("upstream") && x.method().equals("elicitation/create")
        && x.effect() == AuditRecord.Effect.ALLOW && x.args().contains("login.example.com"));
    assertThat(r.findings()).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      url_metadata   | host_not_allowed
      url_loopback   | host_not_allowed
      url_confusable | confusable_host
      url_http       | url_not_https
      url_secret     | github_token
      """)
  void aHostileUrlIsRefusedBeforeTheAgentIsAsked(String tool, String detector) {
    McpWire wire = agent("{\"elicitation\":{\"url\":{}}}");
    try (McpWire.Stream stream = wire.callToolStreaming(302, "srv__" + tool)) {
      JsonNode first = stream.nextRequestOrResponse();
      assertThat(first.has("method")).as("the agent was asked: %s", first).isFalse();
      assertThat(McpWire.toolText(first)).startsWith("client answered: error -32003 \"elicitation/create\" was blocked by the gateway's firewall: ")
          .contains(detector);
    }
    AuditRecord r = awaitRecord(x -> x.era().equals("upstream") && x.method().equals("elicitation/create") && "request_blocked".equals(x.reason())
        && x.findings().stream().anyMatch(f -> f.detector().equals(detector)));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.DENY);
    assertThat(r.args()).doesNotContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789AB");
    assertThat(r.findings()).extracting(Finding::direction).containsOnly("server_request");
  }

  @Test
  void anAgentThatDeclaredOnlyFormElicitationIsNotAskedAndTheServerLearnsWhy() {
    McpWire wire = agent("{\"elicitation\":{}}");
    try (McpWire.Stream stream = wire.callToolStreaming(303, "srv__url_login")) {
      assertThat(McpWire.toolText(stream.nextRequestOrResponse())).isEqualTo(
          "client answered: error -32601 \"elicitation/create\" cannot be relayed by the gateway: the agent did not declare the elicitation.url capability");
    }
  }

  @Test
  void anAnswerWithContentIsNotAUrlModeResult() {
    McpWire wire = agent("{\"elicitation\":{\"form\":{},\"url\":{}}}");
    try (McpWire.Stream stream = wire.callToolStreaming(304, "srv__url_login")) {
      JsonNode request = stream.nextRequest("elicitation/create");
      wire.answer(request.get("id"), obj("{\"action\":\"accept\",\"content\":{\"password\":\"hunter2\"}}"));
      assertThat(McpWire.toolText(stream.response(304))).isEqualTo(
          "client answered: error -32603 the agent's answer is not a URL-mode elicitation result (it carries no content)");
    }
  }
}
