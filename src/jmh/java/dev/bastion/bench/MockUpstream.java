package dev.bastion.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The benchmark's upstream: the lightest MCP server that still speaks the protocol. One tool,
 * {@code echo}, answers with a small text result; {@code initialize} (2025-11-25, with a session
 * id), {@code server/discover} (2026-07-28), {@code tools/list}, {@code ping} and notifications are
 * understood. Over Streamable HTTP it runs on the JDK's built-in server with a virtual thread per
 * request and answers with plain JSON (never SSE), so what the benchmark measures in front of it
 * is the proxy, not the tool.
 *
 * <pre>
 *   java -cp ... dev.bastion.bench.MockUpstream http 127.0.0.1 18001
 *   java -cp ... dev.bastion.bench.MockUpstream stdio
 * </pre>
 */
public final class MockUpstream implements AutoCloseable {
  static final String TOOL = "echo";
  static final String STATELESS = "2026-07-28";
  static final String LEGACY = "2025-11-25";

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final HttpServer server;

  private MockUpstream(HttpServer server) {
    this.server = server;
  }

  /** Starts on {@code host:port} (port 0 picks a free one). */
  public static MockUpstream start(String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 1024);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/mcp", MockUpstream::serve);
    server.start();
    return new MockUpstream(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port() + "/mcp";
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static void serve(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"POST".equals(ex.getRequestMethod())) {
        // No standalone stream and nothing to delete: a stateless-friendly server may refuse both.
        ex.getResponseHeaders().set("Allow", "POST");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(1 << 20);
      }
      JsonNode message;
      try {
        message = JSON.readTree(body);
      } catch (RuntimeException e) {
        send(ex, 400, error(null, -32700, "invalid JSON"));
        return;
      }
      if (!message.has("method") || !message.has("id")) {
        ex.sendResponseHeaders(202, -1); // a notification or a response: nothing to answer
        return;
      }
      String method = message.get("method").asString();
      if (method.equals("initialize")) {
        ex.getResponseHeaders().set("Mcp-Session-Id", UUID.randomUUID().toString());
      }
      send(ex, 200, answer(message));
    }
  }

  private static void send(HttpExchange ex, int status, byte[] json) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, json.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(json);
    }
  }

  /** The response to one request, for either transport. */
  static byte[] answer(JsonNode request) {
    JsonNode id = request.get("id");
    String method = request.get("method").asString();
    JsonNode params = request.path("params");
    ObjectNode result = JSON.createObjectNode();
    switch (method) {
      case "initialize" -> {
        String asked = params.path("protocolVersion").asString(LEGACY);
        result.put("protocolVersion", asked.compareTo(LEGACY) > 0 ? LEGACY : asked);
        result.putObject("capabilities").putObject("tools");
        result.putObject("serverInfo").put("name", "bench-mock").put("version", "1.0.0");
      }
      case "server/discover" -> {
        result.putArray("supportedVersions").add(STATELESS);
        result.putObject("capabilities").putObject("tools");
        result.putObject("serverInfo").put("name", "bench-mock").put("version", "1.0.0");
      }
      case "ping" -> {}
      case "tools/list" -> {
        ObjectNode tool = result.putArray("tools").addObject();
        tool.put("name", TOOL).put("description", "Echoes its text argument.");
        ObjectNode schema = tool.putObject("inputSchema").put("type", "object");
        schema.putObject("properties").putObject("text").put("type", "string");
        schema.putArray("required").add("text");
      }
      case "tools/call" -> {
        if (!TOOL.equals(params.path("name").asString(""))) {
          return error(id, -32602, "unknown tool");
        }
        result.putArray("content").addObject().put("type", "text").put("text", params.path("arguments").path("text").asString(""));
        result.put("isError", false);
      }
      default -> {
        return error(id, -32601, "method not found: " + method);
      }
    }
    if (params.path("_meta").has("io.modelcontextprotocol/protocolVersion")) {
      result.put("resultType", "complete");
    }
    ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
    response.set("id", id);
    response.set("result", result);
    return JSON.writeValueAsBytes(response);
  }

  private static byte[] error(JsonNode id, int code, String message) {
    ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
    response.set("id", id);
    response.putObject("error").put("code", code).put("message", message);
    return JSON.writeValueAsBytes(response);
  }

  /** The same server over stdio: one JSON-RPC message per line in, one per line out. */
  static void stdio(InputStream in, PrintStream out) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode message;
      try {
        message = JSON.readTree(line);
      } catch (RuntimeException e) {
        out.write(error(null, -32700, "invalid JSON"));
        out.write('\n');
        out.flush();
        continue;
      }
      if (message.has("method") && message.has("id")) {
        out.write(answer(message));
        out.write('\n');
        out.flush();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 1 && args[0].equals("stdio")) {
      stdio(System.in, new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8));
      return;
    }
    if (args.length != 3 || !args[0].equals("http")) {
      System.err.println("usage: MockUpstream http <host> <port> | MockUpstream stdio");
      System.exit(2);
    }
    MockUpstream mock = start(args[1], Integer.parseInt(args[2]));
    System.out.println("mock-upstream: ready on " + mock.url());
    System.out.flush();
    new java.util.concurrent.CountDownLatch(1).await();
  }
}
