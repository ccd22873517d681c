package dev.bastion.config;

import dev.bastion.config.Interpolation.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** The {@code telemetry:} section: traces, metrics and the log format. */
final class TelemetryBinding extends ValueBinder {
  static final List<String> TELEMETRY_KEYS = List.of("service_name", "traces", "metrics", "logs");
  static final List<String> TRACES_KEYS = List.of("otlp", "sample_ratio", "min_phase_duration");
  static final List<String> METRICS_KEYS = List.of("prometheus", "otlp", "interval");
  static final List<String> LOGS_KEYS = List.of("format");
  static final List<String> OTLP_KEYS = List.of("endpoint", "protocol", "headers");

  TelemetryBinding(Path baseDir, Function<String, String> env, Errors errors) {
    super(baseDir, env, errors);
  }

  TelemetryConfig telemetry(Fields root) {
    Fields f = section(root, "telemetry", TELEMETRY_KEYS);
    if (f == null) {
      return null;
    }
    TelemetryConfig d = TelemetryConfig.DEFAULT;
    String serviceName = d.serviceName();
    if (f.has("service_name")) {
      Text t = text(f.value("service_name"), f.path("service_name"), "a service name");
      serviceName = null;
      if (t != null) {
        if (t.value().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
          serviceName = t.value();
        } else {
          errors.add(f.path("service_name"), f.value("service_name"),
              "expected a service name of letters, digits, '_', '.' and '-' (at most 64); got " + show(t));
        }
      }
    }
    Fields traces = section(f, "traces", TRACES_KEYS);
    TelemetryConfig.Otlp traceExport = traces == null ? null : otlp(traces, "/v1/traces");
    Double sampleRatio = traces == null ? null : ratio(traces, "sample_ratio", d.sampleRatio());
    Duration minPhase = traces == null ? null : minPhaseDuration(traces, d.minPhaseDuration());
    Fields metrics = section(f, "metrics", METRICS_KEYS);
    Boolean prometheus = metrics == null ? null : bool(metrics, "prometheus", d.prometheus());
    TelemetryConfig.Otlp metricExport = metrics == null ? null : otlp(metrics, "/v1/metrics");
    Duration interval = metrics == null ? null : duration(metrics, "interval", d.metricsInterval());
    Fields logs = section(f, "logs", LOGS_KEYS);
    TelemetryConfig.LogFormat format = logs == null ? null
        : logs.has("format") ? choice(logs.value("format"), logs.path("format"), TelemetryConfig.LogFormat.class, "json", "text")
        : d.logFormat();
    boolean tracesBad = traces == null || (traces.has("otlp") && traceExport == null);
    boolean metricsBad = metrics == null || (metrics.has("otlp") && metricExport == null);
    if (serviceName == null || tracesBad || metricsBad || prometheus == null || interval == null || format == null || sampleRatio == null || minPhase == null) {
      return null;
    }
    return new TelemetryConfig(serviceName, traceExport, prometheus, metricExport, interval, format, sampleRatio, minPhase);
  }

  /** A duration, where (unlike most durations) zero is allowed: every phase gets its span. */
  private Duration minPhaseDuration(Fields f, Duration fallback) {
    if (f.has("min_phase_duration") && kindOf(f.value("min_phase_duration")) == Kind.TEXT
        && ((ScalarNode) f.value("min_phase_duration")).getValue().matches("0+(ms|s|m|h)")) {
      return Duration.ZERO;
    }
    return duration(f, "min_phase_duration", fallback);
  }

  /** A number from 0 to 1 (e.g. {@code 0.1}, {@code 1}); null when invalid (recorded). */
  private Double ratio(Fields f, String key, double fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Node node = f.value(key);
    String p = f.path(key);
    String expected = "a number from 0 to 1 (the share of new traces recorded, e.g. 0.1)";
    String text;
    String shown;
    Kind k = kindOf(node);
    if (k == Kind.INT || k == Kind.FLOAT) {
      text = ((ScalarNode) node).getValue();
      shown = text;
    } else if (k == Kind.TEXT && ((ScalarNode) node).getValue().contains("${")) {
      Text t = text(node, p, expected);
      if (t == null) {
        return null;
      }
      text = t.value();
      shown = show(t);
    } else {
      errors.add(p, node, "expected " + expected + "; got " + kind(node));
      return null;
    }
    if (!text.matches("\\+?[0-9]{1,3}(\\.[0-9]{0,12})?|\\+?\\.[0-9]{1,12}")) {
      errors.add(p, node, "expected " + expected + "; got " + shown);
      return null;
    }
    double v = Double.parseDouble(text);
    if (v > 1) {
      errors.add(p, node, "expected " + expected + "; got " + shown);
      return null;
    }
    return v;
  }

  /** An optional {@code otlp:} block; null when absent (or recorded when invalid). */
  private TelemetryConfig.Otlp otlp(Fields parent, String signalPath) {
    if (!parent.has("otlp") || isNull(parent.value("otlp"))) {
      return null;
    }
    Fields f = fields(parent.value("otlp"), parent.path("otlp"), OTLP_KEYS, "a mapping with keys " + String.join(", ", OTLP_KEYS));
    if (f == null) {
      return null;
    }
    if (!f.has("endpoint")) {
      errors.add(parent.path("otlp"), parent.value("otlp"),
          "missing required key endpoint; expected the collector's URL, e.g. http://127.0.0.1:4318 (http/protobuf) or http://127.0.0.1:4317 (grpc)");
      return null;
    }
    String url = httpUrl(f.value("endpoint"), f.path("endpoint"));
    boolean ok = url != null;
    TelemetryConfig.Protocol protocol = TelemetryConfig.Protocol.HTTP_PROTOBUF;
    if (f.has("protocol")) {
      Text t = text(f.value("protocol"), f.path("protocol"), "http/protobuf or grpc");
      if (t == null) {
        ok = false;
      } else if (t.value().equals("grpc")) {
        protocol = TelemetryConfig.Protocol.GRPC;
      } else if (!t.value().equals("http/protobuf")) {
        errors.add(f.path("protocol"), f.value("protocol"), "expected http/protobuf or grpc; got " + show(t));
        ok = false;
      }
    }
    Map<String, Secret> headers = secrets(f, "headers", HEADER_NAME, "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
    if (!ok || headers == null) {
      return null;
    }
    URI endpoint = URI.create(url);
    boolean noPath = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() || endpoint.getRawPath().equals("/");
    if (protocol == TelemetryConfig.Protocol.GRPC) {
      if (!noPath || endpoint.getRawQuery() != null) {
        errors.add(f.path("endpoint"), f.value("endpoint"),
            "a gRPC endpoint is the collector's address without a path or query, e.g. http://127.0.0.1:4317; got " + url);
        return null;
      }
      return new TelemetryConfig.Otlp(URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority()), headers, protocol);
    }
    if (noPath) {
      endpoint = endpoint.resolve(signalPath);
    }
    return new TelemetryConfig.Otlp(endpoint, headers, protocol);
  }
}
