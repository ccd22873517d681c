package dev.bastion.demo;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcCodes;
import dev.bastion.jsonrpc.JsonRpcException;
import dev.bastion.jsonrpc.JsonRpcMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One client on one pair of streams.
 *
 * <p>Threading: the calling thread reads and decodes lines in order and handles notifications
 * inline (so a {@code notifications/cancelled} is seen as soon as it arrives); every request runs on
 * its own virtual thread, so a slow tool never blocks the others. Writes to the output are
 * serialised by one lock, one message per line. When the input ends, requests still running are
 * cancelled (reason SHUTDOWN) and the connection waits for them before returning.
 */
final class Connection {

  private static final System.Logger LOG = System.getLogger(Connection.class.getName());

  /** How a request ended, for observers (tests) in this package. */
  enum Completion {
    /** A response was written. */
    ANSWERED,
    /** The client cancelled it; per MCP no response was written. */
    CANCELLED
  }

  /** Told about every request once it has ended. */
  @FunctionalInterface
  interface Listener {
    Listener NONE = (id, method, completion) -> {};

    void finished(JsonNode id, String method, Completion completion);
  }

  private final DemoServer server;
  private final JsonRpcCodec codec;
  private final OutputStream out;
  private final Listener listener;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ConcurrentHashMap<String, Cancellation> inFlight = new ConcurrentHashMap<>();
  private volatile boolean outputBroken;

  Connection(DemoServer server, JsonRpcCodec codec, OutputStream out, Listener listener) {
    this.server = server;
    this.codec = codec;
    this.out = out;
    this.listener = listener;
  }

  void run(InputStream in) {
    LineReader reader = new LineReader(in, codec.limits().maxBodyBytes());
    try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
      read:
      while (true) {
        LineReader.Line line;
        try {
          line = reader.next();
        } catch (IOException e) {
          LOG.log(Level.WARNING, "input failed ({0}); stopping", e.getClass().getSimpleName());
          break;
        }
        switch (line) {
          case LineReader.Line.End end -> {
            break read;
          }
          case LineReader.Line.TooLong(long bytes) ->
              send(
                  JsonRpcCodec.error(
                      null,
                      JsonRpcCodes.INVALID_REQUEST,
                      "message of " + bytes + " bytes exceeds the limit of " + codec.limits().maxBodyBytes() + " bytes",
                      null));
          case LineReader.Line.Text(byte[] bytes) -> onLine(bytes, workers);
        }
      }
      inFlight.values().forEach(c -> c.cancel(Cancellation.Reason.SHUTDOWN));
    }
  }

  private void onLine(byte[] bytes, ExecutorService workers) {
    JsonRpcMessage message;
    try {
      message = codec.decode(bytes);
    } catch (JsonRpcException e) {
      LOG.log(Level.DEBUG, "rejected a message: {0}", e.getMessage());
      send(JsonRpcCodec.error(e.id(), e.code(), e.getMessage(), null));
      return;
    }
    switch (message) {
      case JsonRpcMessage.Request request -> accept(request, workers);
      case JsonRpcMessage.Notification notification -> onNotification(notification);
      case JsonRpcMessage.Response response ->
          LOG.log(Level.DEBUG, "ignored a response for id {0}: this server sends no requests", response.id());
    }
  }

  private void accept(JsonRpcMessage.Request request, ExecutorService workers) {
    String key = key(request.id());
    Cancellation cancellation = new Cancellation();
    if (inFlight.putIfAbsent(key, cancellation) != null) {
      send(
          JsonRpcCodec.error(
              request.id(),
              JsonRpcCodes.INVALID_REQUEST,
              "request id " + request.id() + " is already used by a request in flight; use a new id",
              null));
      return;
    }
    workers.submit(() -> execute(request, key, cancellation));
  }

  private void execute(JsonRpcMessage.Request request, String key, Cancellation cancellation) {
    Reply reply;
    try {
      reply = server.handle(request, new Context(request, cancellation));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply = Reply.failure(JsonRpcCodes.INTERNAL_ERROR, "the request was interrupted");
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "unexpected failure while handling " + request.method(), e);
      reply =
          Reply.failure(
              JsonRpcCodes.INTERNAL_ERROR,
              "internal error while handling " + request.method() + "; the demo server's log has the details");
    } finally {
      inFlight.remove(key, cancellation);
    }
    if (cancellation.reason().equals(Optional.of(Cancellation.Reason.CLIENT))) {
      LOG.log(Level.DEBUG, "request {0} was cancelled by the client; no response sent", request.id());
      listener.finished(request.id(), request.method(), Completion.CANCELLED);
      return;
    }
    send(
        switch (reply) {
          case Reply.Result(JsonNode value) -> new JsonRpcMessage.Response(request.id(), value, null);
          case Reply.Failure(int code, String msg, JsonNode data) -> JsonRpcCodec.error(request.id(), code, msg, data);
        });
    listener.finished(request.id(), request.method(), Completion.ANSWERED);
  }

  private void onNotification(JsonRpcMessage.Notification notification) {
    switch (notification.method()) {
      case "notifications/cancelled" -> {
        JsonNode requestId = notification.params().get("requestId");
        if (requestId == null || !(requestId.isString() || requestId.isIntegralNumber())) {
          LOG.log(Level.DEBUG, "ignored notifications/cancelled without a string or integer requestId");
          return;
        }
        Cancellation cancellation = inFlight.get(key(requestId));
        if (cancellation != null) {
          cancellation.cancel(Cancellation.Reason.CLIENT);
        }
      }
      case "notifications/initialized" -> LOG.log(Level.DEBUG, "client finished initialisation");
      default -> LOG.log(Level.DEBUG, "ignored notification {0}", notification.method());
    }
  }

  private void send(JsonRpcMessage message) {
    byte[] bytes = codec.encode(message);
    writeLock.lock();
    try {
      if (outputBroken) {
        return;
      }
      out.write(bytes);
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      outputBroken = true;
      LOG.log(Level.WARNING, "output failed ({0}); further messages are dropped", e.getClass().getSimpleName());
    } finally {
      writeLock.unlock();
    }
  }

  /** Ids 7 and "7" are different requests; the key keeps them apart. */
  private static String key(JsonNode id) {
    return id.isString() ? "s:" + id.asString() : "n:" + id.asString();
  }

  /** The running request's view of this connection. */
  private final class Context implements ToolContext {
    private final JsonNode progressToken;
    private final Cancellation cancellation;

    Context(JsonRpcMessage.Request request, Cancellation cancellation) {
      this.cancellation = cancellation;
      JsonNode meta = request.params().get("_meta");
      JsonNode token = meta == null ? null : meta.get("progressToken");
      this.progressToken = token != null && (token.isString() || token.isIntegralNumber()) ? token : null;
    }

    @Override
    public void progress(double progress, double total, String message) {
      if (progressToken == null || cancellation.isCancelled()) {
        return;
      }
      ObjectNode params = JsonNodeFactory.instance.objectNode();
      params.set("progressToken", progressToken);
      putNumber(params, "progress", progress);
      putNumber(params, "total", total);
      params.put("message", message);
      send(new JsonRpcMessage.Notification("notifications/progress", params));
    }

    @Override
    public Cancellation cancellation() {
      return cancellation;
    }

    private static void putNumber(ObjectNode node, String field, double value) {
      if (value == Math.rint(value) && Math.abs(value) < 1e15) {
        node.put(field, (long) value);
      } else {
        node.put(field, value);
      }
    }
  }
}
