package dev.bastion.upstream;

import dev.bastion.pipeline.ReasonCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One request in flight under a gateway-owned id. Completed by the transport's reader (a result, a
 * remote error, a protocol error), by the connection dying, by the caller cancelling or by the
 * timeout in {@link #await()}; the first completion wins and the rest are ignored.
 */
final class PendingCall implements Upstream.Call {
  private static final java.lang.invoke.VarHandle EXCHANGE;

  static {
    try {
      EXCHANGE = java.lang.invoke.MethodHandles.lookup().findVarHandle(PendingCall.class, "exchange", Runnable.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** What the transport does when a call is abandoned (cancelled or timed out) by the gateway. */
  @FunctionalInterface
  interface Abandon {
    void abandoned(PendingCall call, String reason);
  }

  private final String server;
  private final long id;
  private final String method;
  private final ObjectNode wireParams;
  private final Duration timeout;
  private final Consumer<ObjectNode> onProgress;
  private final JsonNode agentProgressToken;
  private final String gatewayProgressToken;
  private final Abandon abandon;
  private final ClientRelay relay;
  private final CompletableFuture<ObjectNode> result = new CompletableFuture<>();
  /** The transport's exchange, run by the first {@link #await()} on its own thread (null: none). */
  private volatile Runnable exchange;

  PendingCall(
      String server,
      long id,
      String method,
      ObjectNode wireParams,
      Duration timeout,
      Consumer<ObjectNode> onProgress,
      JsonNode agentProgressToken,
      String gatewayProgressToken,
      Abandon abandon,
      ClientRelay relay) {
    this.server = server;
    this.id = id;
    this.method = method;
    this.wireParams = wireParams;
    this.timeout = timeout;
    this.onProgress = onProgress;
    this.agentProgressToken = agentProgressToken;
    this.gatewayProgressToken = gatewayProgressToken;
    this.abandon = abandon;
    this.relay = relay == null ? ClientRelay.NONE : relay;
  }

  long id() {
    return id;
  }

  String method() {
    return method;
  }

  /** The params as sent upstream (the progress token already replaced by the gateway's). */
  ObjectNode wireParams() {
    return wireParams;
  }

  /**
   * The agent behind this call, for requests the server sends during it; its {@link
   * ClientRelay#traceContext()} is the trace context this call carried upstream.
   */
  ClientRelay relay() {
    return ClientRelay.inCall(relay, wireParams);
  }

  Duration timeout() {
    return timeout;
  }

  String gatewayProgressToken() {
    return gatewayProgressToken;
  }

  JsonNode agentProgressToken() {
    return agentProgressToken;
  }

  /**
   * Makes the first {@link #await()} run {@code exchange} on the awaiting thread before it waits:
   * the exchange completes the call one way or another (the HTTP transport sends its POST there).
   */
  void runOnAwait(Runnable exchange) {
    this.exchange = exchange;
  }

  boolean isDone() {
    return result.isDone();
  }

  void onDone(Runnable action) {
    result.whenComplete((r, e) -> action.run());
  }

  boolean succeed(ObjectNode value) {
    return result.complete(value);
  }

  boolean fail(UpstreamException error) {
    return result.completeExceptionally(error);
  }

  void progress(ObjectNode params) {
    if (result.isDone()) {
      return;
    }
    try {
      onProgress.accept(params);
    } catch (RuntimeException e) {
      System.getLogger(PendingCall.class.getName())
          .log(System.Logger.Level.WARNING, "progress consumer for " + server + " call " + id + " failed: " + e);
    }
  }

  @Override
  public ObjectNode await() throws UpstreamException {
    Runnable run = exchange;
    if (run != null && EXCHANGE.compareAndSet(this, run, null) && !result.isDone()) {
      run.run();
    }
    try {
      return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      expire();
      return outcome();
    } catch (InterruptedException e) {
      cancel("the gateway's caller was interrupted");
      Thread.currentThread().interrupt();
      return outcome();
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    }
  }

  /** Fails the call as timed out (unless it already has an outcome) and abandons it. */
  void expire() {
    UpstreamException timedOut =
        new UpstreamException(
            ReasonCode.UPSTREAM_TIMEOUT,
            "upstream " + server + " did not answer " + method + " within " + timeout.toMillis() + " ms");
    if (result.completeExceptionally(timedOut)) {
      abandon.abandoned(this, "timed out after " + timeout.toMillis() + " ms");
    }
  }

  @Override
  public void cancel(String reason) {
    UpstreamException cancelled =
        new UpstreamException(ReasonCode.CANCELLED, "call " + method + " to upstream " + server + " was cancelled: " + reason);
    if (result.completeExceptionally(cancelled)) {
      abandon.abandoned(this, reason);
    }
  }

  private ObjectNode outcome() throws UpstreamException {
    try {
      return result.join();
    } catch (CompletionException e) {
      throw unwrap(e.getCause());
    }
  }

  private UpstreamException unwrap(Throwable cause) {
    return cause instanceof UpstreamException u
        ? u
        : new UpstreamException(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "call to upstream " + server + " failed: " + cause, cause);
  }
}
