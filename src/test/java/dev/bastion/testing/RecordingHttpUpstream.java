package dev.bastion.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Streamable HTTP MCP server (2025-11-25, JSON answers, no GET stream) on loopback, built on the
 * JDK's HTTP server, that records the headers and body of every request it receives. It offers one
 * tool, {@code whoami}, so tests can prove what reaches an upstream (and what must not).
 */
public final class RecordingHttpUpstream implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One request as received: HTTP method, headers (lower-cased names, every value) and body. */
  public record Received(String httpMethod, Map<String, List<String>> headers, String body) {
    public String rpcMethod() {
      if (body.isEmpty()) {
        return null;
      }
      JsonNode n = JSON.readTree(body);
      return n.path("method").asString(null);
    }
  }

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  public RecordingHttpUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/mcp", this::handle);
    server.start();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, List<String>> headers = new TreeMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      received.add(new Received(ex.getRequestMethod(), headers, body));
      if (!ex.getRequestMethod().equals("POST")) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      ObjectNode msg = (ObjectNode) JSON.readTree(body);
      JsonNode id = msg.get("id");
      String method = msg.path("method").asString();
      if (id == null) {
        ex.sendResponseHeaders(202, -1);
        return;
      }
      String result =
          switch (method) {
            case "initialize" -> {
              ex.getResponseHeaders().set("Mcp-Session-Id", "upstream-session-1");
              yield "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"recorder\",\"version\":\"1\"}}";
            }
            case "tools/list" -> "{\"tools\":[{\"name\":\"whoami\",\"inputSchema\":{\"type\":\"object\"}}]}";
            case "tools/call" -> "{\"content\":[{\"type\":\"text\",\"text\":\"recorded\"}]}";
            default -> null;
          };
      String answer =
          result == null
              ? "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32601,\"message\":\"not here\"}}"
              : "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}";
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, bytes.length);
      ex.getResponseBody().write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}
