package dev.bastion.telemetry;

import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Exchange;
import dev.bastion.upstream.Upstream;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * Notifications upstreams send, counted ({@code bastion.upstream.notifications}) rather than traced:
 * an upstream may send thousands of progress notifications in one call, so none gets a span or a
 * span event. Progress relayed to the agent's call is counted as it is passed on ({@link Progress},
 * around the call's sink; the call's CLIENT span gets the total); everything else (list_changed,
 * logging, elicitation/complete, resources/updated) as the gateway's listener receives it.
 */
final class UpstreamNotifications {
  static final String PROGRESS = "notifications/progress";
  static final Set<String> METHODS =
      Set.of(
          PROGRESS, "notifications/message", "notifications/tools/list_changed", "notifications/prompts/list_changed",
          "notifications/resources/list_changed", "notifications/resources/updated", "notifications/elicitation/complete",
          "notifications/cancelled");

  static String method(String method) {
    return METHODS.contains(method) ? method : "_OTHER";
  }

  /** The gateway's listener, counting what it receives. */
  static Upstream.Listener counting(Upstream.Listener listener, GatewayMetrics metrics) {
    return (server, method, params) -> {
      metrics.notification(method(method), server);
      listener.onNotification(server, method, params);
    };
  }

  /** The call's sink, counting the progress notifications passed on to the agent; everything else is the sink's. */
  static final class Progress implements Exchange.NotificationSink {
    private final Exchange.NotificationSink sink;
    private final GatewayMetrics metrics;
    private final String server;
    /** Written by the transport's reader, read once the call returned. */
    private volatile long relayed;

    Progress(Exchange.NotificationSink sink, GatewayMetrics metrics, String server) {
      this.sink = sink;
      this.metrics = metrics;
      this.server = server;
    }

    long relayed() {
      return relayed;
    }

    @Override
    public void send(JsonRpcMessage.Notification notification) {
      if (PROGRESS.equals(notification.method())) {
        relayed++; // one reader thread per call delivers its progress
        metrics.notification(PROGRESS, server);
      }
      sink.send(notification);
    }

    @Override
    public boolean open() {
      return sink.open();
    }

    @Override
    public boolean sendRequest(JsonRpcMessage.Request request) {
      return sink.sendRequest(request);
    }

    @Override
    public void keepAlive() {
      sink.keepAlive();
    }

    @Override
    public void onHangUp(Runnable action) {
      sink.onHangUp(action);
    }
  }

  private UpstreamNotifications() {}
}
