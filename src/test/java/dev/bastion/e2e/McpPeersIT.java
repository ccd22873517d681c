package dev.bastion.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.audit.AuditKeys;
import dev.bastion.audit.AuditRecord;
import dev.bastion.audit.AuditStore;
import dev.bastion.audit.AuditStores;
import dev.bastion.audit.AuditVerifier;
import dev.bastion.audit.VerifyResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Bastion between the official MCP TypeScript SDK clients (v1: 2025-11-25 with sessions; v2:
 * 2026-07-28, stateless) and real npm servers (server-everything over stdio and Streamable HTTP,
 * server-filesystem over stdio). Each test runs a Node driver that prints JSON; the assertions are
 * on what the real client saw.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class McpPeersIT {
  static final String ADMIN_KEY = "e2e-admin-key-0123456789";
  static final String READER_KEY = "e2e-reader-key-0123456789";
  static final String AUDITED_KEY = "e2e-audited-key-0123456789";

  @TempDir static Path dir;
  static PeerGateway peers;

  @BeforeAll
  static void start() throws Exception {
    peers =
        PeerGateway.start(
            dir,
            """
            admin: { keys: ["%s"], roles: [admin] }
            reader: { keys: ["%s"], roles: [reader] }
            audited: { keys: ["%s"], roles: [reader] }
            """
                .formatted(PeerGateway.sha256(ADMIN_KEY), PeerGateway.sha256(READER_KEY), PeerGateway.sha256(AUDITED_KEY)),
            """
            default: deny
            rules:
              - id: admins-all
                effect: allow
                when: '"admin" in agent.roles'
              - id: readers-everything
                effect: allow
                when: '"reader" in agent.roles && tool.server == "everything"'
              - id: readers-no-secrets
                effect: deny
                when: '"reader" in agent.roles && tool.name == "echo" && string(args.message).contains("secret")'
            """);
  }

  @AfterAll
  static void stop() {
    if (peers != null) {
      peers.close();
    }
  }

  private static JsonNode run(String sdk, String key, String... scenarioArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("--url", peers.mcpUrl(), "--key", key));
    args.addAll(List.of(scenarioArgs));
    JsonNode out = NodePeers.driver("client-" + sdk + ".mjs", args.toArray(String[]::new));
    assertThat(out.path("connected").asBoolean()).as("%s connected: %s", sdk, out).isTrue();
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  @ParameterizedTest(name = "SDK {0}")
  @ValueSource(strings = {"v1", "v2"})
  @Order(1)
  void toolsResourcesPromptsAndProgressThroughBothSdkEras(String sdk) throws Exception {
    JsonNode out = run(sdk, ADMIN_KEY, "--scenario", "tour", "--files", peers.share.toString());

    if (sdk.equals("v2")) {
      assertThat(out.path("protocolVersion").asString()).isEqualTo("2026-07-28");
    }
    assertThat(strings(out.path("tools")))
        .contains("everything__echo", "everything__get-sum", "everything__trigger-long-running-operation", "files__list_directory", "files__read_text_file", "web__echo")
        .allSatisfy(name -> assertThat(name).matches("(everything|files|web)__.+"));
    assertThat(out.path("echo").asString()).isEqualTo("Echo: hello through bastion");
    assertThat(out.path("sum").asString()).contains("42");
    assertThat(strings(out.path("resources"))).anySatisfy(uri -> assertThat(uri).startsWith("demo://resource/static/document/"));
    assertThat(strings(out.path("templates"))).contains("demo://resource/dynamic/text/{resourceId}");
    assertThat(out.path("read").path("text").asString()).startsWith("# Everything Server");
    assertThat(strings(out.path("prompts"))).contains("everything__simple-prompt", "everything__args-prompt");
    assertThat(strings(out.path("prompt"))).containsExactly("What's weather in Lisbon, PT?");
    assertThat(out.path("progress").size()).as("progress notifications relayed: %s", out.path("progress")).isEqualTo(3);
    assertThat(out.path("progress").get(2).path("progress").asInt()).isEqualTo(3);
    assertThat(out.path("longRun").asString()).startsWith("Long running operation completed");
    assertThat(out.path("files").path("ok").asBoolean()).isTrue();
    assertThat(out.path("files").path("result").asString()).contains("notes.txt");
  }

  @ParameterizedTest(name = "SDK {0}")
  @ValueSource(strings = {"v1", "v2"})
  @Order(2)
  void aToolOnTheStreamableHttpUpstream(String sdk) throws Exception {
    JsonNode out = run(sdk, ADMIN_KEY, "--scenario", "call", "--tool", "web__get-sum", "--args", "{\"a\":40,\"b\":2}");
    assertThat(out.path("ok").asBoolean()).as("%s", out).isTrue();
    assertThat(out.path("text").asString()).isEqualTo("The sum of 40 and 2 is 42.");
  }

  @org.junit.jupiter.api.Test
  @Order(2)
  void anSdkV1ClientAnswersAnElicitationTheEverythingServerSendsDuringACall() throws Exception {
    JsonNode out = run("v1", ADMIN_KEY, "--scenario", "elicit");
    assertThat(out.path("elicit").path("ok").asBoolean()).as("%s", out).isTrue();
    assertThat(out.path("elicit").path("result").asString()).contains("User provided the requested information").contains("Ada Lovelace");
  }

  @org.junit.jupiter.api.Test
  @Order(2)
  void anSdkV1ClientAnswersASamplingRequestTheEverythingServerSendsAndAHostilePromptIsBlocked() throws Exception {
    JsonNode out = run("v1", ADMIN_KEY, "--scenario", "sample");
    assertThat(out.path("sample").path("ok").asBoolean()).as("%s", out).isTrue();
    assertThat(out.path("sample").path("result").asString()).contains("LLM sampling result").contains("Bastion relayed this answer.")
        .contains("e2e-model");
    // the server got Bastion's refusal instead of an answer; the client's model was never asked
    assertThat(out.path("hostile").toString()).as("%s", out).contains("blocked by the gateway's firewall").contains("instruction_override")
        .doesNotContain("Bastion relayed this answer.");
  }

  @org.junit.jupiter.api.Test
  @Order(2)
  void anSdkV1ClientGetsAnAllowlistedUrlElicitationAndNotTheMetadataAddress() throws Exception {
    JsonNode out = run("v1", ADMIN_KEY, "--scenario", "urlelicit");
    assertThat(out.path("allowed").path("ok").asBoolean()).as("%s", out).isTrue();
    assertThat(out.path("allowed").path("result").asString()).contains("User completed the URL elicitation flow").contains("e2e-allowed");
    assertThat(out.path("metadata").toString()).as("%s", out).contains("blocked by the gateway's firewall").contains("host_not_allowed")
        .doesNotContain("User completed");
  }

  @ParameterizedTest(name = "SDK {0}")
  @ValueSource(strings = {"v1", "v2"})
  @Order(3)
  void cancellingACallStopsItAndTheConnectionKeepsWorking(String sdk) throws Exception {
    JsonNode out = run(sdk, ADMIN_KEY, "--scenario", "cancel");
    assertThat(out.path("progressBeforeCancel").asInt()).as("%s", out).isGreaterThanOrEqualTo(1);
    assertThat(out.path("cancelled").path("ok").asBoolean()).isFalse();
    assertThat(out.path("cancelled").path("error").path("message").asString()).contains("e2e cancels");
    assertThat(out.path("after").path("ok").asBoolean()).isTrue();
    assertThat(out.path("after").path("result").asString()).isEqualTo("Echo: after cancel");
  }

  @ParameterizedTest(name = "SDK {0}")
  @ValueSource(strings = {"v1", "v2"})
  @Order(4)
  void twoAgentsWithDifferentRolesSeeDifferentToolsAndGetRuleIds(String sdk) throws Exception {
    JsonNode admin = run(sdk, ADMIN_KEY, "--scenario", "call", "--tool", "files__list_allowed_directories");
    JsonNode reader = run(sdk, READER_KEY, "--scenario", "call", "--tool", "files__list_allowed_directories");

    assertThat(strings(admin.path("tools"))).contains("everything__echo", "files__write_file", "web__echo");
    assertThat(strings(reader.path("tools")))
        .contains("everything__echo", "everything__get-sum")
        .noneMatch(t -> t.startsWith("files__") || t.startsWith("web__"));
    assertThat(admin.path("ok").asBoolean()).as("%s", admin).isTrue();
    assertThat(admin.path("text").asString()).contains(peers.share.toString());
    assertThat(reader.path("ok").asBoolean()).as("reader must not reach files: %s", reader).isFalse();

    JsonNode denied = run(sdk, READER_KEY, "--scenario", "call", "--tool", "everything__echo", "--args", "{\"message\":\"top secret\"}");
    assertThat(denied.path("ok").asBoolean()).as("%s", denied).isFalse();
    JsonNode error = denied.path("error");
    assertThat(error.path("code").asInt()).as("%s", error).isEqualTo(-32003);
    assertThat(strings(error.path("data").path("rules"))).containsExactly("readers-no-secrets");
    assertThat(error.path("data").path("reason").asString()).isEqualTo("policy_denied");

    JsonNode allowed = run(sdk, READER_KEY, "--scenario", "call", "--tool", "everything__echo", "--args", "{\"message\":\"benign\"}");
    assertThat(allowed.path("ok").asBoolean()).as("%s", allowed).isTrue();
    assertThat(allowed.path("text").asString()).isEqualTo("Echo: benign");
  }

  @ParameterizedTest(name = "SDK {0}")
  @ValueSource(strings = {"v1", "v2"})
  @Order(5)
  void anUpstreamCrashMidCallFailsThatCallAndTheSupervisorBringsItBack(String sdk) throws Exception {
    ProcessHandle before = peers.stdioEverything().orElseThrow(() -> new AssertionError("stdio server-everything is not running"));
    CountDownLatch inFlight = new CountDownLatch(1);
    Thread killer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    if (inFlight.await(120, TimeUnit.SECONDS)) {
                      before.destroyForcibly();
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    JsonNode out =
        NodePeers.driver(
            "client-" + sdk + ".mjs",
            line -> {
              if (line.contains("IN_FLIGHT")) {
                inFlight.countDown();
              }
            },
            "--url", peers.mcpUrl(), "--key", ADMIN_KEY, "--scenario", "crash",
            "--long", "everything__trigger-long-running-operation", "--tool", "everything__echo", "--args", "{\"message\":\"back\"}");
    killer.join();

    assertThat(inFlight.getCount()).as("the long call reported progress before the kill").isZero();
    assertThat(out.path("crashed").path("ok").asBoolean()).as("the in-flight call fails: %s", out).isFalse();
    assertThat(out.path("crashed").path("error").path("code").asInt()).as("%s", out).isEqualTo(-32005);
    assertThat(out.path("recovered").asString()).as("a later call succeeds after the restart: %s", out).isEqualTo("Echo: back");
    ProcessHandle after = peers.stdioEverything().orElseThrow(() -> new AssertionError("no restarted stdio server-everything"));
    assertThat(after.pid()).isNotEqualTo(before.pid());
  }

  /** The official SDK client's session leaves exactly the expected audit records, chained and signed. */
  @org.junit.jupiter.api.Test
  @Order(99)
  void anSdkSessionProducesExactlyTheExpectedAuditRecords() throws Exception {
    JsonNode allowed = run("v1", AUDITED_KEY, "--scenario", "call", "--tool", "everything__echo", "--args", "{\"message\":\"audited hello\"}");
    assertThat(allowed.path("text").asString()).contains("audited hello");
    JsonNode denied = run("v1", AUDITED_KEY, "--scenario", "call", "--tool", "everything__echo", "--args", "{\"message\":\"top secret plan\"}");
    assertThat(denied.path("ok").asBoolean()).isFalse();

    Path data = dir.resolve("data");
    try (AuditStore store = AuditStores.openReadOnly(null, data)) {
      assertThat(AuditVerifier.verify(store, AuditKeys.loadOrCreate(data).publicKey())).isInstanceOf(VerifyResult.Verified.class);
      List<AuditRecord> mine = new ArrayList<>();
      for (long from = 1; ; ) {
        List<AuditRecord> batch = store.read(from, 1000);
        if (batch.isEmpty()) {
          break;
        }
        batch.stream().filter(r -> "audited".equals(r.agent())).forEach(mine::add);
        from = batch.getLast().seq() + 1;
      }
      // two SDK v1 sessions: handshake, listing, one call each
      assertThat(mine).extracting(AuditRecord::method)
          .containsExactly(
              "initialize", "notifications/initialized", "tools/list", "tools/call",
              "initialize", "notifications/initialized", "tools/list", "tools/call");
      assertThat(mine).allSatisfy(r -> assertThat(r.era()).isEqualTo("legacy"));
      AuditRecord ok = mine.get(3);
      assertThat(ok.effect()).isEqualTo(AuditRecord.Effect.ALLOW);
      assertThat(ok.server()).isEqualTo("everything");
      assertThat(ok.target()).isEqualTo("everything__echo");
      assertThat(ok.ruleIds()).containsExactly("readers-everything");
      assertThat(ok.args()).contains("audited hello");
      assertThat(ok.argsDigest()).isNotBlank();
      assertThat(ok.resultDigest()).isNotBlank();
      assertThat(ok.upstreamLatencyMs()).isNotNull();
      assertThat(ok.session()).isNotBlank();
      AuditRecord no = mine.get(7);
      assertThat(no.effect()).isEqualTo(AuditRecord.Effect.DENY);
      assertThat(no.ruleIds()).contains("readers-no-secrets");
      assertThat(no.reason()).isEqualTo("policy_denied");
      assertThat(no.upstreamLatencyMs()).as("a denied call never reached the tool").isNull();
      assertThat(no.session()).isNotEqualTo(ok.session());
    }
  }
}
