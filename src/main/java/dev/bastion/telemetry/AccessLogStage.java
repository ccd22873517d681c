package dev.bastion.telemetry;

import dev.bastion.audit.ConservativeRedactor;
import dev.bastion.config.TelemetryConfig;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes one access line per exchange, after everything else has run (so it sees audit failures
 * too), carrying the trace and span ids the telemetry stage assigned. It logs who, what and how it
 * ended — never arguments, results or credentials; the method name and target (which an agent can
 * shape) are clipped and passed through the audit redactor.
 */
final class AccessLogStage implements Stage {
  /** Filled in by the telemetry stage so the access line can name the exchange's trace. */
  static final class TraceIds {
    String traceId;
    String spanId;
  }

  static final ScopedValue<TraceIds> CURRENT = ScopedValue.newInstance();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /**
   * The safe form of method names and targets already seen (a gateway sees a handful of each, and
   * redacting them runs the credential patterns): bounded, and once full new names are just
   * computed. Redaction depends only on the text, so a cached form is the one it would compute.
   */
  private static final Map<String, String> SAFE_METHODS = new ConcurrentHashMap<>();
  private static final Map<String, String> SAFE_TARGETS = new ConcurrentHashMap<>();
  static final int SAFE_CACHE_ENTRIES = 1024;

  private final AccessLog log;

  AccessLogStage(AccessLog log) {
    this.log = log;
  }

  @Override
  public String name() {
    return "access-log";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    long start = System.nanoTime();
    TraceIds ids = new TraceIds();
    Outcome outcome = ScopedValue.where(CURRENT, ids).call(() -> chain.proceed(exchange));
    log.offer(line(exchange, outcome, ids, System.nanoTime() - start));
    return outcome;
  }

  String line(Exchange exchange, Outcome outcome, TraceIds ids, long nanos) {
    ExchangeLog l = exchange.log();
    String method = safeCached(SAFE_METHODS, exchange.method(), 64);
    String target = l.target().server().isEmpty() ? null : safeCached(SAFE_TARGETS, l.target().exposedName(), 200);
    String decision =
        l.decision() == null
            ? null
            : switch (l.decision()) {
              case Decision.Allow a -> "allow";
              case Decision.Deny d -> "deny";
              case Decision.Ask a -> "ask";
            };
    String result;
    String reason = null;
    Integer code = null;
    switch (outcome) {
      case Outcome.Success s -> result = "ok";
      case Outcome.UpstreamError u -> {
        result = "upstream_error";
        code = u.code();
      }
      case Outcome.Failure f -> {
        result = "denied";
        reason = f.fault().code().wireName();
      }
    }
    java.util.List<String> rules = l.decision() == null ? java.util.List.of() : l.decision().ruleIds();
    double ms = nanos / 1e6;
    if (log.format() == TelemetryConfig.LogFormat.TEXT) {
      StringBuilder b = new StringBuilder(160);
      b.append(Instant.now()).append(" access ").append(l.principal().agentId().isEmpty() ? "-" : l.principal().agentId()).append(' ').append(method);
      if (target != null) {
        b.append(' ').append(target);
      }
      if (decision != null) {
        b.append(' ').append(decision);
      }
      b.append(' ').append(result);
      if (reason != null) {
        b.append(" (").append(reason).append(')');
      }
      if (code != null) {
        b.append(" (").append(code).append(')');
      }
      if (!rules.isEmpty()) {
        b.append(" rules=").append(String.join(",", rules));
      }
      b.append(' ').append(String.format(Locale.ROOT, "%.1fms", ms));
      if (ids.traceId != null) {
        b.append(" trace=").append(ids.traceId);
      }
      return b.toString();
    }
    // streamed straight to text (no tree): the same fields in the same order as before
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringProperty("ts", Instant.now().toString());
      g.writeStringProperty("logger", "bastion.access");
      g.writeStringProperty("exchange", exchange.id());
      if (ids.traceId != null) {
        g.writeStringProperty("trace_id", ids.traceId);
        g.writeStringProperty("span_id", ids.spanId);
      }
      g.writeStringProperty("agent", l.principal().agentId());
      g.writeStringProperty("era", switch (exchange.era()) {
        case LEGACY -> "legacy";
        case STATELESS -> "stateless";
      });
      g.writeStringProperty("method", method);
      if (target != null) {
        g.writeStringProperty("server", l.target().server());
        g.writeStringProperty("target", target);
      }
      if (decision != null) {
        g.writeStringProperty("decision", decision);
      }
      g.writeStringProperty("outcome", result);
      if (reason != null) {
        g.writeStringProperty("reason", reason);
      }
      if (code != null) {
        g.writeNumberProperty("code", code.intValue());
      }
      if (!rules.isEmpty()) {
        g.writeArrayPropertyStart("rules");
        for (String r : rules) {
          g.writeString(r);
        }
        g.writeEndArray();
      }
      if (l.upstreamLatency() != null) {
        g.writeNumberProperty("upstream_ms", l.upstreamLatency().toNanos() / 1e6);
      }
      g.writeNumberProperty("duration_ms", ms);
      g.writeEndObject();
    }
    return out.toString();
  }

  /** {@link #safe} through the bounded cache of names already seen. */
  private static String safeCached(Map<String, String> cache, String s, int max) {
    if (s.length() > 256) {
      return safe(s, max);
    }
    String cached = cache.get(s);
    if (cached != null) {
      return cached;
    }
    String computed = safe(s, max);
    if (cache.size() < SAFE_CACHE_ENTRIES) {
      cache.putIfAbsent(s, computed);
    }
    return computed;
  }

  /** Agent-shaped text made safe for a log: credential-shaped spans redacted, clipped, one line. */
  static String safe(String s, int max) {
    String r = ConservativeRedactor.redactValue(s.length() > 4 * max ? s.substring(0, 4 * max) : s);
    StringBuilder b = new StringBuilder(Math.min(r.length(), max + 1));
    for (int i = 0; i < r.length() && b.length() < max; i++) {
      char c = r.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    if (r.length() > max) {
      b.append('…');
    }
    return b.toString();
  }
}
