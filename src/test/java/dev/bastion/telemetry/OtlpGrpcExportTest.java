package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * OTLP over gRPC ({@code protocol: grpc}, sent by {@link Http2GrpcSender}) against a real gRPC
 * receiver on loopback: grpc-java's server (Netty) serving the OTLP {@code TraceService} and {@code
 * MetricsService} definitions from opentelemetry-proto, which decode the protobuf requests. The
 * span and its attributes arrive as sent; a status in the trailers is honoured (a refusal fails
 * the export, a transient one is retried).
 */
class OtlpGrpcExportTest {
  private static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;
  private final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
  private final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
  private final List<String> apiKeys = new CopyOnWriteArrayList<>();
  private Server receiver;

  /** Starts the receiver; {@code traceAnswer} says how each trace export is answered (empty: OK). */
  private String startReceiver(Function<ExportTraceServiceRequest, Optional<Status>> traceAnswer) {
    ServerInterceptor headers = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
        apiKeys.add(String.valueOf(h.get(API_KEY)));
        return next.startCall(call, h);
      }
    };
    TraceServiceGrpc.TraceServiceImplBase traceService = new TraceServiceGrpc.TraceServiceImplBase() {
      @Override
      public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
        traces.add(request);
        Optional<Status> refusal = traceAnswer.apply(request);
        if (refusal.isPresent()) {
          out.onError(refusal.get().asRuntimeException());
          return;
        }
        out.onNext(ExportTraceServiceResponse.getDefaultInstance());
        out.onCompleted();
      }
    };
    MetricsServiceGrpc.MetricsServiceImplBase metricsService = new MetricsServiceGrpc.MetricsServiceImplBase() {
      @Override
      public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> out) {
        metrics.add(request);
        out.onNext(ExportMetricsServiceResponse.getDefaultInstance());
        out.onCompleted();
      }
    };
    try {
      receiver = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(ServerInterceptors.intercept(traceService, headers))
          .addService(ServerInterceptors.intercept(metricsService, headers))
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "http://127.0.0.1:" + receiver.getPort();
  }

  @AfterEach
  void stopReceiver() {
    if (receiver != null) {
      receiver.shutdownNow();
    }
  }

  @Test
  void theGatewaysSpansAndMetricsArriveAtAnOtlpGrpcReceiver() throws Exception {
    String endpoint = startReceiver(r -> Optional.empty());
    String telemetry =
        """
        telemetry:
          service_name: bastion-grpc-test
          traces: { otlp: { endpoint: '%s', protocol: grpc, headers: { x-api-key: collector-key } } }
          metrics: { otlp: { endpoint: '%s', protocol: grpc }, interval: 1h }
        """
            .formatted(endpoint, endpoint);
    try (GatewayFixture gw = new GatewayFixture(dir, telemetry, true)) {
      JsonNode r = gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":{}}", Map.of());
      assertThat(r.has("result")).as(r.toString()).isTrue();
      gw.gateway.telemetry().flush(30, TimeUnit.SECONDS);
    }

    List<Span> spans = traces.stream()
        .flatMap(t -> t.getResourceSpansList().stream())
        .filter(rs -> attributes(rs.getResource().getAttributesList()).get("service.name").equals("bastion-grpc-test"))
        .flatMap(rs -> rs.getScopeSpansList().stream())
        .flatMap(ss -> ss.getSpansList().stream())
        .toList();
    assertThat(spans).anySatisfy(s -> {
      assertThat(s.getName()).isEqualTo("tools/call up__echo");
      assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(attributes(s.getAttributesList()))
          .containsEntry("mcp.method.name", "tools/call")
          .containsEntry("gen_ai.tool.name", "up__echo");
      assertThat(s.getTraceId().size()).isEqualTo(16);
    });
    assertThat(spans).as("the upstream call is a CLIENT child span")
        .anySatisfy(s -> assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT));
    assertThat(apiKeys).isNotEmpty().contains("collector-key");
    assertThat(metrics.stream()
            .flatMap(m -> m.getResourceMetricsList().stream())
            .flatMap(rm -> rm.getScopeMetricsList().stream())
            .flatMap(sm -> sm.getMetricsList().stream())
            .map(m -> m.getName()))
        .contains("mcp.server.operation.duration");
  }

  @Test
  void aRefusalInTheTrailersFailsTheExportAndATransientOneIsRetried() {
    AtomicInteger calls = new AtomicInteger();
    String endpoint = startReceiver(r -> switch (attributes(r.getResourceSpans(0).getScopeSpans(0).getSpans(0).getAttributesList()).get("case")) {
      case "refused" -> Optional.of(Status.PERMISSION_DENIED.withDescription("no such tenant"));
      case "flaky" -> calls.incrementAndGet() == 1 ? Optional.of(Status.UNAVAILABLE) : Optional.empty();
      default -> Optional.empty();
    });
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
        .setComponentLoader(Http2GrpcSender.COMPONENTS)
        .setEndpoint(endpoint)
        .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(3).setInitialBackoff(Duration.ofMillis(5)).build())
        .build();
    try {
      assertThat(export(exporter, "refused").isSuccess()).as("PERMISSION_DENIED fails the export").isFalse();
      assertThat(traces).as("a refusal is not retried").hasSize(1);
      assertThat(export(exporter, "flaky").isSuccess()).as("UNAVAILABLE, then OK").isTrue();
      assertThat(calls.get()).isEqualTo(2);
      assertThat(export(exporter, "fine").isSuccess()).isTrue();
      assertThat(traces).hasSize(4);
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void noReceiverFailsTheExport() throws InterruptedException {
    String endpoint = startReceiver(r -> Optional.empty());
    assertThat(receiver.shutdownNow().awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    receiver = null;
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
        .setComponentLoader(Http2GrpcSender.COMPONENTS)
        .setEndpoint(endpoint)
        .setRetryPolicy(RetryPolicy.builder().setMaxAttempts(2).setInitialBackoff(Duration.ofMillis(5)).build())
        .build();
    try {
      assertThat(export(exporter, "fine").isSuccess()).isFalse();
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  private static CompletableResultCode export(OtlpGrpcSpanExporter exporter, String testCase) {
    SpanData span = TestSpanData.builder()
        .setName("test " + testCase)
        .setKind(SpanKind.INTERNAL)
        .setSpanContext(SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault()))
        .setStartEpochNanos(1)
        .setEndEpochNanos(2)
        .setHasEnded(true)
        .setStatus(StatusData.unset())
        .setAttributes(Attributes.builder().put("case", testCase).build())
        .build();
    return exporter.export(List.of(span)).join(60, TimeUnit.SECONDS);
  }

  private static Map<String, String> attributes(List<KeyValue> kvs) {
    return kvs.stream().collect(java.util.stream.Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue(), (a, b) -> a));
  }
}
