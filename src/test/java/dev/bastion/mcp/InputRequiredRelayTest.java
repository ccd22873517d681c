package dev.bastion.mcp;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.audit.AuditRecord;
import dev.bastion.audit.AuditStore;
import dev.bastion.audit.AuditStores;
import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import dev.bastion.testing.MrtrHttpUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The 2026-07-28 era's way for a server to ask (multi round-trip requests, MCP draft
 * basic/utilities/mrtr): a stateless agent calls a stateless upstream through the gateway; the
 * upstream is told, per call, what the agent declared (elicitation, sampling) and answers with an
 * {@code input_required} result; the agent retries with {@code inputResponses} and the echoed
 * {@code requestState}, and the upstream completes. Attacks and benign twins: a question the agent
 * did not declare it can take, a URL to the metadata address and a prompt that hijacks the agent's
 * model are blocked on their way to the agent; a secret in the agent's answers is blocked on its way
 * to the upstream; answers that are not result objects are refused.
 */
class InputRequiredRelayTest {
  static final String KEY = "mrtr-key";
  static final MrtrHttpUpstream UP = start();

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .http("mrtr", UP.url(), Map.of())
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .yaml("firewall: { elicitation_url_hosts: [login.example.com] }")
          .build();

  private static MrtrHttpUpstream start() {
    try {
      return new MrtrHttpUpstream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopUpstream() {
    UP.close();
  }

  /** A 2026-07-28 tools/call declaring {@code capabilities}, with extra params (a retry's answers). */
  private static McpWire.Reply call(String tool, String capabilities, String extra) {
    return GW.wire(KEY).stateless("tools/call", obj("{\"name\":\"mrtr__" + tool + "\",\"arguments\":{}" + extra
        + ",\"_meta\":{\"io.modelcontextprotocol/clientCapabilities\":" + capabilities + "}}"));
  }

  private static JsonNode lastCallTo(String tool) {
    return UP.calls().reversed().stream().filter(c -> c.path("name").asString("").equals(tool)).findFirst().orElseThrow();
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
  void aFormQuestionGoesToTheAgentAndItsRetryCompletesTheCall() {
    McpWire.Reply asked = call("book", "{\"elicitation\":{},\"roots\":{}}", "");
    JsonNode result = asked.result();
    assertThat(result.path("resultType").asString("")).as(asked.body()).isEqualTo("input_required");
    assertThat(result.path("inputRequests").path("pick").path("params").path("message").asString("")).isEqualTo("Choose a colour for the chart.");
    assertThat(result.path("requestState").asString("")).isEqualTo("rs-book");
    // the upstream was told what the agent declared that the gateway passes on (not roots)
    assertThat(lastCallTo("book").path("_meta").path("io.modelcontextprotocol/clientCapabilities").toString())
        .isEqualTo("{\"elicitation\":{\"form\":{}}}");

    McpWire.Reply done = call("book", "{\"elicitation\":{}}",
        ",\"inputResponses\":{\"pick\":{\"action\":\"accept\",\"content\":{\"colour\":\"green\"}}},\"requestState\":\"rs-book\"");
    assertThat(done.result().path("content").path(0).path("text").asString("")).as(done.body())
        .isEqualTo("answers={\"pick\":{\"action\":\"accept\",\"content\":{\"colour\":\"green\"}}} state=rs-book");
  }

  @Test
  void aQuestionTheAgentDidNotDeclareItCanTakeIsBlocked() {
    McpWire.Reply asked = call("book", "{\"sampling\":{}}", "");
    assertThat(asked.body()).contains("response_blocked").contains("the tool asked for input the agent did not declare: pick (elicitation)");
    assertThat(lastCallTo("book").path("_meta").path("io.modelcontextprotocol/clientCapabilities").toString()).isEqualTo("{\"sampling\":{}}");
    McpWire.Reply url = call("login", "{\"elicitation\":{}}", "");
    assertThat(url.body()).contains("response_blocked").contains("signin (elicitation.url)");
  }

  @Test
  void aUrlQuestionToAnAllowlistedHostPassesAndTheMetadataAddressDoesNot() {
    McpWire.Reply login = call("login", "{\"elicitation\":{\"url\":{}}}", "");
    assertThat(login.result().path("inputRequests").path("signin").path("params").path("url").asString(""))
        .as(login.body()).isEqualTo("https://login.example.com/authorize");
    McpWire.Reply metadata = call("metadata", "{\"elicitation\":{\"url\":{}}}", "");
    assertThat(metadata.body()).contains("response_blocked").contains("host_not_allowed");
    AuditRecord r = awaitRecord(x -> x.method().equals("tools/call") && x.target().equals("mrtr__metadata"));
    assertThat(r.findings()).anySatisfy(f -> {
      assertThat(f.detector()).isEqualTo("host_not_allowed");
      assertThat(f.location()).isEqualTo("/result/inputRequests/signin/params/url");
    });
  }

  @Test
  void aSamplingQuestionReachesAnAgentThatDeclaredSamplingAndAHijackingPromptDoesNot() {
    McpWire.Reply summarise = call("summarise", "{\"sampling\":{}}", "");
    assertThat(summarise.result().path("inputRequests").path("sum").path("method").asString("")).as(summarise.body())
        .isEqualTo("sampling/createMessage");
    McpWire.Reply hijack = call("hijack", "{\"sampling\":{}}", "");
    assertThat(hijack.body()).contains("response_blocked").contains("instruction_override");
    McpWire.Reply done = call("summarise", "{\"sampling\":{}}", ",\"inputResponses\":{\"sum\":{\"role\":\"assistant\","
        + "\"content\":{\"type\":\"text\",\"text\":\"Two sentences.\"},\"model\":\"m\"}},\"requestState\":\"rs-summarise\"");
    assertThat(done.result().path("content").path(0).path("text").asString("")).as(done.body()).contains("Two sentences.").endsWith("state=rs-summarise");
  }

  @Test
  void aSecretInTheAgentsAnswersIsBlockedBeforeTheUpstreamSeesIt() {
    String token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB";
    McpWire.Reply leaked = call("summarise", "{\"sampling\":{}}", ",\"inputResponses\":{\"sum\":{\"role\":\"assistant\","
        + "\"content\":{\"type\":\"text\",\"text\":\"Here: " + token + "\"},\"model\":\"m\"}},\"requestState\":\"rs-summarise\"");
    assertThat(leaked.body()).contains("request_blocked").contains("/inputResponses/sum/content/text");
    assertThat(UP.calls()).noneMatch(c -> c.toString().contains(token));
    AuditRecord r = awaitRecord(x -> x.method().equals("tools/call") && x.target().equals("mrtr__summarise") && "request_blocked".equals(x.reason()));
    assertThat(r.args()).doesNotContain(token);
  }

  @Test
  void answersThatAreNotResultObjectsAreRefused() {
    McpWire.Reply bad = call("book", "{\"elicitation\":{}}", ",\"inputResponses\":{\"pick\":\"green\"},\"requestState\":\"rs-book\"");
    assertThat(bad.body()).contains("invalid_params").contains("inputResponses must map each key");
  }
}
