package dev.bastion.telemetry;

import dev.bastion.config.HostPort;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.mcp.ProtocolVersions;
import dev.bastion.mcp.WireErrors;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The exchange's SERVER span, named {@code {mcp.method.name} {target}} per the MCP semantic
 * conventions, and its {@code mcp.server.operation.duration} measurement. The span is current while
 * the rest of the pipeline runs, so phase spans and the upstream CLIENT span become its children.
 * Attributes are bounded: the target comes from the routed catalog entry (never from what the agent
 * typed), unknown method names are recorded as {@code _OTHER}, and no arguments or results are
 * recorded.
 */
final class ServerSpanStage implements Stage {
  static final Set<String> METHODS =
      Set.of(
          "initialize", "ping", "server/discover", "tools/list", "tools/call", "prompts/list", "prompts/get", "resources/list",
          "resources/templates/list", "resources/read", "resources/subscribe", "resources/unsubscribe", "completion/complete",
          "logging/setLevel", "subscriptions/listen", "notifications/initialized", "notifications/cancelled", "notifications/progress",
          "notifications/roots/list_changed");
  static final Set<ReasonCode> LIMITS = Set.of(ReasonCode.RATE_LIMITED, ReasonCode.PAYLOAD_TOO_LARGE, ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE);

  /** Protocol versions recorded as they are; anything else an agent sent is redacted and clipped. */
  static final Set<String> KNOWN_VERSIONS = Set.copyOf(java.util.stream.Stream.concat(ProtocolVersions.LEGACY.stream(), ProtocolVersions.STATELESS.stream()).toList());

  private final Tracer tracer;
  private final GatewayMetrics metrics;
  /** network.protocol.name, server.address and server.port: the same on every server span. */
  private final Attributes listener;
  private final AttributeCache<Measured, Named> measuredCache;

  /** What a measurement's attributes are made of; all bounded by the catalog but the protocol version. */
  record Measured(String method, String tool, String prompt, String protocolVersion, String errorType, Integer rpc) {
    Attributes attributes() {
      AttributesBuilder m = Attributes.builder().put(SemConv.MCP_METHOD_NAME, method).put(SemConv.NETWORK_TRANSPORT, "tcp");
      if (protocolVersion != null) {
        m.put(SemConv.MCP_PROTOCOL_VERSION, protocolVersion);
      }
      if (tool != null) {
        m.put(SemConv.GEN_AI_TOOL_NAME, tool).put(SemConv.GEN_AI_OPERATION_NAME, "execute_tool");
      } else if (prompt != null) {
        m.put(SemConv.GEN_AI_PROMPT_NAME, prompt);
      }
      if (errorType != null) {
        m.put(SemConv.ERROR_TYPE, errorType);
        if (rpc != null) {
          m.put(SemConv.RPC_RESPONSE_STATUS_CODE, Integer.toString(rpc));
        }
      }
      return m.build();
    }

    String spanName() {
      return tool != null ? method + " " + tool : prompt != null ? method + " " + prompt : method;
    }
  }

  /**
   * Built once per {@link Measured} combination: the span's name, the measurement's attributes, and
   * the span's attributes (the measurement's plus the listener's).
   */
  record Named(String spanName, Attributes measured, Attributes span) {}

  ServerSpanStage(Tracer tracer, GatewayMetrics metrics, HostPort listen) {
    this.tracer = tracer;
    this.metrics = metrics;
    this.listener =
        Attributes.of(SemConv.NETWORK_PROTOCOL_NAME, "http", SemConv.SERVER_ADDRESS, listen.host(), SemConv.SERVER_PORT, (long) listen.port());
    this.measuredCache =
        new AttributeCache<>(m -> {
          Attributes measured = m.attributes();
          return new Named(m.spanName(), measured, measured.toBuilder().putAll(listener).build());
        });
  }

  @Override
  public String name() {
    return "telemetry";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    long start = System.nanoTime();
    String method = METHODS.contains(exchange.method()) ? exchange.method() : "_OTHER";
    Span span =
        tracer.spanBuilder(method)
            .setSpanKind(SpanKind.SERVER)
            .setParent(TraceContext.extract(exchange.params()))
            .setAttribute(SemConv.MCP_METHOD_NAME, method)
            .startSpan();
    SpanContext sc = span.getSpanContext();
    AccessLogStage.TraceIds ids = AccessLogStage.CURRENT.isBound() ? AccessLogStage.CURRENT.get() : null;
    if (ids != null && sc.isValid()) {
      ids.traceId = sc.getTraceId();
      ids.spanId = span.isRecording() ? sc.getSpanId() : null;
    }
    Outcome outcome;
    try (Scope scope = span.makeCurrent()) {
      outcome = chain.proceed(exchange);
    } catch (RuntimeException | Error e) {
      span.setStatus(StatusCode.ERROR);
      span.setAttribute(SemConv.ERROR_TYPE, e.getClass().getName());
      span.end();
      throw e;
    }
    finish(span, exchange, method, outcome, System.nanoTime() - start);
    return outcome;
  }

