package dev.bastion.pipeline;

import dev.bastion.jsonrpc.JsonRpcMessage;
import java.time.Instant;
import java.util.Objects;

/**
 * One agent message on its way through the pipeline: an immutable view that stages read and, to
 * transform it, copy with a {@code with*} method. The {@link ExchangeLog} travels alongside and is
 * the one record stages annotate; audit, logs and telemetry read it once the exchange completes.
 *
 * @param message a {@link JsonRpcMessage.Request} or {@link JsonRpcMessage.Notification}
 * @param credential what the agent presented (never logged; see {@link Credential#toString()})
 * @param sessionId the legacy {@code Mcp-Session-Id} the agent sent, or null
 * @param sink where notifications for this exchange (progress) go while it runs
 */
public record Exchange(
    String id,
    Instant receivedAt,
    Era era,
    String protocolVersion,
    String remoteAddress,
    Credential credential,
    Principal principal,
    String sessionId,
    JsonRpcMessage message,
    Target target,
    NotificationSink sink,
    ExchangeLog log) {

  public Exchange {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(era, "era");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(log, "log");
    if (!(message instanceof JsonRpcMessage.Request) && !(message instanceof JsonRpcMessage.Notification)) {
      throw new IllegalArgumentException("an exchange starts with a request or a notification");
    }
  }

  public String method() {
    return switch (message) {
      case JsonRpcMessage.Request r -> r.method();
      case JsonRpcMessage.Notification n -> n.method();
      case JsonRpcMessage.Response r -> throw new IllegalStateException("unreachable");
    };
  }

  public tools.jackson.databind.node.ObjectNode params() {
    return switch (message) {
      case JsonRpcMessage.Request r -> r.params();
      case JsonRpcMessage.Notification n -> n.params();
      case JsonRpcMessage.Response r -> throw new IllegalStateException("unreachable");
    };
  }

  public boolean isNotification() {
    return message instanceof JsonRpcMessage.Notification;
  }

  public Exchange withPrincipal(Principal p) {
    return new Exchange(id, receivedAt, era, protocolVersion, remoteAddress, credential, p, sessionId, message, target, sink, log);
  }

  public Exchange withMessage(JsonRpcMessage m) {
    return new Exchange(id, receivedAt, era, protocolVersion, remoteAddress, credential, principal, sessionId, m, target, sink, log);
  }

  public Exchange withTarget(Target t) {
    return new Exchange(id, receivedAt, era, protocolVersion, remoteAddress, credential, principal, sessionId, message, t, sink, log);
  }

  public Exchange withSessionId(String s) {
    return new Exchange(id, receivedAt, era, protocolVersion, remoteAddress, credential, principal, s, message, target, sink, log);
  }

  public Exchange withSink(NotificationSink s) {
    return new Exchange(id, receivedAt, era, protocolVersion, remoteAddress, credential, principal, sessionId, message, target, s, log);
  }

  /** What the agent presented to authenticate. The secret never appears in {@link #toString()}. */
  public record Credential(String scheme, String secret) {
    public static final Credential NONE = new Credential("", "");

    public boolean present() {
      return !secret.isEmpty();
    }

    @Override
    public String toString() {
      return "Credential[" + scheme + ", <redacted>]";
    }
  }

  /** Receives notifications (progress, messages) for a running exchange. */
  @FunctionalInterface
  public interface NotificationSink {
    NotificationSink DISCARD = n -> {};

    void send(JsonRpcMessage.Notification notification);

    /** False once the agent can no longer receive (it hung up, or the reply cannot stream). */
    default boolean open() {
      return true;
    }

    /**
     * Sends a request to the agent on this exchange's response stream (a relayed server request);
     * false when the reply cannot carry one (not streaming, finished, or the agent hung up).
     */
    default boolean sendRequest(JsonRpcMessage.Request request) {
      return false;
    }

    /** Keeps an idle stream alive and finds out whether the agent is still there. */
    default void keepAlive() {}

    /**
     * Runs {@code action} once if the agent hangs up (closes the response stream) before the
     * exchange finishes, or at once if it already has. Used to cancel the upstream call.
     */
    default void onHangUp(Runnable action) {}
  }
}
