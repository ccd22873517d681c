package dev.bastion.telemetry;

import dev.bastion.audit.ConservativeRedactor;
import dev.bastion.config.TelemetryConfig;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.io.JsonStringEncoder;

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
  private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();
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
      Timestamps.append(b, Instant.now());
      b.append(" access ").append(l.principal().agentId().isEmpty() ? "-" : l.principal().agentId()).append(' ').append(method);
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
    Double upstreamMs = l.upstreamLatency() == null ? null : l.upstreamLatency().toNanos() / 1e6;
    String era = switch (exchange.era()) {
      case LEGACY -> "legacy";
      case STATELESS -> "stateless";
    };
    return json(new JsonFields(Instant.now(), exchange.id(), ids.traceId, ids.spanId, l.principal().agentId(), era, method,
        target == null ? null : l.target().server(), target, decision, result, reason, code, rules, upstreamMs, ms));
  }

  /** The values of one JSON access line; a null one is left out (server with target, span_id with trace_id). */
  record JsonFields(
      Instant ts, String exchange, String traceId, String spanId, String agent, String era, String method, String server,
      String target, String decision, String outcome, String reason, Integer code, java.util.List<String> rules,
      Double upstreamMs, double durationMs) {}

  /**
   * One JSON access line, built straight into one StringBuilder: the fields in a fixed order, strings
   * escaped by Jackson's own encoder and numbers as Jackson's generator writes them (the generator
   * this replaced; AccessLineEquivalenceTest pins the two to the same text).
   */
  static String json(JsonFields f) {
    // a forwarded call's line with trace ids is ~330 characters: room for it without a regrowth
    StringBuilder b = new StringBuilder(512);
    b.append("{\"ts\":\"");
    Timestamps.append(b, f.ts());
    b.append("\",\"logger\":\"bastion.access\"");
    string(b, "exchange", f.exchange());
    if (f.traceId() != null) {
      string(b, "trace_id", f.traceId());
      string(b, "span_id", f.spanId());
    }
    string(b, "agent", f.agent());
    string(b, "era", f.era());
    string(b, "method", f.method());
    if (f.target() != null) {
      string(b, "server", f.server());
      string(b, "target", f.target());
    }
    if (f.decision() != null) {
      string(b, "decision", f.decision());
    }
    string(b, "outcome", f.outcome());
    if (f.reason() != null) {
      string(b, "reason", f.reason());
    }
    if (f.code() != null) {
      b.append(",\"code\":").append(f.code().intValue());
    }
    if (!f.rules().isEmpty()) {
      b.append(",\"rules\":[");
      for (int i = 0; i < f.rules().size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        quoted(b, f.rules().get(i));
      }
      b.append(']');
    }
    if (f.upstreamMs() != null) {
      b.append(",\"upstream_ms\":").append(f.upstreamMs().doubleValue());
    }
    b.append(",\"duration_ms\":").append(f.durationMs()).append('}');
    return b.toString();
  }

  /** {@code ,"name":"value"} (a null value as {@code null}, as a generator writes it). */
  private static void string(StringBuilder b, String name, String value) {
    b.append(",\"").append(name).append("\":");
    if (value == null) {
      b.append("null");
    } else {
      quoted(b, value);
    }
  }

  private static void quoted(StringBuilder b, String value) {
    b.append('"');
    ESCAPER.quoteAsString(value, b);
    b.append('"');
  }

  /**
   * {@link Instant#toString()} without the formatter on every line: the text up to the second is
   * kept for the current second, the fraction appended as ISO_INSTANT prints it (none, or 3, 6 or 9
   * digits).
   */
  static final class Timestamps {
    private record Second(long epochSecond, String prefix) {}

    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    static void append(StringBuilder b, Instant t) {
      Second s = last;
      if (s.epochSecond() != t.getEpochSecond()) {
        String whole = Instant.ofEpochSecond(t.getEpochSecond()).toString(); // "...:ssZ"
        s = new Second(t.getEpochSecond(), whole.substring(0, whole.length() - 1));
        last = s;
      }
      b.append(s.prefix());
      int nano = t.getNano();
      if (nano != 0) {
        b.append('.');
        if (nano % 1_000_000 == 0) {
          digits(b, nano / 1_000_000, 3);
        } else if (nano % 1_000 == 0) {
          digits(b, nano / 1_000, 6);
        } else {
          digits(b, nano, 9);
        }
      }
      b.append('Z');
    }

    private static void digits(StringBuilder b, int value, int width) {
      String v = Integer.toString(value);
      for (int i = v.length(); i < width; i++) {
        b.append('0');
      }
      b.append(v);
    }

    private Timestamps() {}
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
