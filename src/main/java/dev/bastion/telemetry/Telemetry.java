package dev.bastion.telemetry;

import dev.bastion.config.HostPort;
import dev.bastion.config.Secret;
import dev.bastion.config.TelemetryConfig;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.pipeline.Stage;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The gateway's observability: an OpenTelemetry tracer and meter (never registered globally), the
 * Prometheus text exposition for {@code /metrics}, and the asynchronous access log. Built once when
 * the gateway starts and kept across configuration reloads; it hands out the pipeline stages that
 * report (see {@code PipelineAssembly}) and {@link #metrics()} for other packages.
 */
public final class Telemetry implements AutoCloseable {
  static final String SCOPE = "dev.bastion";

  private final TelemetryConfig config;
  private final SdkTracerProvider tracerProvider;
  private final SdkMeterProvider meterProvider;
  private final PrometheusMetricReader prometheus;
  private final Tracer tracer;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final HostPort listen;
  private final PrometheusTextFormatWriter textWriter = PrometheusTextFormatWriter.create();

  /**
   * Where the signals go; tests replace the exporters.
   *
   * @param spans the span exporter (null: OTLP when {@code traces.otlp} is set, else no tracing)
   * @param metrics an extra metric reader (null: OTLP push when {@code metrics.otlp} is set)
   * @param accessLines where access lines are written (null: standard error)
   * @param synchronousSpans export each span as it ends (for tests) instead of in batches
   */
  public record Exporters(SpanExporter spans, MetricReader metrics, Consumer<String> accessLines, boolean synchronousSpans) {
    public static final Exporters DEFAULT = new Exporters(null, null, null, false);
  }

  private Telemetry(TelemetryConfig config, String version, HostPort listen, Exporters exporters) {
    this.config = config;
    this.listen = listen;
    Resource resource =
        Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), config.serviceName(), AttributeKey.stringKey("service.version"), version)));
    SpanExporter spanExporter = exporters.spans() != null ? exporters.spans() : config.tracing() ? otlpSpans(config.traces()) : null;
    if (spanExporter != null) {
      this.tracerProvider =
          SdkTracerProvider.builder()
              .setResource(resource)
              .setSampler(sampler(config.sampleRatio()))
              .addSpanProcessor(exporters.synchronousSpans() ? SimpleSpanProcessor.create(spanExporter) : batch(spanExporter))
              .build();
      this.tracer = tracerProvider.get(SCOPE, version);
    } else {
      this.tracerProvider = null;
      this.tracer = TracerProvider.noop().get(SCOPE);
    }
    SdkMeterProviderBuilder meters = SdkMeterProvider.builder().setResource(resource);
    this.prometheus = config.prometheus() ? PrometheusMetricReader.builder().setOtelScopeLabelsEnabled(false).build() : null;
    if (prometheus != null) {
      meters.registerMetricReader(prometheus);
    }
    if (exporters.metrics() != null) {
      meters.registerMetricReader(exporters.metrics());
    } else if (config.metrics() != null) {
      meters.registerMetricReader(
          PeriodicMetricReader.builder(otlpMetrics(config.metrics())).setInterval(config.metricsInterval()).build());
    }
    this.meterProvider = meters.build();
    MeterProvider mp = meterProvider;
    this.metrics = new GatewayMetrics(mp.get(SCOPE));
    this.accessLog =
        exporters.accessLines() != null ? new AccessLog(config.logFormat(), exporters.accessLines()) : AccessLog.toStandardError(config.logFormat());
  }

  /** Starts telemetry as configured: OTLP exporters, Prometheus reader, access log to stderr. */
  public static Telemetry start(TelemetryConfig config, String version, HostPort listen) {
    return new Telemetry(config, version, listen, Exporters.DEFAULT);
  }

  /** Starts telemetry with the given exporters in place of the configured ones. */
  public static Telemetry start(TelemetryConfig config, String version, HostPort listen, Exporters exporters) {
    return new Telemetry(config, version, listen, exporters);
  }

  /**
   * Spans per export. Not larger: spans still queued or being exported when a young collection runs
   * survive it, and what overflows the survivor space is promoted to the old generation, which the
   * serial collector grows instead of collecting (the process's RSS with it). With 2048-span
   * batches a batch took several young collections to fill and ~1 KB per request was promoted
   * (the old generation grew to ~90 MB in 60,000 requests; {@code SpanMemoryBench}); with 512 the
   * spans die young (~0 B per request), for a few µs more export CPU per request.
   */
  static final int EXPORT_BATCH = 512;

  /** The queue holds eight batches, so that an exporter held up for a moment does not drop spans. */
  static final int EXPORT_QUEUE = 8 * EXPORT_BATCH;

  /**
   * Ends spans onto a queue that an exporter thread drains in batches of {@link #EXPORT_BATCH}
   * (about 240 KB of protobuf at the gateway's span sizes) or every 5 s, whichever comes first.
   */
  private static BatchSpanProcessor batch(SpanExporter exporter) {
    return BatchSpanProcessor.builder(exporter).setMaxExportBatchSize(EXPORT_BATCH).setMaxQueueSize(EXPORT_QUEUE).build();
  }

  /**
   * Parent-based: a request carrying the agent's trace context is recorded exactly when the agent
   * sampled it; a new trace is recorded with the configured ratio (by trace id, so a trace is kept
   * or dropped whole).
   */
  static Sampler sampler(double ratio) {
    return Sampler.parentBased(ratio >= 1 ? Sampler.alwaysOn() : Sampler.traceIdRatioBased(ratio));
  }

  private static SpanExporter otlpSpans(TelemetryConfig.Otlp otlp) {
    if (otlp.protocol() == TelemetryConfig.Protocol.GRPC) {
      OtlpGrpcSpanExporterBuilder b =
          OtlpGrpcSpanExporter.builder().setComponentLoader(Http2GrpcSender.COMPONENTS).setEndpoint(otlp.endpoint().toString());
      otlp.headers().forEach((name, value) -> b.addHeader(name, value.reveal()));
      return b.build();
    }
    OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setComponentLoader(Http1Sender.COMPONENTS).setEndpoint(otlp.endpoint().toString());
    otlp.headers().forEach((name, value) -> b.addHeader(name, value.reveal()));
    return b.build();
  }

  private static MetricExporter otlpMetrics(TelemetryConfig.Otlp otlp) {
    if (otlp.protocol() == TelemetryConfig.Protocol.GRPC) {
      OtlpGrpcMetricExporterBuilder b =
          OtlpGrpcMetricExporter.builder().setComponentLoader(Http2GrpcSender.COMPONENTS).setEndpoint(otlp.endpoint().toString());
      otlp.headers().forEach((name, value) -> b.addHeader(name, value.reveal()));
      return b.build();
    }
    OtlpHttpMetricExporterBuilder b = OtlpHttpMetricExporter.builder().setComponentLoader(Http1Sender.COMPONENTS).setEndpoint(otlp.endpoint().toString());
    otlp.headers().forEach((name, value) -> b.addHeader(name, value.reveal()));
    return b.build();
  }

  /** Formats the gateway's own log messages as configured ({@code telemetry.logs.format}). */
  public void installLogFormat() {
    JsonLogFormatter.install(config.logFormat());
  }

  public TelemetryConfig config() {
    return config;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The outermost stage: one access line per exchange. */
  public Stage accessLog() {
    return new AccessLogStage(accessLog);
  }

  /** The exchange's SERVER span and {@code mcp.server.operation.duration}. */
  public Stage serverSpan() {
    return new ServerSpanStage(tracer, metrics, listen);
  }

  /** {@code stage}, with its part of the work as a child span of the exchange (see {@link Phase}). */
  public Stage phase(Phase phase, Stage stage) {
    return new PhaseStage(stage, phase, tracer, metrics, config.minPhaseDuration());
  }

  /** The terminal stage, with forwarded calls as CLIENT spans and trace context sent upstream. */
  public Stage upstreamCalls(Stage terminal, Function<String, Optional<UpstreamConfig>> upstreams) {
    return new UpstreamCallStage(terminal, tracer, metrics, upstreams);
  }

  /**
   * {@code serverMessages} (the firewall for what upstreams send on their own), with a SERVER span
   * per request an upstream sends the gateway, a CLIENT child when it is relayed to the agent
   * (whose context goes to the agent in {@code params._meta}), and their duration measurements
   * (see {@link RelaySpans}). With tracing off no span is built and nothing is injected.
   */
  public dev.bastion.upstream.ServerMessages serverMessages(
      dev.bastion.upstream.ServerMessages serverMessages, Function<String, Optional<UpstreamConfig>> upstreams) {
    return new RelaySpans(serverMessages, tracer, tracerProvider != null, metrics, upstreams);
  }

  /** The gateway's listener for upstream notifications, counting them ({@code bastion.upstream.notifications}). */
  public dev.bastion.upstream.Upstream.Listener upstreamNotifications(dev.bastion.upstream.Upstream.Listener listener) {
    return UpstreamNotifications.counting(listener, metrics);
  }

  public boolean prometheusEnabled() {
    return prometheus != null;
  }

  public String prometheusContentType() {
    return textWriter.getContentType();
  }

  /** Writes every metric in the Prometheus text exposition format (version 0.0.4). */
  public void writePrometheus(OutputStream out) throws IOException {
    if (prometheus == null) {
      throw new IllegalStateException("Prometheus exposition is disabled (telemetry.metrics.prometheus: false)");
    }
    textWriter.write(out, prometheus.collect(), EscapingScheme.UNDERSCORE_ESCAPING);
  }

  /** Exports what is buffered (spans, metrics) and waits up to the timeout; for shutdown and tests. */
  public void flush(long timeout, TimeUnit unit) {
    if (tracerProvider != null) {
      tracerProvider.forceFlush().join(timeout, unit);
    }
    meterProvider.forceFlush().join(timeout, unit);
  }

  @Override
  public void close() {
    if (tracerProvider != null) {
      tracerProvider.shutdown().join(5, TimeUnit.SECONDS);
    }
    meterProvider.shutdown().join(5, TimeUnit.SECONDS);
    accessLog.close();
  }
}
