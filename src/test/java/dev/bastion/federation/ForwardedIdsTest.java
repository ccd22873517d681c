package dev.bastion.federation;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ids of a forwarded call, end to end over HTTP: concurrent calls on one session with crafted
 * colliding ids (the number 1 and the string "1", the same id twice, ids that spell the gateway's
 * own upstream ids) each get their own answer under exactly the id they sent; the upstream sees
 * only ids the gateway minted, its own tool name, and nothing of the agent's credential or
 * session; an upstream that answers one call with the id of another call in flight completes
 * neither with the other's answer.
 */
class ForwardedIdsTest {
  private static final String KEY = "forwarded-ids-key";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Agent ids, as JSON text, sent concurrently on one session. */
  private static final List<String> IDS =
      List.of("1", "\"1\"", "1", "2", "\"2\"", "-1", "9007199254740993", "\"\\u00fc\\u2028 \\\" id\"", "\"bastion-progress-1\"");

  @Test
  void collidingAgentIdsEachGetTheirOwnAnswer() throws Exception {
    try (Upstream upstream = new Upstream(IDS.size())) {
      GatewayExtension gw = gateway(upstream);
      gw.start();
      try {
        McpWire alice = gw.wire(KEY);
        alice.initialize();
        List<CompletableFuture<McpWire.Reply>> replies = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
          for (int i = 0; i < IDS.size(); i++) {
            String body = body(IDS.get(i), "m" + i);
            replies.add(CompletableFuture.supplyAsync(() -> alice.post(body, legacy(alice)), pool));
          }
          for (int i = 0; i < IDS.size(); i++) {
            McpWire.Reply r = replies.get(i).get(60, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.message().get("id")).as("the id exactly as sent, type included").isEqualTo(JSON.readTree(IDS.get(i)));
            assertThat(r.result().path("structuredContent").path("message").asString()).isEqualTo("m" + i);
          }
        }
        String session = alice.sessionId();
        Set<Long> upstreamIds = new HashSet<>();
        for (ObjectNode call : upstream.calls) {
          JsonNode id = call.get("id");
          assertThat(id.isIntegralNumber()).as("the gateway's own id: %s", id).isTrue();
          upstreamIds.add(id.asLong());
          assertThat(call.path("params").path("name").asString()).isEqualTo("echo");
          assertThat(call.path("params").path("_meta").path("progressToken").asString())
              .as("the agent's crafted token is replaced by the gateway's, bound to this call")
              .isEqualTo("bastion-progress-" + id.asLong());
        }
        assertThat(upstreamIds).as("one upstream id per call").hasSize(IDS.size());
        for (String text : upstream.bodies) {
          assertThat(text).doesNotContain(KEY).doesNotContain(session);
        }
        for (Map<String, List<String>> headers : upstream.headers) {
          assertThat(headers).doesNotContainKey("authorization");
          assertThat(headers.toString()).doesNotContain(KEY).doesNotContain(session);
        }
      } finally {
        gw.stop();
      }
    }
  }

  @Test
  void anAnswerUnderAnotherCallsIdCompletesNeither() throws Exception {
    try (Upstream upstream = new Upstream(2)) {
      GatewayExtension gw = gateway(upstream);
      gw.start();
      try {
        McpWire alice = gw.wire(KEY);
        alice.initialize();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
          CompletableFuture<McpWire.Reply> liar = CompletableFuture.supplyAsync(() -> alice.post(body("7", "liar"), legacy(alice)), pool);
          CompletableFuture<McpWire.Reply> honest = CompletableFuture.supplyAsync(() -> alice.post(body("8", "honest"), legacy(alice)), pool);
          McpWire.Reply lied = liar.get(60, TimeUnit.SECONDS);
          McpWire.Reply answered = honest.get(60, TimeUnit.SECONDS);
          assertThat(lied.message().get("id").asInt()).isEqualTo(7);
          assertThat(lied.message().has("result")).as("the liar's call fails: %s", lied).isFalse();
          assertThat(lied.error().path("message").asString()).contains("not this request");
          assertThat(answered.message().get("id").asInt()).isEqualTo(8);
          assertThat(answered.result().path("structuredContent").path("message").asString()).as("its own answer, not the liar's").isEqualTo("honest");
        }
      } finally {
        gw.stop();
      }
    }
  }

  private static GatewayExtension gateway(Upstream upstream) {
    return GatewayExtension.builder()
        .http("remote", upstream.url(), Map.of())
        .agent("alice", KEY, "reader")
        .allow("readers", "\"reader\" in agent.roles")
        .build();
  }

  private static String body(String id, String message) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"remote__echo\",\"arguments\":{\"message\":\""
        + message + "\"},\"_meta\":{\"progressToken\":\"bastion-progress-1\"}}}";
  }

  private static Map<String, String> legacy(McpWire wire) {
    return Map.of("Mcp-Session-Id", wire.sessionId(), "MCP-Protocol-Version", McpWire.LEGACY);
  }

  /**
   * A legacy-era MCP server that holds every tools/call until {@code expected} are in flight, then
   * answers each with its message and the id it received; a call whose message is "liar" is
   * answered (in its own response) under the id of another call in flight.
   */
  private static final class Upstream implements AutoCloseable {
    final List<ObjectNode> calls = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<Map<String, List<String>>> headers = new CopyOnWriteArrayList<>();
    private final Map<String, JsonNode> idsByMessage = new ConcurrentHashMap<>();
    private final CountDownLatch inFlight;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    Upstream(int expected) throws IOException {
      this.inFlight = new CountDownLatch(expected);
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      server.setExecutor(executor);
      server.createContext("/mcp", this::handle);
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
    }

    private void handle(HttpExchange ex) throws IOException {
      try (ex) {
        String text = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, List<String>> h = new java.util.TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
        bodies.add(text);
        headers.add(h);
        if (!ex.getRequestMethod().equals("POST")) {
          ex.sendResponseHeaders(405, -1);
          return;
        }
        ObjectNode msg = (ObjectNode) JSON.readTree(text);
        JsonNode id = msg.get("id");
        if (id == null) {
          ex.sendResponseHeaders(202, -1);
          return;
        }
        JsonNode answerId = id;
        String result;
        switch (msg.path("method").asString()) {
          case "initialize" -> {
            ex.getResponseHeaders().set("Mcp-Session-Id", "upstream-session-1");
            result = "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"ids\",\"version\":\"1\"}}";
          }
          case "tools/list" -> result = "{\"tools\":[{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}}]}";
          case "tools/call" -> {
            calls.add(msg);
            String message = msg.path("params").path("arguments").path("message").asString();
            idsByMessage.put(message, id);
            inFlight.countDown();
            try {
              inFlight.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            if (message.equals("liar")) {
              answerId = idsByMessage.get("honest");
            }
            result = "{\"content\":[{\"type\":\"text\",\"text\":\"" + message + "\"}],\"structuredContent\":{\"message\":\"" + message
                + "\",\"upstreamId\":" + id + "}}";
          }
          default -> result = null;
        }
        String answer =
            result == null
                ? "{\"jsonrpc\":\"2.0\",\"id\":" + answerId + ",\"error\":{\"code\":-32601,\"message\":\"not here\"}}"
                : "{\"jsonrpc\":\"2.0\",\"id\":" + answerId + ",\"result\":" + result + "}";
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
}
