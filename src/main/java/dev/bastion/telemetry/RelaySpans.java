package dev.bastion.telemetry;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodes;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.upstream.ClientRelay;
import dev.bastion.upstream.ServerMessages;
import dev.bastion.upstream.UpstreamException;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The other direction: requests an upstream sends to the gateway as its client ({@code
 * sampling/createMessage}, {@code elicitation/create}, {@code roots/list}, {@code ping}), wrapped
 * around the gateway's {@link ServerMessages} (the firewall). Per the MCP conventions, where the
 * server initiates, the receiving client reports a SERVER span and the sender a CLIENT span: the
 * gateway receives the request from the upstream (a SERVER span, {@code mcp.server.operation.duration})
 * and, when it relays it, sends it on to the agent (a CLIENT child, {@code
 * mcp.client.operation.duration}), whose context goes to the agent in the relayed request's {@code
 * params._meta.traceparent}.
 *
 * <p>Parent: the upstream's own {@code params._meta.traceparent} when valid, else the context of the
 * gateway call the request arrived during ({@link ClientRelay#traceContext()}: what that call carried
 * upstream), else none (a request on a GET stream or between calls starts a trace).
 *
 * <p>Bounded and content-free: names and {@code mcp.method.name} are the four methods or {@code
 * _OTHER}; no params, messages or answers are recorded. With tracing off no span is built and the
 * relayed request is passed on as the firewall made it; the measurements are recorded either way.
 */
final class RelaySpans implements ServerMessages {
  static final Set<String> METHODS = Set.of("sampling/createMessage", "elicitation/create", "roots/list", "ping");

  private final ServerMessages inner;
  private final Tracer tracer;
  private final boolean tracing;
  private final GatewayMetrics metrics;
  private final Function<String, Optional<UpstreamConfig>> upstreams;
  private final AttributeCache<Key, Attributes> received = new AttributeCache<>(k -> attributes(k, false));
  private final AttributeCache<Key, Attributes> sent = new AttributeCache<>(k -> attributes(k, true));

  /** What a span's and a measurement's attributes are made of: all bounded. */
  record Key(String method, String server, String errorType, Integer rpc) {}

  RelaySpans(ServerMessages inner, Tracer tracer, boolean tracing, GatewayMetrics metrics, Function<String, Optional<UpstreamConfig>> upstreams) {
    this.inner = inner;
    this.tracer = tracer;
    this.tracing = tracing;
    this.metrics = metrics;
    this.upstreams = upstreams;
  }

  private Attributes attributes(Key k, boolean toAgent) {
    AttributesBuilder attrs = Attributes.builder().put(SemConv.MCP_METHOD_NAME, k.method()).put(SemConv.UPSTREAM, k.server());
    if (toAgent) {
      // sent on the agent's event stream: the agent listener's transport
      attrs.put(SemConv.NETWORK_TRANSPORT, "tcp").put(SemConv.NETWORK_PROTOCOL_NAME, "http");
    } else {
      // received from the upstream: its transport (and address, for HTTP)
      upstreams.apply(k.server()).ifPresent(u -> UpstreamCallStage.transport(u, attrs));
    }
    if (k.errorType() != null) {
      attrs.put(SemConv.ERROR_TYPE, k.errorType());
      if (k.rpc() != null) {
        attrs.put(SemConv.RPC_RESPONSE_STATUS_CODE, Integer.toString(k.rpc()));
      }
    }
    return attrs.build();
  }

  static String method(String method) {
    return METHODS.contains(method) ? method : "_OTHER";
  }

  @Override
  public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during) {
    return handle(server, request, during, null, null, false);
  }

  @Override
  public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during, ClientRelay relay, Duration timeout) {
    return handle(server, request, during, relay, timeout, true);
  }

  @Override
  public void onDropped(String server, String kind, String what) {
    inner.onDropped(server, kind, what);
  }

  @Override
  public ObjectNode clientCapabilities() {
    return inner.clientCapabilities();
  }

  private JsonRpcMessage.Response handle(
      String server, JsonRpcMessage.Request request, String during, ClientRelay relay, Duration timeout, boolean withRelay) {
    long start = System.nanoTime();
    String method = method(request.method());
    Span span = tracing ? startReceived(server, request, method, during, relay) : Span.getInvalid();
    Relay traced = relay == null ? null : new Relay(relay, span);
    JsonRpcMessage.Response answer;
    try {
      answer = withRelay ? inner.onRequest(server, request, during, traced, timeout) : inner.onRequest(server, request, during);
    } catch (RuntimeException | Error e) {
      span.setStatus(StatusCode.ERROR);
      span.setAttribute(SemConv.ERROR_TYPE, e.getClass().getName());
      span.end();
      throw e;
    }
    JsonRpcMessage.ErrorObject error = answer == null ? null : answer.error();
    ReasonCode reason = null;
    String errorType = null;
    Integer rpc = null;
    if (error != null) {
      rpc = error.code();
      if (traced != null && traced.failure != null) {
        reason = traced.failure; // the agent could not be reached or did not answer in time
      } else if (traced == null || !traced.agentError) {
        reason = refusal(error, traced != null && traced.answered);
      }
      errorType = reason != null ? reason.wireName() : Integer.toString(error.code());
    }
    Key key = new Key(method, server, errorType, rpc);
    metrics.serverOperation(System.nanoTime() - start, received.get(key));
    if (span.isRecording()) {
      if (errorType != null) {
        span.setAttribute(SemConv.ERROR_TYPE, errorType);
        span.setAttribute(SemConv.RPC_RESPONSE_STATUS_CODE, Integer.toString(rpc));
        span.setStatus(StatusCode.ERROR);
      }
      if (reason != null) {
        span.setAttribute(SemConv.REASON, reason.wireName());
        span.addEvent("bastion.refused", Attributes.of(SemConv.REASON, reason.wireName()));
      }
    }
    span.end();
    return answer;
  }

  private Span startReceived(String server, JsonRpcMessage.Request request, String method, String during, ClientRelay relay) {
    Context parent = TraceContext.fromMeta(request.params());
    if (parent == null && relay != null) {
      parent = TraceContext.fromCarrier(relay.traceContext());
    }
    Span span =
        tracer.spanBuilder(method)
            .setSpanKind(SpanKind.SERVER)
            .setParent(parent != null ? parent : Context.root())
            .setAllAttributes(received.get(new Key(method, server, null, null)))
            .startSpan();
    if (span.isRecording()) {
      if (request.id() != null && !request.id().isNull()) {
        span.setAttribute(SemConv.JSONRPC_REQUEST_ID, ServerSpanStage.requestId(request.id()));
      }
      if (during != null) {
        span.setAttribute(SemConv.DURING, ServerSpanStage.METHODS.contains(during) ? during : "_OTHER");
      }
    }
    return span;
  }

  /**
   * Why the gateway itself answered the upstream with an error: the reason its firewall put in the
   * error's data, else the one its code stands for. {@code afterAnswer}: the agent had answered, so
   * the gateway refused the answer (blocked, or not the result the method asks for).
   */
  static ReasonCode refusal(JsonRpcMessage.ErrorObject error, boolean afterAnswer) {
    JsonNode data = error.data();
    if (data != null && data.path("reason").isString()) {
      String wire = data.path("reason").asString();
      for (ReasonCode code : ReasonCode.values()) {
        if (code.wireName().equals(wire)) {
          return code;
        }
      }
    }
    return switch (error.code()) {
      case JsonRpcCodes.GATEWAY_DENIED -> ReasonCode.REQUEST_BLOCKED;
      case JsonRpcCodes.METHOD_NOT_FOUND -> ReasonCode.METHOD_NOT_FOUND;
      case JsonRpcCodes.INVALID_PARAMS -> ReasonCode.INVALID_PARAMS;
      case JsonRpcCodes.INTERNAL_ERROR -> afterAnswer ? ReasonCode.INVALID_REQUEST : null;
      default -> null;
    };
  }

  /**
   * The call's relay as the firewall sees it: a relayed request becomes a CLIENT span (child of the
   * SERVER span) whose context goes to the agent in {@code params._meta}; what happened is kept for
   * the SERVER span's outcome.
   */
  private final class Relay implements ClientRelay {
    private final ClientRelay relay;
    private final Span parent;
    /** Set on the thread that handles the request (the firewall calls {@link #relay} on it). */
    boolean answered;
    boolean agentError;
    ReasonCode failure;

    Relay(ClientRelay relay, Span parent) {
      this.relay = relay;
      this.parent = parent;
    }

    @Override
    public String refusal(String method, ObjectNode params) {
      return relay.refusal(method, params);
    }

    @Override
    public boolean accepts(String method, ObjectNode params) {
      return relay.accepts(method, params);
    }

    @Override
    public ObjectNode statelessCapabilities() {
      return relay.statelessCapabilities();
    }

    @Override
    public Map<String, String> traceContext() {
      return relay.traceContext();
    }

    @Override
    public String sessionId() {
      return relay.sessionId();
    }

    @Override
    public JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) throws UpstreamException {
      long start = System.nanoTime();
      String name = RelaySpans.method(method);
      Span span = Span.getInvalid();
      ObjectNode forwarded = params;
      if (tracing) {
        span =
            tracer.spanBuilder(name)
                .setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(parent))
                .setAllAttributes(sent.get(new Key(name, server, null, null)))
                .startSpan();
        String session = relay.sessionId();
        if (session != null && span.isRecording()) {
          span.setAttribute(SemConv.MCP_SESSION_ID, session);
        }
        // the agent's SDK may continue the trace; the upstream's trace fields are replaced, the rest of _meta is left as it is
        forwarded = TraceContext.inject(params, Context.root().with(span));
      }
      String errorType = null;
      Integer rpc = null;
      try {
        JsonRpcMessage.Response response = relay.relay(server, method, forwarded, timeout);
        answered = true;
        if (response.error() != null) {
          agentError = true;
          rpc = response.error().code();
          errorType = Integer.toString(rpc);
        }
        if (span.isRecording() && response.id() != null && !response.id().isNull()) {
          span.setAttribute(SemConv.JSONRPC_REQUEST_ID, ServerSpanStage.requestId(response.id()));
        }
        return response;
      } catch (UpstreamException e) {
        failure = e.reason();
        errorType = e.reason().wireName();
        throw e;
      } catch (RuntimeException | Error e) {
        errorType = e.getClass().getName();
        throw e;
      } finally {
        if (errorType != null && span.isRecording()) {
          span.setAttribute(SemConv.ERROR_TYPE, errorType);
          if (rpc != null) {
            span.setAttribute(SemConv.RPC_RESPONSE_STATUS_CODE, Integer.toString(rpc));
          }
          span.setStatus(StatusCode.ERROR);
        }
        span.end();
        String measured = errorType != null && failure == null && rpc == null ? "_OTHER" : errorType; // no class names as labels
        metrics.clientOperation(System.nanoTime() - start, sent.get(new Key(name, server, measured, rpc)));
      }
    }
  }
}
