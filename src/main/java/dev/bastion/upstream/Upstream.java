package dev.bastion.upstream;

import dev.bastion.pipeline.Era;
import java.time.Duration;
import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * A connection to one upstream MCP server, whatever its transport and era. Implementations remap
 * JSON-RPC ids (the agent's ids never reach the upstream), remap progress tokens, inject configured
 * credentials, and never forward anything the agent authenticated with.
 *
 * <p>Thread-safe; calls block the calling (virtual) thread until the answer, the timeout or a
 * cancellation.
 */
public interface Upstream extends AutoCloseable {

  String name();

  /**
   * Connects and completes the handshake (legacy {@code initialize} or stateless {@code
   * server/discover}), detecting the era. Blocks until ready; throws if the server cannot be reached.
   */
  void start() throws UpstreamException;

  /** What the server said about itself once started. */
  ServerDescription description();

  /**
   * Registers a request; the returned call is awaited or cancelled by the caller. A transport may
   * send the request only when the call is first awaited (HTTP does, on the awaiting thread), so a
   * call is always awaited unless it is cancelled.
   */
  Call call(String method, ObjectNode params, CallOptions options) throws UpstreamException;

  /** Sends a notification (e.g. {@code notifications/cancelled} is sent by {@link Call#cancel}). */
  void notify(String method, ObjectNode params) throws UpstreamException;

  Health health();

  /** How many times the server was restarted after its process exited (stdio servers; 0 otherwise). */
  default long restarts() {
    return 0;
  }

  @Override
  void close();

  /** An in-flight request. */
  interface Call {
    /**
     * Waits for the answer: the {@code result} object, or an {@link UpstreamException.Remote} if the
     * server answered with a JSON-RPC error.
     */
    ObjectNode await() throws UpstreamException;

    /** Cancels: tells the server ({@code notifications/cancelled}) and fails {@link #await()}. */
    void cancel(String reason);
  }

  /**
   * @param timeout how long {@link Call#await()} waits
   * @param onProgress receives the {@code params} of each {@code notifications/progress} for this
   *     call, with the agent's original progress token already restored
   * @param relay the agent behind the call, to which requests the server sends during it may be
   *     relayed ({@link ClientRelay#NONE}: none)
   */
  record CallOptions(Duration timeout, Consumer<ObjectNode> onProgress, ClientRelay relay) {
    public CallOptions {
      relay = relay == null ? ClientRelay.NONE : relay;
    }

    public CallOptions(Duration timeout, Consumer<ObjectNode> onProgress) {
      this(timeout, onProgress, ClientRelay.NONE);
    }

    public static CallOptions of(Duration timeout) {
      return new CallOptions(timeout, p -> {});
    }
  }

  record ServerDescription(Era era, String protocolVersion, ObjectNode serverInfo, ObjectNode capabilities, String instructions) {}

  enum Health {
    STARTING,
    READY,
    RESTARTING,
    FAILED,
    CLOSED
  }

  /** Receives what the server sends on its own: list_changed and other notifications. */
  @FunctionalInterface
  interface Listener {
    void onNotification(String server, String method, ObjectNode params);
  }
}
