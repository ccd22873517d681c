package dev.bastion.telemetry;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A legacy-era MCP server for the telemetry tests, over stdio ({@link #main}) or HTTP ({@link
 * Http}). Tools: {@code echo} answers with the {@code _meta} it received (so a test sees the trace
 * context that arrived), {@code broken} answers with a JSON-RPC error, {@code forbidden} is there
 * for policy to deny.
 */
public final class TraceRecordingServer {
  static final JsonMapper JSON = JsonMapper.builder().build();

  public static void main(String[] args) throws IOException {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      ObjectNode answer = answer((ObjectNode) JSON.readTree(line));
      if (answer != null) {
        out.print(answer);
        out.print('\n');
        out.flush();
      }
    }
  }

  /** The response to one message, or null for a notification. */
  static ObjectNode answer(ObjectNode msg) {
    JsonNode id = msg.get("id");
    if (id == null) {
      return null;
    }
    String method = msg.path("method").asString("");
    ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
    response.set("id", id);
    ObjectNode result = JSON.createObjectNode();
    switch (method) {
      case "initialize" -> {
        result.put("protocolVersion", "2025-11-25");
        result.putObject("capabilities").putObject("tools");
        result.putObject("serverInfo").put("name", "trace-recorder").put("version", "1");
      }
      case "tools/list" -> {
        var tools = result.putArray("tools");
        for (String name : List.of("echo", "broken", "forbidden")) {
          ObjectNode t = tools.addObject().put("name", name).put("description", "test tool " + name);
          t.putObject("inputSchema").put("type", "object");
        }
      }
      case "tools/call" -> {
        String name = msg.path("params").path("name").asString("");
        if (name.equals("broken")) {
          response.putObject("error").put("code", -32000).put("message", "the tool broke");
          return response;
        }
        JsonNode meta = msg.path("params").path("_meta");
        result.putArray("content").addObject().put("type", "text").put("text", meta.isMissingNode() ? "{}" : meta.toString());
      }
      case "ping" -> {}
      default -> {
        response.putObject("error").put("code", -32601).put("message", "no " + method);
        return response;
      }
    }
    response.set("result", result);
    return response;
  }

  /** The same server over HTTP (legacy Streamable HTTP, JSON answers), recording request headers. */
  static final class Http implements AutoCloseable {
    final List<Map<String, String>> toolCallHeaders = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    Http() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/mcp", exchange -> {
        try (exchange) {
          if (!exchange.getRequestMethod().equals("POST")) {
            exchange.sendResponseHeaders(405, -1);
            return;
          }
          ObjectNode msg = (ObjectNode) JSON.readTree(exchange.getRequestBody().readAllBytes());
          if (msg.path("method").asString("").equals("tools/call")) {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.getFirst()));
            toolCallHeaders.add(headers);
          }
          ObjectNode answer = msg.path("method").asString("").equals("server/discover") ? null : answer(msg);
          if (msg.path("method").asString("").equals("server/discover")) {
            answer = JSON.createObjectNode().put("jsonrpc", "2.0");
            answer.set("id", msg.get("id"));
            answer.putObject("error").put("code", -32601).put("message", "legacy server");
          }
          if (answer == null) {
            exchange.sendResponseHeaders(202, -1);
            return;
          }
          byte[] body = JSON.writeValueAsBytes(answer);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
        }
      });
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
