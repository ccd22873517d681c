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
 */
public record TelemetryConfig(String serviceName, Otlp traces, boolean prometheus, Otlp metrics, Duration metricsInterval, LogFormat logFormat) {

  public static final TelemetryConfig DEFAULT = new TelemetryConfig("bastion", null, true, null, Duration.ofSeconds(60), LogFormat.JSON);

  public TelemetryConfig {
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(metricsInterval, "metricsInterval");
    Objects.requireNonNull(logFormat, "logFormat");
  }

  public boolean tracing() {
    return traces != null;
  }

  /**
   * An OTLP destination. Only HTTP/protobuf is offered: it is sent with the JDK's HttpClient, so
   * no okhttp or gRPC stack is shipped; every collector accepts it (port 4318 by convention).
   *
   * @param endpoint the full signal URL, e.g. {@code http://127.0.0.1:4318/v1/traces}
   * @param headers sent with every export (e.g. an API key); never logged
   */
  public record Otlp(URI endpoint, Map<String, Secret> headers) {
    public Otlp {
      Objects.requireNonNull(endpoint, "endpoint");
      headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
    }
  }

  public enum LogFormat {
    /** One JSON object per line: for log shippers. */
    JSON,
    /** Human-readable lines: for {@code bastion demo} and terminals. */
    TEXT
  }
}
