package dev.bastion.attacksim;

import dev.bastion.flow.FlowSessions;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A scripted agent: speaks the stateless (2026-07-28) Streamable HTTP transport to a gateway with an
 * API key, and carries one flow session key ({@code _meta["bastion/flowSession"]}) from result to
 * request, as a real agent's client library would.
 */
public final class AgentClient {
  private static final String VERSION = "2026-07-28";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final URI url;
  private final String apiKey;
  private final AtomicLong ids = new AtomicLong();
  private String flowKey = FlowSessions.NEW;

  /** What came back for one call. */
  public record Reply(int status, JsonNode result, JsonNode error) {
    public boolean ok() {
      return result != null;
    }

    /** The concatenated text content of a result, or the error message. */
    public String text() {
      if (result == null) {
        return error == null ? "" : error.path("message").asString("");
      }
      StringBuilder sb = new StringBuilder();
      for (JsonNode c : result.path("content")) {
        sb.append(c.path("text").asString(""));
      }
      for (JsonNode c : result.path("contents")) {
        sb.append(c.path("text").asString(""));
      }
      return sb.toString();
    }

    public String reason() {
      return error == null ? "" : error.path("data").path("reason").asString("");
    }
  }

  public AgentClient(String mcpUrl, String apiKey) {
    this.url = URI.create(mcpUrl);
    this.apiKey = apiKey;
  }

  /** Starts a new flow session with the next call (a new conversation). */
  public void newFlowSession() {
    flowKey = FlowSessions.NEW;
  }

  public Reply callTool(String name, ObjectNode arguments) throws IOException, InterruptedException {
    ObjectNode params = JSON.createObjectNode();
    params.put("name", name);
    params.set("arguments", arguments);
    return send("tools/call", name, params);
  }

  public Reply readResource(String uri) throws IOException, InterruptedException {
    ObjectNode params = JSON.createObjectNode();
    params.put("uri", uri);
    return send("resources/read", uri, params);
  }

  public Reply listTools() throws IOException, InterruptedException {
    return send("tools/list", null, JSON.createObjectNode());
  }

  private Reply send(String method, String name, ObjectNode params) throws IOException, InterruptedException {
    ObjectNode meta = params.putObject("_meta");
    meta.put("io.modelcontextprotocol/protocolVersion", VERSION);
    meta.putObject("io.modelcontextprotocol/clientCapabilities");
    meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "bastion-attack-sim").put("version", "1");
    if (flowKey != null) {
      meta.put(FlowSessions.META_KEY, flowKey);
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("jsonrpc", "2.0");
    body.put("id", ids.incrementAndGet());
    body.put("method", method);
    body.set("params", params);
    HttpRequest.Builder req = HttpRequest.newBuilder(url)
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + apiKey)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", VERSION)
        .header("Mcp-Method", method)
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (name != null) {
      req.header("Mcp-Name", headerSafe(name));
    }
    HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    String text = res.body();
    if (text.startsWith("event:") || text.startsWith("data:") || text.startsWith(":")) {
      text = lastSseData(text);
    }
    JsonNode node = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
    JsonNode result = node.get("result");
    JsonNode error = node.get("error");
    JsonNode carrier = result != null ? result.path("_meta") : error == null ? null : error.path("data");
    if (carrier != null && carrier.path(FlowSessions.META_KEY).isString()) {
      flowKey = carrier.path(FlowSessions.META_KEY).asString();
    }
    return new Reply(res.statusCode(), result, error);
  }

  private static String headerSafe(String value) {
    boolean plain = value.chars().allMatch(c -> c >= 0x21 && c < 0x7f);
    return plain ? value : "=?base64?" + java.util.Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
  }

  private static String lastSseData(String sse) {
    String last = "";
    StringBuilder current = new StringBuilder();
    for (String line : sse.split("\n", -1)) {
      if (line.startsWith("data:")) {
        current.append(line.substring(5).strip());
      } else if (line.isBlank() && !current.isEmpty()) {
        last = current.toString();
        current.setLength(0);
      }
    }
    return current.isEmpty() ? last : current.toString();
  }

  static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
