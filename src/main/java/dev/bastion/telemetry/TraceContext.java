package dev.bastion.telemetry;

import dev.bastion.mcp.InboundTrace;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * W3C trace context in and out. An agent's context arrives in the HTTP {@code traceparent}
 * header (bound by the listener for the duration of the exchange) or in the request's
 * {@code params._meta.traceparent}; the message's own wins, being the more specific. Outgoing
 * context is written to {@code params._meta} for every upstream (stdio included); the HTTP upstream
 * client copies it into its {@code traceparent} header.
 */
final class TraceContext {
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  /** The remote parent for an agent's message; {@link Context#root()} when none is valid. */
  static Context extract(ObjectNode params) {
    Context fromMeta = fromMeta(params);
    if (fromMeta != null) {
      return fromMeta;
    }
    InboundTrace http = InboundTrace.CURRENT.orElse(InboundTrace.NONE);
    if (http.traceparent() != null) {
      Map<String, String> carrier = new HashMap<>(4);
      carrier.put(TRACEPARENT, http.traceparent());
      if (http.tracestate() != null) {
        carrier.put(TRACESTATE, http.tracestate());
      }
      return W3C.extract(Context.root(), carrier, GETTER);
    }
    return Context.root();
  }

  /** The context in a message's {@code params._meta.traceparent} (and {@code tracestate}); null when none is valid. */
  static Context fromMeta(ObjectNode params) {
    if (params != null && params.get("_meta") instanceof ObjectNode meta && meta.get(TRACEPARENT) instanceof JsonNode tp && tp.isString()) {
      Map<String, String> carrier = new HashMap<>(4);
      carrier.put(TRACEPARENT, tp.asString());
      if (meta.get(TRACESTATE) instanceof JsonNode ts && ts.isString()) {
        carrier.put(TRACESTATE, ts.asString());
      }
      return fromCarrier(carrier);
    }
    return null;
  }

  /** The context in a W3C carrier ({@code traceparent}, {@code tracestate}); null when none is valid. */
  static Context fromCarrier(Map<String, String> carrier) {
    if (carrier.isEmpty()) {
      return null;
    }
    Context context = W3C.extract(Context.root(), carrier, GETTER);
    return io.opentelemetry.api.trace.Span.fromContext(context).getSpanContext().isValid() ? context : null;
  }

  /**
   * Params for the upstream: a shallow copy whose {@code _meta} carries the given context. Trace
   * fields the agent sent are replaced, or removed when there is no valid context to send.
   */
  static ObjectNode inject(ObjectNode params, Context context) {
    ObjectNode copy = dev.bastion.jsonrpc.JsonRpcCodec.nodes().objectNode();
    if (params == null) {
      params = copy;
    } else {
      copy.setAll(params);
    }
    ObjectNode meta = params.get("_meta") instanceof ObjectNode m ? m.deepCopy() : dev.bastion.jsonrpc.JsonRpcCodec.nodes().objectNode();
    meta.remove(TRACEPARENT);
    meta.remove(TRACESTATE);
    W3C.inject(context, meta, (carrier, key, value) -> carrier.put(key, value));
    if (meta.isEmpty()) {
      copy.remove("_meta");
    } else {
      copy.set("_meta", meta);
    }
    return copy;
  }

  private TraceContext() {}
}
