package dev.bastion.upstream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A loopback HTTP server whose answers a test scripts; it records every request it got. */
final class FakeHttpServer implements AutoCloseable {
  static final JsonMapper MAPPER = JsonMapper.builder().build();

  /** One request as received: method, lower-cased headers (first value), parsed JSON body or null. */
  record Received(String httpMethod, Map<String, String> headers, ObjectNode body) {
    String rpcMethod() {
      return body == null || !body.has("method") ? null : body.get("method").asString();
    }

    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  @FunctionalInterface
  interface Script {
    void answer(Received request, HttpExchange exchange) throws Exception;
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  FakeHttpServer(Script script) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/mcp", exchange -> {
      try (exchange) {
        Map<String, String> headers = new java.util.TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
        byte[] body = exchange.getRequestBody().readAllBytes();
        ObjectNode json = body.length == 0 ? null : (ObjectNode) MAPPER.readTree(body);
        Received r = new Received(exchange.getRequestMethod(), headers, json);
        received.add(r);
        script.answer(r, exchange);
      } catch (Exception e) {
        if (!(e instanceof IOException)) {
          e.printStackTrace();
        }
      }
    });
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
  }

  List<Received> rpc(String method) {
    return received.stream().filter(r -> method.equals(r.rpcMethod())).toList();
  }

  static void json(HttpExchange ex, int status, String body, Map<String, String> headers) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  static void json(HttpExchange ex, int status, String body) throws IOException {
    json(ex, status, body, Map.of());
  }

  static void result(HttpExchange ex, JsonNode id, String resultJson, Map<String, String> headers) throws IOException {
    json(ex, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + resultJson + "}", headers);
  }

  static void empty(HttpExchange ex, int status) throws IOException {
    ex.sendResponseHeaders(status, -1);
  }

  /** Starts an SSE answer; write events with {@link #event}. */
  static OutputStream sse(HttpExchange ex) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    return ex.getResponseBody();
  }

  static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** A legacy (2025-11-25) server's answers to the handshake; returns false if the request was something else. */
  static boolean legacyHandshake(Received r, HttpExchange ex, String sessionId) throws IOException {
    if ("GET".equals(r.httpMethod())) {
      empty(ex, 405);
      return true;
    }
    if ("DELETE".equals(r.httpMethod())) {
      empty(ex, 200);
      return true;
    }
    switch (r.rpcMethod()) {
      case "server/discover" -> {
        json(ex, 400, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"Bad Request: Server not initialized\"}}");
        return true;
      }
      case "initialize" -> {
        result(ex, r.body().get("id"),
            "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"legacy-http\",\"version\":\"1\"}}",
            Map.of("Mcp-Session-Id", sessionId));
        return true;
      }
      case "notifications/initialized", "notifications/cancelled" -> {
        empty(ex, 202);
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
