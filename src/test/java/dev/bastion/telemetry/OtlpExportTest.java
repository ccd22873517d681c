package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The configured exporters: spans and metrics reach an OTLP/HTTP receiver on loopback (protobuf,
 * with the configured header); with tracing off, the agent's trace context still reaches the
 * upstream unchanged, and /metrics can be turned off.
 */
class OtlpExportTest {

  record Post(String path, String contentType, String apiKey, byte[] body) {
    boolean contains(String text) {
      return new String(body, StandardCharsets.ISO_8859_1).contains(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }
  }

  @TempDir Path dir;

  @Test
  void spansAndMetricsArriveAtAnOtlpHttpReceiver() throws Exception {
    List<Post> posts = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.createContext("/", ex -> {
      try (ex) {
        posts.add(new Post(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Content-Type"), ex.getRequestHeaders().getFirst("x-api-key"),
            ex.getRequestBody().readAllBytes()));
        ex.sendResponseHeaders(200, -1);
      }
    });
    receiver.start();
    String endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort();
    String telemetry =
        """
        telemetry:
          service_name: bastion-otlp-test
          traces: { otlp: { endpoint: '%s', headers: { x-api-key: collector-key } } }
          metrics: { otlp: { endpoint: '%s' }, interval: 1h }
        """
            .formatted(endpoint, endpoint);
    try (GatewayFixture gw = new GatewayFixture(dir, telemetry, true)) {
      JsonNode r = gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":{}}", Map.of());
      assertThat(r.has("result")).as(r.toString()).isTrue();
      gw.gateway.telemetry().flush(20, TimeUnit.SECONDS);
    } finally {
      receiver.stop(0);
    }
    assertThat(posts).filteredOn(p -> p.path().equals("/v1/traces")).isNotEmpty().allSatisfy(p -> {
      assertThat(p.contentType().toLowerCase(Locale.ROOT)).isEqualTo("application/x-protobuf");
      assertThat(p.apiKey()).isEqualTo("collector-key");
    });
    assertThat(posts).filteredOn(p -> p.path().equals("/v1/traces")).anySatisfy(p -> {
      assertThat(p.contains("tools/call up__echo")).isTrue();
      assertThat(p.contains("bastion-otlp-test")).isTrue();
      assertThat(p.contains("mcp.method.name")).isTrue();
    });
    assertThat(posts).filteredOn(p -> p.path().equals("/v1/metrics")).anySatisfy(p -> {
      assertThat(p.contentType().toLowerCase(Locale.ROOT)).isEqualTo("application/x-protobuf");
      assertThat(p.contains("mcp.server.operation.duration")).isTrue();
      assertThat(p.apiKey()).as("headers are per destination").isNull();
    });
  }

  @Test
  void withTracingOffTheAgentsContextIsStillPassedToTheUpstream() throws Exception {
    try (GatewayFixture gw = new GatewayFixture(dir, "telemetry: { metrics: { prometheus: false } }", true)) {
      JsonNode r = gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":{}}", Map.of("traceparent", TracingTest.TRACEPARENT));
      JsonNode meta = TraceRecordingServer.JSON.readTree(r.path("result").path("content").path(0).path("text").asString());
      assertThat(meta.path("traceparent").asString()).isEqualTo(TracingTest.TRACEPARENT);
      assertThat(gw.admin("/metrics").statusCode()).as("prometheus: false").isEqualTo(404);
    }
  }
}
