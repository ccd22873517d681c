package dev.bastion.mcp;

/**
 * The W3C trace headers of the agent's HTTP request ({@code traceparent}, {@code tracestate}; null
 * when absent), bound by the listener while the pipeline runs the request's exchange. Telemetry
 * reads them; nothing else does, and they are never forwarded as they are.
 */
public record InboundTrace(String traceparent, String tracestate) {
  public static final InboundTrace NONE = new InboundTrace(null, null);

  /** Bound for the duration of one exchange. */
  public static final ScopedValue<InboundTrace> CURRENT = ScopedValue.newInstance();
}
