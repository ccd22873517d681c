package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcMessage;
import java.lang.System.Logger.Level;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an upstream server sends on its own, handled alike on every transport: progress goes to the call
 * its token names, any other notification to the gateway's listener, and a request is answered by the
 * gateway's {@link ServerMessages} handler (inspected and recorded there; refused when that fails).
 */
final class ServerInitiated {
  private final String name;
  private final Upstream.Listener listener;
  private final ServerMessages serverMessages;
  private final System.Logger log;

  /** @param log the transport's logger, for a listener or handler that failed */
  ServerInitiated(String name, Upstream.Listener listener, ServerMessages serverMessages, System.Logger log) {
    this.name = name;
    this.listener = listener;
    this.serverMessages = serverMessages;
    this.log = log;
  }

  /** Routes a notification: progress to its call in {@code calls}, the rest to the listener. */
  void notification(JsonRpcMessage.Notification n, CallTable calls) {
    if ("notifications/progress".equals(n.method())) {
      calls.progress(n.params());
    } else {
      notifyListener(n.method(), n.params());
    }
  }

  /** Tells the listener (a listener that throws is logged, never propagated to the reading thread). */
  void notifyListener(String method, ObjectNode params) {
    try {
      listener.onNotification(name, method, params);
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "listener failed on " + method + " from upstream " + name + ": " + e);
    }
  }

  /** The answer to a request the server sent, during {@code call} or (null) outside any call. */
  JsonRpcMessage.Response answer(JsonRpcMessage.Request request, PendingCall call) {
    try {
      return call == null
          ? serverMessages.onRequest(name, request, null)
          : serverMessages.onRequest(name, request, call.method(), call.relay(), call.timeout());
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "handling " + request.method() + " from upstream " + name + " failed: " + e);
      return ServerMessages.defaultAnswer(request);
    }
  }
}
