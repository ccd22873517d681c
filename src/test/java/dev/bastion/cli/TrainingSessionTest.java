package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The training run's agent ({@link TrainingSession}) against a recording HTTP server (the JDK's, so
 * that nothing of the agent's own stack checks itself): it sends the script it claims — legacy
 * handshake, session header on every later request, the lists and tool calls, one stateless call
 * with its era's headers and {@code _meta}, the session's DELETE — on one kept-alive connection, and
 * it reports failure for an answer that is not 2xx and for one that is not length-framed.
 */
class TrainingSessionTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  record Seen(int peerPort, String method, String path, String auth, String session, String version, String mcpMethod, String contentType,
      String body) {
    JsonNode json() {
      return JSON.readTree(body);
    }
  }

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    executor.close();
  }

  /** {@code failAt}: the request (1-based) answered 500; {@code chunkAt}: the one answered chunked; 0: none. */
  private String start(int failAt, int chunkAt) throws IOException {
    AtomicInteger n = new AtomicInteger();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/mcp", ex -> answer(ex, n.incrementAndGet(), failAt, chunkAt));
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
  }

  private void answer(HttpExchange ex, int n, int failAt, int chunkAt) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      var h = ex.getRequestHeaders();
      seen.add(new Seen(ex.getRemoteAddress().getPort(), ex.getRequestMethod(), ex.getRequestURI().getPath(), h.getFirst("Authorization"),
          h.getFirst("Mcp-Session-Id"), h.getFirst("MCP-Protocol-Version"), h.getFirst("Mcp-Method"), h.getFirst("Content-Type"), body));
      if (n == 1) {
        ex.getResponseHeaders().add("Mcp-Session-Id", "s-42");
      }
      byte[] out = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      int status = n == failAt ? 500 : body.contains("notifications/") ? 202 : 200;
      if (status == 202 && n != chunkAt) {
        ex.sendResponseHeaders(202, -1);
        return;
      }
      ex.sendResponseHeaders(status, n == chunkAt ? 0 : out.length); // 0: chunked
      ex.getResponseBody().write(out);
    }
  }

  private static String run(String url, boolean[] ok) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ok[0] = TrainingSession.run(url, "k-123", new PrintStream(err, true, StandardCharsets.UTF_8));
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void sendsTheScriptedSessionOnOneKeptAliveConnection() throws IOException {
    boolean[] ok = new boolean[1];
    String err = run(start(0, 0), ok);
    assertThat(err).isEmpty();
    assertThat(ok[0]).isTrue();
    int calls = TrainingSession.CALLS.size();
    assertThat(seen).hasSize(2 + calls + 2);
    assertThat(seen).extracting(Seen::peerPort).containsOnly(seen.getFirst().peerPort());
    assertThat(seen).extracting(Seen::path).containsOnly("/mcp");
    assertThat(seen).extracting(Seen::auth).containsOnly("Bearer k-123");

    Seen init = seen.get(0);
    assertThat(init.method()).isEqualTo("POST");
    assertThat(init.contentType()).isEqualTo("application/json");
    assertThat(init.json().path("method").asString()).isEqualTo("initialize");
    assertThat(init.json().path("params").path("protocolVersion").asString()).isEqualTo("2025-11-25");
    assertThat(init.session()).isNull();

    List<Seen> legacy = seen.subList(1, 2 + calls);
    assertThat(legacy).extracting(Seen::session).containsOnly("s-42");
    assertThat(legacy).extracting(Seen::version).containsOnly("2025-11-25");
    assertThat(legacy.getFirst().json().path("method").asString()).isEqualTo("notifications/initialized");
    assertThat(legacy.subList(1, legacy.size())).extracting(s -> s.json().path("method").asString())
        .containsExactly("tools/list", "resources/list", "prompts/list", "ping", "tools/call", "tools/call", "tools/call", "tools/call",
            "tools/call", "tools/call", "tools/call");
    assertThat(legacy.subList(5, legacy.size())).extracting(s -> s.json().path("params").path("name").asString())
        .containsExactly("demo__list_files", "demo__read_file", "demo__search_notes", "demo__fetch_url", "demo__read_file", "demo__fetch_url",
            "demo__echo");

    Seen stateless = seen.get(2 + calls);
    assertThat(stateless.session()).isNull();
    assertThat(stateless.version()).isEqualTo("2026-07-28");
    assertThat(stateless.mcpMethod()).isEqualTo("tools/call");
    assertThat(stateless.json().path("params").path("_meta").path("io.modelcontextprotocol/protocolVersion").asString()).isEqualTo("2026-07-28");

    Seen end = seen.getLast();
    assertThat(end.method()).isEqualTo("DELETE");
    assertThat(end.session()).isEqualTo("s-42");
    assertThat(end.body()).isEmpty();
  }

  @Test
  void anAnswerThatIsNot2xxFailsTheRunButTheScriptGoesOn() throws IOException {
    boolean[] ok = new boolean[1];
    String err = run(start(3, 0), ok);
    assertThat(ok[0]).isFalse();
    assertThat(err).contains("training session: HTTP 500 for POST");
    assertThat(seen).hasSize(2 + TrainingSession.CALLS.size() + 2);
  }

  @Test
  void aStreamedAnswerFailsTheRun() throws IOException {
    boolean[] ok = new boolean[1];
    String err = run(start(0, 4), ok);
    assertThat(ok[0]).isFalse();
    assertThat(err).contains("training session:").contains("chunked").contains("not with a Content-Length");
    assertThat(seen).hasSize(4);
  }
}
