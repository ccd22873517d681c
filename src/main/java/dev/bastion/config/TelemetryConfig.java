package dev.bastion.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What the gateway reports about itself: traces, metrics and logs.
 *
 * @param serviceName the {@code service.name} resource attribute on every span and metric
 * @param traces where spans are exported; null = tracing off (the default)
 * @param prometheus serve Prometheus text format at {@code /metrics} on the admin listener
 * @param metrics where metrics are pushed over OTLP; null = no push (the default)
 * @param metricsInterval how often metrics are pushed when {@code metrics} is set
 * @param logFormat how the access log and gateway messages are written to standard error
 * @param sampleRatio the share of new traces (from 0 to 1) the gateway records when the agent sent
 *     no trace context; a request that carries one follows the agent's sampled flag (parent-based)
 * @param minPhaseDuration a phase (identify, policy, inspection, audit) gets its own child span
 *     when it took at least this long, or when it refused; zero records every phase
 */
public record TelemetryConfig(
    String serviceName,
    Otlp traces,
    boolean prometheus,
    Otlp metrics,
    Duration metricsInterval,
    LogFormat logFormat,
    double sampleRatio,
    Duration minPhaseDuration) {

  public static final Duration DEFAULT_MIN_PHASE_DURATION = Duration.ofMillis(1);
  public static final TelemetryConfig DEFAULT =
      new TelemetryConfig("bastion", null, true, null, Duration.ofSeconds(60), LogFormat.JSON, 1.0, DEFAULT_MIN_PHASE_DURATION);

  public TelemetryConfig {
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(metricsInterval, "metricsInterval");
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(minPhaseDuration, "minPhaseDuration");
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("sampleRatio must be from 0 to 1: " + sampleRatio);
    }
  }

  /** Every new trace recorded, phases under the default duration without a span of their own. */
  public TelemetryConfig(String serviceName, Otlp traces, boolean prometheus, Otlp metrics, Duration metricsInterval, LogFormat logFormat) {
    this(serviceName, traces, prometheus, metrics, metricsInterval, logFormat, 1.0, DEFAULT_MIN_PHASE_DURATION);
  }

  public boolean tracing() {
    return traces != null;
  }

  /**
   * An OTLP destination.
   *
   * @param endpoint for HTTP/protobuf the full signal URL, e.g. {@code
   *     http://127.0.0.1:4318/v1/traces}; for gRPC the collector's address, e.g. {@code
   *     http://127.0.0.1:4317}
   * @param headers sent with every export (e.g. an API key); never logged
   * @param protocol how exports are sent
   */
  public record Otlp(URI endpoint, Map<String, Secret> headers, Protocol protocol) {
    public Otlp {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(protocol, "protocol");
      headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
    }

    /** An OTLP/HTTP (protobuf) destination. */
    public Otlp(URI endpoint, Map<String, Secret> headers) {
      this(endpoint, headers, Protocol.HTTP_PROTOBUF);
    }
  }

  /** The OTLP transports (the specification's {@code OTEL_EXPORTER_OTLP_PROTOCOL} values). */
  public enum Protocol {
    /** {@code http/protobuf}: sent with the JDK's HttpClient; collectors listen on port 4318. */
    HTTP_PROTOBUF,
    /** {@code grpc}: unary gRPC calls over HTTP/2 (Helidon's client); collectors listen on port 4317. */
    GRPC
  }

  public enum LogFormat {
    /** One JSON object per line: for log shippers. */
    JSON,
    /** Human-readable lines: for {@code bastion demo} and terminals. */
    TEXT
  }
}
