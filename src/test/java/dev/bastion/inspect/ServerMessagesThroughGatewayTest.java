package dev.bastion.inspect;

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

/**
 * Messages an upstream sends on its own during a call, through a real gateway and a stdio server:
 * elicitations asking for credentials and sampling requests carrying injection are blocked (the
 * server gets -32003) and audited with their findings; their benign twins are refused as before
 * (-32601: no agent capability is relayed) and audited without findings; stray and duplicate
 * responses are dropped and audited; an input_required result asking for a password is blocked.
 * These calls are stateless (no session, so nothing is relayed); with one call in flight on the
 * stdio pipe the server's request is tied to it, so records name {@code tools/call} as the call.
 */
class ServerMessagesThroughGatewayTest {
  static final String KEY = "server-messages-key";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .stdio("srv", ElicitingServer.class, "20s")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .build();

  private static McpWire.Reply call(String tool) {
    return GW.wire(KEY).stateless("tools/call", obj("{\"name\":\"srv__" + tool + "\",\"arguments\":{}}"));
  }

  private static String text(McpWire.Reply r) {
    return r.result().path("content").path(0).path("text").asString("");
  }

  /** Waits for an audit record matching {@code match} (the default test audit is batch mode). */
  private static AuditRecord awaitRecord(Predicate<AuditRecord> match) {
    AtomicReference<AuditRecord> found = new AtomicReference<>();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      try (AuditStore store = AuditStores.openReadOnly(null, GW.dataDir())) {
        List<AuditRecord> all = store.read(1, 100_000);
        all.stream().filter(match).reduce((a, b) -> b).ifPresent(found::set);
      }
      return found.get() != null;
    });
    return found.get();
  }

  private static Predicate<AuditRecord> upstream(String method, String during) {
    return r -> r.era().equals("upstream") && r.server().equals("srv") && r.method().equals(method) && r.target().equals(during);
  }

  @Test
  void anElicitationAskingForAPasswordIsBlockedAndAudited() {
    assertThat(text(call("ask_password"))).startsWith("client answered: error -32003 ");
    AuditRecord r = awaitRecord(upstream("elicitation/create", "tools/call").and(x -> x.reason() != null && x.reason().equals("request_blocked")));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.DENY);
    assertThat(r.findings()).extracting(Finding::category, Finding::detector, Finding::direction, Finding::action)
        .contains(org.assertj.core.groups.Tuple.tuple("credential_request", "elicit_password", "server_request", "block"));
    assertThat(r.findings()).extracting(Finding::location).contains("/params/message");
  }

  @Test
  void aKeyRequestHiddenInASchemaPropertyIsBlocked() {
    assertThat(text(call("ask_api_key"))).startsWith("client answered: error -32003 ");
  }

  @Test
  void benignElicitationsAreRefusedAsUnsupportedNotBlocked() {
    assertThat(text(call("ask_colour"))).startsWith("client answered: error -32601 ");
    assertThat(text(call("ask_email"))).startsWith("client answered: error -32601 ");
    AuditRecord r = awaitRecord(upstream("elicitation/create", "tools/call").and(x -> "method_not_found".equals(x.reason())));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.DENY);
    assertThat(r.findings()).isEmpty();
  }

  @Test
  void samplingWithInjectionIsBlockedAndItsBenignTwinIsNot() {
    assertThat(text(call("sample_injection"))).startsWith("client answered: error -32003 ");
    assertThat(text(call("sample_summary"))).startsWith("client answered: error -32601 ");
    AuditRecord r = awaitRecord(upstream("sampling/createMessage", "tools/call").and(x -> "request_blocked".equals(x.reason())));
    assertThat(r.findings()).extracting(Finding::category).contains("injection");
    // the audit copy of the request went through the firewall's redaction
    assertThat(r.args()).contains("[REDACTED:").doesNotContainIgnoringCase("ignore all previous instructions");
  }

  @Test
  void rootsAreStillAnsweredWithNone() {
    assertThat(text(call("roots"))).isEqualTo("client answered: result {\"roots\":[]}");
    AuditRecord r = awaitRecord(upstream("roots/list", "tools/call"));
    assertThat(r.effect()).isEqualTo(AuditRecord.Effect.ALLOW);
  }

  @Test
  void strayAndDuplicateResponsesAreDroppedAndAudited() {
    McpWire.Reply r = call("stray");
    assertThat(text(r)).isEqualTo("answered once");
    AuditRecord stray = awaitRecord(upstream("bastion/dropped", "").and(x -> x.args().contains("987654321")));
    assertThat(stray.effect()).isEqualTo(AuditRecord.Effect.DENY);
    assertThat(stray.reason()).isEqualTo("upstream_protocol_error");
    assertThat(stray.args()).contains("unknown_id");
    // the duplicate of the call's own id arrives after the call completed
    awaitRecord(upstream("bastion/dropped", "").and(x -> x.args().contains("unknown_id") && !x.args().contains("987654321")));
  }

  /** A 2026-07-28 call from an agent that declared form elicitation in its envelope. */
  private static McpWire.Reply callDeclaringElicitation(String tool) {
    return GW.wire(KEY).stateless("tools/call", obj("{\"name\":\"srv__" + tool + "\",\"arguments\":{},"
        + "\"_meta\":{\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{}}}}"));
  }

  @Test
  void anInputRequiredResultAskingForAPasswordIsBlockedAndItsTwinPasses() {
    McpWire.Reply blocked = callDeclaringElicitation("input_password");
    assertThat(blocked.error()).as(blocked.body()).isNotNull();
    assertThat(blocked.body()).contains("response_blocked").contains("elicit_password");
    McpWire.Reply benign = callDeclaringElicitation("input_colour");
    assertThat(benign.message().has("result")).as(benign.body()).isTrue();
    // the same question to an agent that declared no elicitation: the server may not ask it
    McpWire.Reply undeclared = call("input_colour");
    assertThat(undeclared.body()).as(undeclared.body()).contains("response_blocked")
        .contains("the tool asked for input the agent did not declare: pick (elicitation)");
    AuditRecord r = awaitRecord(x -> x.method().equals("tools/call") && x.target().equals("srv__input_password"));
    assertThat(r.findings()).extracting(Finding::detector, Finding::location)
        .contains(org.assertj.core.groups.Tuple.tuple("elicit_password", "/result/inputRequests/login/params/message"));
  }
}