  private void finish(Span span, Exchange exchange, String method, Outcome outcome, long tookNanos) {
    ExchangeLog log = exchange.log();
    Target target = log.target();
    String version = exchange.protocolVersion();
    String protocolVersion = version == null ? null : KNOWN_VERSIONS.contains(version) ? version : AccessLogStage.safe(version, 32);
    String tool = null;
    String prompt = null;
    if (method.equals("tools/call") && target.kind() == Target.Kind.TOOL) {
      tool = target.exposedName();
    } else if (method.equals("prompts/get") && target.kind() == Target.Kind.PROMPT) {
      prompt = target.exposedName();
    }
    String errorType = errorType(outcome, exchange.era());
    Integer rpc = errorType != null ? rpcCode(outcome, exchange.era()) : null;
    Named named = measuredCache.get(new Measured(method, tool, prompt, protocolVersion, errorType, rpc));
    metrics.serverOperation(tookNanos, named.measured());
    if (outcome instanceof Outcome.Failure f && LIMITS.contains(f.fault().code())) {
      metrics.limitRejected(f.fault().code().wireName());
    }
    for (dev.bastion.pipeline.Finding found : log.findings()) {
      metrics.finding(found.detector(), found.action());
    }
    if (!span.isRecording()) {
      span.end();
      return;
    }
    span.updateName(named.spanName());
    span.setAllAttributes(named.span());
    span.setAttribute(SemConv.ERA, era(exchange.era()));
    span.setAttribute(SemConv.EXCHANGE_ID, exchange.id());
    if (exchange.remoteAddress() != null) {
      span.setAttribute(SemConv.CLIENT_ADDRESS, exchange.remoteAddress());
    }
    if (log.principal().identified()) {
      span.setAttribute(SemConv.AGENT_ID, log.principal().agentId());
    }
    if (!target.server().isEmpty()) {
      span.setAttribute(SemConv.UPSTREAM, target.server());
      if (target.kind() == Target.Kind.RESOURCE) {
        span.setAttribute(SemConv.MCP_RESOURCE_URI, AccessLogStage.safe(target.exposedName(), 200));
      }
    }
    if (exchange.message() instanceof JsonRpcMessage.Request r) {
      span.setAttribute(SemConv.JSONRPC_REQUEST_ID, requestId(r.id()));
    }
    if (exchange.era() == Era.LEGACY) {
      String session = exchange.sessionId() != null ? exchange.sessionId() : log.createdSessionId();
      if (session != null) {
        span.setAttribute(SemConv.MCP_SESSION_ID, session);
      }
    }
    if (log.decision() != null) {
      span.setAttribute(SemConv.DECISION, PhaseStage.effect(log.decision()));
    }
    if (outcome instanceof Outcome.Failure f) {
      span.setAttribute(SemConv.REASON, f.fault().code().wireName());
      AttributesBuilder event = Attributes.builder().put(SemConv.REASON, f.fault().code().wireName());
      if (!f.fault().ruleIds().isEmpty()) {
        event.put(SemConv.RULE_IDS, f.fault().ruleIds());
      }
      span.addEvent("bastion.refused", event.build());
    }
    if (errorType != null) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /**
   * The JSON-RPC id as recorded: an integer's digits as they are (no credential has the shape of a
   * bare integer), anything else redacted and clipped like every other value an agent chose.
   */
  static String requestId(JsonNode id) {
    if (id.isIntegralNumber()) {
      String digits = id.canConvertToLong() ? Long.toString(id.longValue()) : id.bigIntegerValue().toString();
      return digits.length() <= 64 ? digits : AccessLogStage.safe(digits, 64);
    }
    return AccessLogStage.safe(id.isString() ? id.asString() : id.toString(), 64);
  }

  private static String era(Era era) {
    return switch (era) {
      case LEGACY -> "legacy";
      case STATELESS -> "stateless";
    };
  }

  /** The conventions' {@code error.type}: the reason code, the JSON-RPC code, or tool_error; null on success. */
  static String errorType(Outcome outcome, Era era) {
    return switch (outcome) {
      case Outcome.Failure f -> f.fault().code().wireName();
      case Outcome.UpstreamError u -> Integer.toString(u.code());
      case Outcome.Success s -> s.result() != null && s.result().path("isError").asBoolean(false) ? "tool_error" : null;
    };
  }

  private static Integer rpcCode(Outcome outcome, Era era) {
    return switch (outcome) {
      case Outcome.Failure f -> WireErrors.map(f.fault().code(), era).jsonRpcCode();
      case Outcome.UpstreamError u -> u.code();
      case Outcome.Success s -> null;
    };
  }
}
