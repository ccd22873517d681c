package dev.bastion.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.Gateway;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent-facing endpoint's protocol rules that the official conformance suite and the SDK
 * clients exposed, each with a benign twin: header/body version checks and their order, the
 * supported list of -32022, methods removed in 2026-07-28, and cancellation in both eras (no
 * response to a cancelled request; a 2026-07-28 agent closing its stream cancels upstream).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one gateway and upstream process for all cases
class McpEndpointProtocolTest {
  private static final String KEY = "protocol-test-key";
  private static final String V2026 = "2026-07-28";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path dir;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private int nextId = 1;

  @BeforeAll
  void start() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    String yaml =
        """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        upstreams:
          fake: { command: ["%s", "-cp", "%s", "%s"], timeout: 60s }
        agents:
          tester: { keys: ["sha256:%s"], roles: [tester] }
        policy:
          default: deny
          rules:
            - { id: testers, effect: allow, when: '"tester" in agent.roles' }
        """
            .formatted(
                java,
                System.getProperty("java.class.path"),
                CancellableStdioServer.class.getName(),
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8))));
    ConfigResult loaded = ConfigLoader.parse(yaml, dir, System::getenv);
    assertThat(loaded).isInstanceOf(ConfigResult.Ok.class);
    gateway = Gateway.start(((ConfigResult.Ok) loaded).config());
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  // ------------------------------------------------------------------ versions and headers

  @Test
  void aHeaderThatDisagreesWithTheBodyIsAMismatchEvenForAnUnknownVersion() throws Exception {
    HttpResponse<String> r = post(V2026, "server/discover", null, request("server/discover", envelope("v999.0.0")));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("error").path("code").asInt()).isEqualTo(-32020);

    // benign twin: header and body agree
    HttpResponse<String> ok = post(V2026, "server/discover", null, request("server/discover", envelope(V2026)));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(json(ok).path("result").path("supportedVersions").get(0).asString()).isEqualTo(V2026);
  }

  @Test
  void anUnsupportedVersionListsExactlyWhatServerDiscoverLists() throws Exception {
    JsonNode discovered = json(post(V2026, "server/discover", null, request("server/discover", envelope(V2026)))).path("result").path("supportedVersions");

    HttpResponse<String> r = post("2099-01-01", "server/discover", null, request("server/discover", envelope("2099-01-01")));
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = json(r).path("error");
    assertThat(error.path("code").asInt()).isEqualTo(-32022);
    assertThat(error.path("data").path("supported")).isEqualTo(discovered);
    assertThat(error.path("data").path("requested").asString()).isEqualTo("2099-01-01");
  }

  @ParameterizedTest
  @ValueSource(strings = {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"})
  void methodsRemovedIn20260728Are404MethodNotFound(String method) throws Exception {
    ObjectNode body = request(method, envelope(V2026));
    HttpResponse<String> r = post(V2026, method, null, body);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(json(r).path("error").path("code").asInt()).isEqualTo(-32601);
    assertThat(json(r).path("id").asInt()).isEqualTo(body.path("id").asInt());
  }

  @Test
  void initializeWithTheStatelessHeaderIs404ButALegacyInitializeStillWorks() throws Exception {
    ObjectNode init = legacyInitialize();
    HttpResponse<String> modern = post(V2026, "initialize", null, init);
    assertThat(modern.statusCode()).isEqualTo(404);
    assertThat(json(modern).path("error").path("code").asInt()).isEqualTo(-32601);

    HttpResponse<String> legacy = post(null, null, null, legacyInitialize());
    assertThat(legacy.statusCode()).isEqualTo(200);
    assertThat(json(legacy).path("result").path("protocolVersion").asString()).isEqualTo("2025-11-25");
    assertThat(legacy.headers().firstValue("Mcp-Session-Id")).isPresent();
  }

  // ------------------------------------------------------------------ cancellation

  @Test
  void aLegacyRequestCancelledByTheAgentGetsNoResponseAndTheUpstreamIsTold() throws Exception {
    String session = post(null, null, null, legacyInitialize()).headers().firstValue("Mcp-Session-Id").orElseThrow();
    postInSession(session, notification("notifications/initialized"));
    int before = cancellationsSeenUpstream(session);

    ObjectNode call = request("tools/call", null);
    ((ObjectNode) call.get("params")).put("name", "fake__hang");
    CompletableFuture<HttpResponse<String>> pending = http.sendAsync(legacyRequest(session, call), HttpResponse.BodyHandlers.ofString());

    // the cancel can only cancel what the gateway already tracks: retry it until the call ends
    ObjectNode cancel = notification("notifications/cancelled");
    ((ObjectNode) cancel.get("params")).set("requestId", call.get("id"));
    ((ObjectNode) cancel.get("params")).put("reason", "test cancels");
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      assertThat(postInSession(session, cancel).statusCode()).isEqualTo(202);
      return pending.isDone();
    });
    HttpResponse<String> cancelled = pending.get(10, TimeUnit.SECONDS);
    assertThat(cancelled.statusCode()).isIn(200, 202);
    assertThat(cancelled.body()).as("no JSON-RPC response for a cancelled request").doesNotContain("\"jsonrpc\"");
    assertThat(cancellationsSeenUpstream(session)).isEqualTo(before + 1);

    // benign twin: an uncancelled call in the same session is answered
    ObjectNode echo = request("tools/call", null);
    ((ObjectNode) echo.get("params")).put("name", "fake__echo");
    HttpResponse<String> answered = postInSession(session, echo);
    assertThat(json(answered).path("result").path("content").get(0).path("text").asString()).isEqualTo("echo");
  }

  @Test
  void aStatelessAgentClosingItsStreamCancelsTheUpstreamCall() throws Exception {
    // benign twin first: a call that completes is not cancelled upstream
    int before = statelessCancellations();
    assertThat(statelessCall("fake__echo").path("result").path("content").get(0).path("text").asString()).isEqualTo("echo");
    assertThat(statelessCancellations()).isEqualTo(before);

    ObjectNode call = request("tools/call", envelope(V2026));
    ObjectNode params = (ObjectNode) call.get("params");
    params.put("name", "fake__hang_after_progress");
    ((ObjectNode) params.get("_meta")).put("progressToken", "hang-up");
    HttpResponse<InputStream> streaming = http.send(statelessRequest("fake__hang_after_progress", call), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(streaming.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    try (InputStream body = streaming.body()) {
      BufferedReader events = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
      String line;
      while ((line = events.readLine()) != null && !line.contains("notifications/progress")) {
        // read up to the first progress event
      }
      assertThat(line).as("a progress event arrived before hanging up").isNotNull();
    } // closing the body hangs up

    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> statelessCancellations() == before + 1);
  }

  // ------------------------------------------------------------------ helpers

  private int cancellationsSeenUpstream(String session) throws Exception {
    ObjectNode call = request("tools/call", null);
    ((ObjectNode) call.get("params")).put("name", "fake__cancellations");
    return Integer.parseInt(json(postInSession(session, call)).path("result").path("content").get(0).path("text").asString());
  }

  private int statelessCancellations() throws Exception {
    return Integer.parseInt(statelessCall("fake__cancellations").path("result").path("content").get(0).path("text").asString());
  }

  private JsonNode statelessCall(String tool) throws Exception {
    ObjectNode call = request("tools/call", envelope(V2026));
    ((ObjectNode) call.get("params")).put("name", tool);
    return json(http.send(statelessRequest(tool, call), HttpResponse.BodyHandlers.ofString()));
  }

  private HttpRequest statelessRequest(String tool, ObjectNode body) {
    return base()
        .header("MCP-Protocol-Version", V2026)
        .header("Mcp-Method", "tools/call")
        .header("Mcp-Name", tool)
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  private HttpRequest legacyRequest(String session, ObjectNode body) {
    return base()
        .header("Mcp-Session-Id", session)
        .header("MCP-Protocol-Version", "2025-11-25")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  private HttpResponse<String> postInSession(String session, ObjectNode body) throws Exception {
    return http.send(legacyRequest(session, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String version, String method, String name, ObjectNode body) throws Exception {
    HttpRequest.Builder b = base();
    if (version != null) {
      b.header("MCP-Protocol-Version", version);
    }
    if (method != null) {
      b.header("Mcp-Method", method);
    }
    if (name != null) {
      b.header("Mcp-Name", name);
    }
    return http.send(b.POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder base() {
    return HttpRequest.newBuilder(URI.create(gateway.mcpUrl()))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + KEY)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream");
  }

  private ObjectNode request(String method, ObjectNode meta) {
    ObjectNode r = JSON.createObjectNode();
    r.put("jsonrpc", "2.0");
    r.put("id", nextId++);
    r.put("method", method);
    ObjectNode params = r.putObject("params");
    if (meta != null) {
      params.set("_meta", meta);
    }
    return r;
  }

  private ObjectNode notification(String method) {
    ObjectNode r = JSON.createObjectNode();
    r.put("jsonrpc", "2.0");
    r.put("method", method);
    r.putObject("params");
    return r;
  }

  private ObjectNode legacyInitialize() {
    ObjectNode init = request("initialize", null);
    ObjectNode params = (ObjectNode) init.get("params");
    params.put("protocolVersion", "2025-11-25");
    params.putObject("capabilities");
    params.putObject("clientInfo").put("name", "protocol-test").put("version", "1");
    return init;
  }

  private static ObjectNode envelope(String version) {
    ObjectNode meta = JSON.createObjectNode();
    meta.put(ProtocolVersions.META_PROTOCOL_VERSION, version);
    meta.putObject(ProtocolVersions.META_CLIENT_CAPABILITIES);
    meta.putObject(ProtocolVersions.META_CLIENT_INFO).put("name", "protocol-test").put("version", "1");
    return meta;
  }

  private static JsonNode json(HttpResponse<String> r) {
    String body = r.body();
    if (body.startsWith("event:") || body.startsWith(":")) {
      List<String> data = new ArrayList<>();
      body.lines().filter(l -> l.startsWith("data: ")).forEach(l -> data.add(l.substring(6)));
      body = data.isEmpty() ? "{}" : data.getLast();
    }
    return JSON.readTree(body);
  }
}
