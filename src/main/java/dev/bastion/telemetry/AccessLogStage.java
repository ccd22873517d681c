package dev.bastion.telemetry;

import dev.bastion.audit.ConservativeRedactor;
import dev.bastion.config.TelemetryConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import java.time.Instant;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

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
    String method = safe(exchange.method(), 64);
    String target = l.target().server().isEmpty() ? null : safe(l.target().exposedName(), 200);
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
    ObjectNode o = JsonRpcCodec.nodes().objectNode();
    o.put("ts", Instant.now().toString());
    o.put("logger", "bastion.access");
    o.put("exchange", exchange.id());
    if (ids.traceId != null) {
      o.put("trace_id", ids.traceId);
      o.put("span_id", ids.spanId);
    }
    o.put("agent", l.principal().agentId());
    o.put("era", exchange.era().name().toLowerCase(Locale.ROOT));
    o.put("method", method);
    if (target != null) {
      o.put("server", l.target().server());
      o.put("target", target);
    }
    if (decision != null) {
      o.put("decision", decision);
    }
    o.put("outcome", result);
    if (reason != null) {
      o.put("reason", reason);
    }
    if (code != null) {
      o.put("code", code);
    }
    if (!rules.isEmpty()) {
      rules.forEach(o.putArray("rules")::add);
    }
    if (l.upstreamLatency() != null) {
      o.put("upstream_ms", l.upstreamLatency().toNanos() / 1e6);
    }
    o.put("duration_ms", ms);
    return JSON.writeValueAsString(o);
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
