package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.Gateway;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;

/**
 * A real gateway in this JVM on ephemeral ports, with two upstreams that report the trace context
 * they receive ({@code up}: stdio, {@code web}: HTTP), one agent, and a policy that allows
 * everything except the {@code forbidden} tool. Spans go to an in-memory exporter and access lines
 * to a list unless the test asks for the configured exporters.
 */
final class GatewayFixture implements AutoCloseable {
  static final String KEY = "telemetry-test-key-0123456789";
  static final String STATELESS = "2026-07-28";
  static final String LEGACY = "2025-11-25";

  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final List<String> accessLines = new CopyOnWriteArrayList<>();
  final TraceRecordingServer.Http web;
  final Gateway gateway;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private int nextId = 1;

  GatewayFixture(Path dir, String telemetryYaml, boolean configuredExporters) throws Exception {
    web = new TraceRecordingServer.Http();
    String java = ProcessHandle.current().info().command().orElse("java");
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8)));
    String yaml =
        """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        upstreams:
          up: { command: ['%s', '-cp', '%s', 'dev.bastion.telemetry.TraceRecordingServer'] }
          web: { url: '%s' }
        agents:
          tester: { keys: ["sha256:%s"], roles: [tester] }
        policy:
          default: deny
          rules:
            - { id: testers, effect: allow, when: "'tester' in agent.roles" }
            - { id: no-forbidden, effect: deny, when: "tool.name == 'forbidden'" }
        %s
        """
            .formatted(java, System.getProperty("java.class.path"), web.url(), digest, telemetryYaml);
    Path file = dir.resolve("bastion.yaml");
    Files.writeString(file, yaml);
    BastionConfig config =
        switch (ConfigLoader.load(file, name -> null)) {
          case ConfigResult.Ok ok -> ok.config();
          case ConfigResult.Invalid bad -> throw new AssertionError(bad.errors().stream().map(ConfigError::describe).toList());
        };
    gateway =
        configuredExporters
            ? Gateway.start(config)
            : Gateway.start(config, new Telemetry.Exporters(spans, null, accessLines::add, true));
  }

  /** A 2026-07-28 request; returns the parsed JSON-RPC response. */
  JsonNode stateless(String method, String name, String params, Map<String, String> headers) throws Exception {
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":" + (nextId++) + ",\"method\":\"" + method + "\",\"params\":" + withEnvelope(params) + "}";
    HttpRequest.Builder b = base().header("MCP-Protocol-Version", STATELESS).header("Mcp-Method", method);
    if (name != null) {
      b.header("Mcp-Name", name);
    }
    headers.forEach(b::header);
    return send(b, body);
  }

  private static String withEnvelope(String params) {
    String envelope = "\"io.modelcontextprotocol/protocolVersion\":\"" + STATELESS + "\",\"io.modelcontextprotocol/clientCapabilities\":{}";
    JsonNode p = TraceRecordingServer.JSON.readTree(params);
    var copy = (tools.jackson.databind.node.ObjectNode) p.deepCopy();
    var meta = copy.has("_meta") ? (tools.jackson.databind.node.ObjectNode) copy.get("_meta") : copy.putObject("_meta");
    var extra = (tools.jackson.databind.node.ObjectNode) TraceRecordingServer.JSON.readTree("{" + envelope + "}");
    meta.setAll(extra);
    return copy.toString();
  }

  /** Opens a legacy session (initialize + initialized); returns its id. */
  String legacySession() throws Exception {
    HttpRequest.Builder b = base();
    String init =
        "{\"jsonrpc\":\"2.0\",\"id\":" + (nextId++) + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + LEGACY
            + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    HttpResponse<String> r = http.send(b.POST(HttpRequest.BodyPublishers.ofString(init)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String session = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
    HttpResponse<String> ack =
        http.send(
            base().header("Mcp-Session-Id", session).header("MCP-Protocol-Version", LEGACY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ack.statusCode()).isEqualTo(202);
    return session;
  }

  JsonNode legacy(String session, String method, String params, Map<String, String> headers) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":" + (nextId++) + ",\"method\":\"" + method + "\",\"params\":" + params + "}";
    HttpRequest.Builder b = base().header("Mcp-Session-Id", session).header("MCP-Protocol-Version", LEGACY);
    headers.forEach(b::header);
    return send(b, body);
  }

  private HttpRequest.Builder base() {
    return HttpRequest.newBuilder(URI.create(gateway.mcpUrl()))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + KEY)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream");
  }

  private JsonNode send(HttpRequest.Builder b, String body) throws Exception {
    HttpResponse<String> r = http.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    String text = r.body();
    if (text.startsWith("event:") || text.startsWith("data:") || text.contains("\ndata:")) {
      String last = null;
      for (String line : text.split("\n")) {
        if (line.startsWith("data:")) {
          last = line.substring(5).trim();
        }
      }
      text = last;
    }
    return TraceRecordingServer.JSON.readTree(text);
  }

  HttpResponse<String> admin(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    gateway.close();
    web.close();
  }
}
