package dev.bastion.telemetry;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/**
 * Wraps the terminal stage: a call forwarded to an upstream becomes a CLIENT span (and an {@code
 * mcp.client.operation.duration} measurement), and its trace context is written into the forwarded
 * request's {@code params._meta} so that the upstream's own spans join the agent's trace. Methods
 * the gateway answers itself pass through untouched.
 */
final class UpstreamCallStage implements Stage {
  static final Set<String> FORWARDED = Set.of("tools/call", "prompts/get", "resources/read", "completion/complete");

  private final Stage terminal;
  private final Tracer tracer;
  private final GatewayMetrics metrics;
  private final Function<String, Optional<UpstreamConfig>> upstreams;
  private final AttributeCache<Call, Named> common = new AttributeCache<>(c -> new Named(c.spanName(), attributes(c)));

  /** A forwarded call's attributes: the span's and the measurement's (with the error type when it failed). */
  record Call(String method, String server, Target.Kind kind, String upstreamName, String errorType) {
    String spanName() {
      return upstreamName != null ? method + " " + upstreamName : method;
    }
  }

  /** Built once per {@link Call}: the CLIENT span's name and the attributes it shares with the measurement. */
  record Named(String spanName, Attributes attributes) {}

  private Attributes attributes(Call c) {
    AttributesBuilder attrs = Attributes.builder().put(SemConv.MCP_METHOD_NAME, c.method()).put(SemConv.UPSTREAM, c.server());
    if (c.kind() == Target.Kind.TOOL) {
      attrs.put(SemConv.GEN_AI_TOOL_NAME, c.upstreamName()).put(SemConv.GEN_AI_OPERATION_NAME, "execute_tool");
    } else if (c.kind() == Target.Kind.PROMPT) {
      attrs.put(SemConv.GEN_AI_PROMPT_NAME, c.upstreamName());
    }
    upstreams.apply(c.server()).ifPresent(u -> transport(u, attrs));
    if (c.errorType() != null) {
      attrs.put(SemConv.ERROR_TYPE, c.errorType());
    }
    return attrs.build();
  }

  UpstreamCallStage(Stage terminal, Tracer tracer, GatewayMetrics metrics, Function<String, Optional<UpstreamConfig>> upstreams) {
    this.terminal = terminal;
    this.tracer = tracer;
    this.metrics = metrics;
    this.upstreams = upstreams;
  }

  @Override
  public String name() {
    return terminal.name();
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    Target target = exchange.target();
    if (!(exchange.message() instanceof JsonRpcMessage.Request request) || target.kind() == Target.Kind.GATEWAY || !FORWARDED.contains(request.method())) {
      return terminal.handle(exchange, chain);
    }
    String method = request.method();
    boolean named = target.kind() == Target.Kind.TOOL || target.kind() == Target.Kind.PROMPT;
    String name = named ? target.upstreamName() : null; // a resource's URI is the span's attribute, not the metric's
    Named call = this.common.get(new Call(method, target.server(), target.kind(), name, null));
    Span span = tracer.spanBuilder(call.spanName()).setSpanKind(SpanKind.CLIENT).setAllAttributes(call.attributes()).startSpan();
    if (target.kind() == Target.Kind.RESOURCE) {
      span.setAttribute(SemConv.MCP_RESOURCE_URI, AccessLogStage.safe(target.upstreamName(), 200));
    }
    Context withSpan = Context.current().with(span);
    JsonRpcMessage.Request traced = new JsonRpcMessage.Request(request.id(), method, TraceContext.inject(request.params(), withSpan));
    // progress reaches the agent only for a progress token it sent: only then is the call's sink wrapped to count it
    UpstreamNotifications.Progress progress =
        request.params() != null && request.params().get("_meta") instanceof ObjectNode meta && meta.has("progressToken")
            ? new UpstreamNotifications.Progress(exchange.sink(), metrics, target.server()) : null;
    Exchange forwarded = progress == null ? exchange.withMessage(traced) : exchange.withMessage(traced).withSink(progress);
    long start = System.nanoTime();
    Outcome outcome;
    try {
      outcome = terminal.handle(forwarded, chain);
    } catch (RuntimeException | Error e) {
      span.setStatus(StatusCode.ERROR);
      span.setAttribute(SemConv.ERROR_TYPE, e.getClass().getName());
      span.end();
      throw e;
    }
    if (progress != null && progress.relayed() > 0 && span.isRecording()) {
      span.setAttribute(SemConv.PROGRESS_RELAYED, progress.relayed());
    }
    String errorType = ServerSpanStage.errorType(outcome, exchange.era());
    Attributes measured = call.attributes(); // a successful call is measured with the span's attributes as they are
    if (errorType != null) {
      span.setStatus(StatusCode.ERROR);
      span.setAttribute(SemConv.ERROR_TYPE, errorType);
      measured = this.common.get(new Call(method, target.server(), target.kind(), name, errorType)).attributes();
    }
    span.end();
    Duration latency = exchange.log().upstreamLatency();
    metrics.clientOperation(latency != null ? latency.toNanos() : System.nanoTime() - start, measured);
    return outcome;
  }

  static void transport(UpstreamConfig config, AttributesBuilder attrs) {
    switch (config) {
      case UpstreamConfig.Http h -> {
        int port = h.url().getPort() != -1 ? h.url().getPort() : "https".equalsIgnoreCase(h.url().getScheme()) ? 443 : 80;
        attrs.put(SemConv.NETWORK_TRANSPORT, "tcp").put(SemConv.NETWORK_PROTOCOL_NAME, "http");
        if (h.url().getHost() != null) {
          attrs.put(SemConv.SERVER_ADDRESS, h.url().getHost());
        }
        attrs.put(SemConv.SERVER_PORT, (long) port);
      }
      case UpstreamConfig.Stdio s -> attrs.put(SemConv.NETWORK_TRANSPORT, "pipe");
      case UpstreamConfig.Builtin b -> attrs.put(SemConv.NETWORK_TRANSPORT, "pipe");
    }
  }
}
