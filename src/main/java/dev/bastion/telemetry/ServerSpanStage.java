package dev.bastion.telemetry;

import dev.bastion.config.HostPort;
import dev.bastion.jsonrpc.JsonRpcMessage;
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
import java.time.Duration;
import java.util.Locale;
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

  private final Tracer tracer;
  private final GatewayMetrics metrics;
  private final HostPort listen;
  private final AttributeCache<Measured> measuredCache = new AttributeCache<>(Measured::attributes);

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
  }

  ServerSpanStage(Tracer tracer, GatewayMetrics metrics, HostPort listen) {
    this.tracer = tracer;
    this.metrics = metrics;
    this.listen = listen;
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
    finish(span, exchange, method, outcome, Duration.ofNanos(System.nanoTime() - start));
    return outcome;
  }

  private void finish(Span span, Exchange exchange, String method, Outcome outcome, Duration took) {
    ExchangeLog log = exchange.log();
    Target target = log.target();
    String protocolVersion = exchange.protocolVersion() != null ? AccessLogStage.safe(exchange.protocolVersion(), 32) : null;
    String spanName = method;
    String tool = null;
    String prompt = null;
    if (method.equals("tools/call") && target.kind() == Target.Kind.TOOL) {
      tool = target.exposedName();
      spanName = method + " " + tool;
    } else if (method.equals("prompts/get") && target.kind() == Target.Kind.PROMPT) {
      prompt = target.exposedName();
      spanName = method + " " + prompt;
    }
    String errorType = errorType(outcome, exchange.era());
    Integer rpc = errorType != null ? rpcCode(outcome, exchange.era()) : null;
    Attributes measured = measuredCache.get(new Measured(method, tool, prompt, protocolVersion, errorType, rpc));
    metrics.serverOperation(took, measured);
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
    span.updateName(spanName);
    span.setAllAttributes(measured);
    span.setAttribute(SemConv.NETWORK_PROTOCOL_NAME, "http");
    span.setAttribute(SemConv.ERA, exchange.era().name().toLowerCase(Locale.ROOT));
    span.setAttribute(SemConv.EXCHANGE_ID, exchange.id());
    span.setAttribute(SemConv.SERVER_ADDRESS, listen.host());
    span.setAttribute(SemConv.SERVER_PORT, (long) listen.port());
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
      JsonNode id = r.id();
      span.setAttribute(SemConv.JSONRPC_REQUEST_ID, AccessLogStage.safe(id.isString() ? id.asString() : id.toString(), 64));
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
