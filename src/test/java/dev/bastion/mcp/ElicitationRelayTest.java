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
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Legacy-era elicitation relay through a real gateway and a stdio server: an agent that declared
 * {@code capabilities.elicitation} gets the server's {@code elicitation/create} on its call's SSE
 * stream under a gateway id, answers it with a POST, and the server's tool result carries the
 * answer. Attack and benign twins: a credential request is still blocked; an agent that declared
 * nothing is refused as before; a typed secret in the answer is blocked on its way to the server;
 * an answer for an unknown id, or from another session, answers nothing and is audited.
 */
class ElicitationRelayTest {
  static final String KEY = "relay-key";
  static final String BOB_KEY = "relay-bob-key";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .stdio("srv", ElicitingServer.class, "20s")
          .agent("alice", KEY, "reader")
          .agent("bob", BOB_KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .build();

  private static McpWire eliciting(String key) {
    McpWire wire = GW.wire(key);
    wire.initialize(obj("{\"elicitation\":{}}"));
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
  void aBenignElicitationIsRelayedToTheAgentAndItsAnswerReachesTheServer() {
    McpWire wire = eliciting(KEY);
    try (McpWire.Stream stream = wire.callToolStreaming(101, "srv__ask_colour")) {
      JsonNode request = stream.nextRequest("elicitation/create");
      // the gateway's own id, never the server's ("srv-<n>")
      assertThat(request.get("id").asString("")).startsWith("bastion-");
      assertThat(request.path("params").path("message").asString("")).isEqualTo("Choose a colour for the chart.");
      McpWire.Reply ack = wire.answer(request.get("id"), obj("{\"action\":\"accept\",\"content\":{\"colour\":\"green\"}}"));
      assertThat(ack.status()).isEqualTo(202);
      assertThat(McpWire.toolText(stream.response(101))).isEqualTo("client answered: result {\"action\":\"accept\",\"content\":{\"colour\":\"green\"}}");
    }
    AuditRecord r = awaitRecord(x -> x.era().equals("upstream") && x.method().equals("elicitation/create") && x.target().equals("tools/call"));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.ALLOW);
    assertThat(r.findings()).isEmpty();
  }

  @Test
  void aCredentialRequestIsStillBlockedAndNeverReachesTheAgent() {
    McpWire wire = eliciting(KEY);
    try (McpWire.Stream stream = wire.callToolStreaming(102, "srv__ask_password")) {
      JsonNode response = stream.next(n -> n.has("id") && (n.has("result") || n.has("error")));
      assertThat(response.get("id").asLong()).isEqualTo(102);
      assertThat(McpWire.toolText(response)).startsWith("client answered: error -32003 ");
    }
  }

  @Test
  void anAgentThatDidNotDeclareElicitationIsNotAskedAndTheServerIsRefused() {
    McpWire wire = GW.wire(KEY);
    wire.initialize();
    try (McpWire.Stream stream = wire.callToolStreaming(103, "srv__ask_colour")) {
      JsonNode response = stream.next(n -> n.has("id") && (n.has("result") || n.has("error")));
      assertThat(response.get("id").asLong()).isEqualTo(103);
      assertThat(McpWire.toolText(response)).startsWith("client answered: error -32601 ");
    }
  }

  @Test
  void aSecretTheUserTypedIsBlockedOnItsWayToTheServerAndADeclineIsNot() {
    McpWire wire = eliciting(KEY);
    try (McpWire.Stream stream = wire.callToolStreaming(104, "srv__ask_email")) {
      JsonNode request = stream.nextRequest("elicitation/create");
      wire.answer(request.get("id"), obj("{\"action\":\"accept\",\"content\":{\"email\":\"token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB\"}}"));
      assertThat(McpWire.toolText(stream.response(104))).startsWith("client answered: error -32003 ");
    }
    AuditRecord r = awaitRecord(x -> x.era().equals("upstream") && x.method().equals("elicitation/create") && "request_blocked".equals(x.reason())
        && x.findings().stream().anyMatch(f -> f.location().startsWith("/result/content")));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.DENY);
    assertThat(r.findings()).extracting(Finding::category).contains("secret");
    assertThat(r.args()).doesNotContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789AB");
    try (McpWire.Stream stream = wire.callToolStreaming(105, "srv__ask_email")) {
      JsonNode request = stream.nextRequest("elicitation/create");
      wire.answer(request.get("id"), obj("{\"action\":\"decline\"}"));
      assertThat(McpWire.toolText(stream.response(105))).isEqualTo("client answered: result {\"action\":\"decline\"}");
    }
  }

  @Test
  void anAnswerFromAnotherSessionOrForAnUnknownIdAnswersNothingAndIsAudited() {
    McpWire alice = eliciting(KEY);
    McpWire bob = eliciting(BOB_KEY);
    McpWire aliceOther = eliciting(KEY);
    try (McpWire.Stream stream = alice.callToolStreaming(106, "srv__ask_colour")) {
      JsonNode request = stream.nextRequest("elicitation/create");
      // another agent's session, and another session of the same agent, cannot answer it
      assertThat(bob.answer(request.get("id"), obj("{\"action\":\"accept\",\"content\":{\"colour\":\"red\"}}")).status()).isEqualTo(202);
      assertThat(aliceOther.answer(request.get("id"), obj("{\"action\":\"accept\",\"content\":{\"colour\":\"red\"}}")).status()).isEqualTo(202);
      // an id that was never sent
      assertThat(alice.answer(McpWire.JSON.getNodeFactory().stringNode("bastion-999999"), obj("{\"action\":\"cancel\"}")).status()).isEqualTo(202);
      // the owner's answer is the one the server gets
      assertThat(alice.answer(request.get("id"), obj("{\"action\":\"accept\",\"content\":{\"colour\":\"blue\"}}")).status()).isEqualTo(202);
      assertThat(McpWire.toolText(stream.response(106))).isEqualTo("client answered: result {\"action\":\"accept\",\"content\":{\"colour\":\"blue\"}}");
      // a duplicate of the answer is dropped too
      assertThat(alice.answer(request.get("id"), obj("{\"action\":\"accept\",\"content\":{\"colour\":\"red\"}}")).status()).isEqualTo(202);
    }
    AuditRecord stray = awaitRecord(x -> x.server().equals("agent:bob") && x.method().equals("bastion/dropped"));
    assertThat(stray.effect()).isEqualTo(AuditRecord.Effect.DENY);
    assertThat(stray.args()).contains("unknown_id");
    awaitRecord(x -> x.server().equals("agent:alice") && x.method().equals("bastion/dropped") && x.args().contains("bastion-999999"));
  }

  @Test
  void anAnswerWithoutAValidSessionIsRefused() {
    McpWire wire = GW.wire(KEY).withSession("no-such-session");
    assertThat(wire.answer(McpWire.JSON.getNodeFactory().stringNode("bastion-1"), obj("{\"action\":\"cancel\"}")).status()).isEqualTo(404);
  }
}
