package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's OTLP/HTTP sender ({@link Http1Sender}) under the SDK's exporter: what reaches a
 * receiver (the protobuf request, content type, configured headers, gzip when asked), the retry
 * rule shared with the SDK's own senders (429/502/503/504 and transport failures are retried,
 * other statuses are not), and a failed export when nothing listens.
 */
class Http1SenderTest {
  record Post(String path, String contentType, String contentEncoding, String apiKey, byte[] body) {}

  private final List<Post> posts = new CopyOnWriteArrayList<>();
  private final Queue<Integer> statuses = new ArrayDeque<>();
  private HttpServer receiver;

  private String startReceiver(Integer... answers) throws IOException {
    synchronized (statuses) {
      statuses.addAll(List.of(answers));
    }
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.createContext("/", ex -> {
      try (ex) {
        var h = ex.getRequestHeaders();
        posts.add(new Post(ex.getRequestURI().getPath(), h.getFirst("Content-Type"), h.getFirst("Content-Encoding"), h.getFirst("x-api-key"),
            ex.getRequestBody().readAllBytes()));
        Integer status;
        synchronized (statuses) {
          status = statuses.poll();
        }
        ex.sendResponseHeaders(status == null ? 200 : status, -1);
      }
    });
    receiver.start();
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces";
  }

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  private static OtlpHttpSpanExporterBuilder exporter(String endpoint) {
    return OtlpHttpSpanExporter.builder()
        .setComponentLoader(Http1Sender.COMPONENTS)
        .setEndpoint(endpoint)
        .setTimeout(Duration.ofSeconds(20))
        .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(3).setInitialBackoff(Duration.ofMillis(1)).setMaxBackoff(Duration.ofMillis(5)).build());
  }

  /** Two spans as the gateway makes them: a SERVER span and its CLIENT child. */
  private static Collection<SpanData> spans() {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      var tracer = provider.get(Telemetry.SCOPE);
      var server = tracer.spanBuilder("tools/call up__echo").setSpanKind(SpanKind.SERVER).setAttribute(SemConv.MCP_METHOD_NAME, "tools/call").startSpan();
      try (var scope = server.makeCurrent()) {
        tracer.spanBuilder("tools/call echo").setSpanKind(SpanKind.CLIENT).startSpan().end();
      }
      server.end();
      return List.copyOf(memory.getFinishedSpanItems()); // before the provider's shutdown clears them
    }
  }

  private static CompletableResultCode export(SpanExporter exporter) {
    Collection<SpanData> spans = spans();
    assertThat(spans).hasSize(2);
    try {
      return exporter.export(spans).join(30, TimeUnit.SECONDS);
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void postsTheEncodedRequestWithItsHeaders() throws Exception {
    String endpoint = startReceiver();
    CompletableResultCode result = export(exporter(endpoint).addHeader("x-api-key", "collector-key").build());
    assertThat(result.isSuccess()).isTrue();
    assertThat(posts).singleElement().satisfies(p -> {
      assertThat(p.path()).isEqualTo("/v1/traces");
      assertThat(p.contentType()).isEqualTo("application/x-protobuf");
      assertThat(p.contentEncoding()).isNull();
      assertThat(p.apiKey()).isEqualTo("collector-key");
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(p.body());
      var names = request.getResourceSpans(0).getScopeSpans(0).getSpansList().stream().map(s -> s.getName()).toList();
      assertThat(names).containsExactlyInAnyOrder("tools/call up__echo", "tools/call echo");
    });
  }

  @Test
  void compressesWhenAsked() throws Exception {
    String endpoint = startReceiver();
    CompletableResultCode result = export(exporter(endpoint).setCompression("gzip").build());
    assertThat(result.isSuccess()).isTrue();
    assertThat(posts).singleElement().satisfies(p -> {
      assertThat(p.contentEncoding()).isEqualTo("gzip");
      byte[] plain = new GZIPInputStream(new ByteArrayInputStream(p.body())).readAllBytes();
      assertThat(ExportTraceServiceRequest.parseFrom(plain).getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(2);
    });
  }

  @Test
  void retriesTransientStatusesThenSucceeds() throws Exception {
    String endpoint = startReceiver(503, 429);
    CompletableResultCode result = export(exporter(endpoint).build());
    assertThat(result.isSuccess()).isTrue();
    assertThat(posts).hasSize(3);
    assertThat(posts).extracting(p -> p.body().length).containsOnly(posts.get(0).body().length);
  }

  @Test
  void givesUpAfterTheLastAttempt() throws Exception {
    String endpoint = startReceiver(503, 503, 503, 503);
    CompletableResultCode result = export(exporter(endpoint).build());
    assertThat(result.isSuccess()).isFalse();
    assertThat(posts).as("three attempts, as the retry policy allows").hasSize(3);
  }

  @Test
  void doesNotRetryARejection() throws Exception {
    String endpoint = startReceiver(400);
    CompletableResultCode result = export(exporter(endpoint).build());
    assertThat(result.isSuccess()).isFalse();
    assertThat(posts).hasSize(1);
  }

  @Test
  void failsWhenNothingListens() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    CompletableResultCode result = export(exporter("http://127.0.0.1:" + port + "/v1/traces").build());
    assertThat(result.isDone()).isTrue();
    assertThat(result.isSuccess()).isFalse();
  }
}
