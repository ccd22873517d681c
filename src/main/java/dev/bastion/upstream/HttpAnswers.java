package dev.bastion.upstream;

import dev.bastion.jsonrpc.Bodies;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcException;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.ReasonCode;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Objects;

/**
 * What an HTTP upstream sends back, read and dispatched: a POST's answer (JSON body or SSE stream,
 * bounded by the response cap) completes its call; progress goes to the call it names, other
 * notifications to the listener, requests the server makes to the gateway's handler (answered on a
 * thread of their own by {@link Replies}); messages that match no call are dropped and logged.
 */
final class HttpAnswers {
  private static final int ERROR_BODY_BYTES = 64 * 1024;

  /** Sends the answer to a request the server made (off the reading thread). */
  @FunctionalInterface
  interface Replies {
    void reply(JsonRpcMessage.Request request, PendingCall call);
  }

  private final String name;
  private final JsonRpcCodec codec;
  private final int maxResponseBytes;
  private final CallTable calls;
  private final ServerInitiated serverInitiated;
  private final Replies replies;

  HttpAnswers(String name, JsonRpcCodec codec, int maxResponseBytes, CallTable calls, ServerInitiated serverInitiated, Replies replies) {
    this.name = name;
    this.codec = codec;
    this.maxResponseBytes = maxResponseBytes;
    this.calls = calls;
    this.serverInitiated = serverInitiated;
    this.replies = replies;
  }

  int maxResponseBytes() {
    return maxResponseBytes;
  }

  /** Reads the answer to {@code call}'s POST and completes the call one way or another. */
  void handle(PendingCall call, HttpClientResponse response, InputStream in) throws IOException {
    int status = response.status().code();
    String type = contentType(response);
    if (status == 200 && type.startsWith("text/event-stream")) {
      readStream(call, in);
      return;
    }
    if (status == 200 && type.startsWith("application/json")) {
      long declared = response.headers().contentLength().orElse(-1);
      if (declared > maxResponseBytes) {
        call.fail(tooLarge(declared));
        return;
      }
      byte[] bytes = declared >= 0 ? Bodies.readDeclared(in, (int) declared) : Bodies.readBounded(in, maxResponseBytes);
      if (bytes == null) {
        call.fail(tooLarge(-1));
        return;
      }
      deliver(call, bytes, false);
      if (!call.isDone()) {
        call.fail(calls.protocolError(call, "the JSON body was not the response to this request"));
      }
      return;
    }
    if (status == 200 || status == 202) {
      call.fail(calls.protocolError(call, "HTTP " + status + " with content type \"" + Protocol.printable(type, 80) + "\"; expected application/json or text/event-stream"));
      return;
    }
    if (status == 401 || status == 403) {
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " refused the gateway's credentials (HTTP " + status + ")"));
      return;
    }
    if (status >= 300 && status < 400) {
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE,
          "upstream " + name + " answered with a redirect (HTTP " + status + "); redirects are not followed"));
      return;
    }
    byte[] errorBody = type.startsWith("application/json") ? Bodies.readBounded(in, Math.min(ERROR_BODY_BYTES, maxResponseBytes)) : null;
    if (errorBody != null) {
      try {
        if (codec.decode(errorBody) instanceof JsonRpcMessage.Response r && r.error() != null
            && (r.id() == null || r.id().isNull() || Objects.equals(calls.find(r.id()), call))) {
          call.fail(new UpstreamException.Remote(r.error().code(), r.error().message(), r.error().data()));
          return;
        }
      } catch (JsonRpcException e) {
        // fall through to the status
      }
    }
    ReasonCode reason = status >= 500 ? ReasonCode.UPSTREAM_UNAVAILABLE : ReasonCode.UPSTREAM_PROTOCOL_ERROR;
    call.fail(new UpstreamException(reason, "upstream " + name + " answered " + call.method() + " with HTTP " + status));
  }

  /** Reads an SSE answer until the response for {@code call} arrives, the stream ends or breaks a bound. */
  private void readStream(PendingCall call, InputStream in) throws IOException {
    SseReader sse = new SseReader(in, maxResponseBytes);
    while (!call.isDone()) {
      switch (sse.next()) {
        case SseReader.Item.Event e -> {
          if ("message".equals(e.type()) && !isBlank(e.data())) {
            deliver(call, e.data(), true);
          }
        }
        case SseReader.Item.TooLarge t -> {
          call.fail(tooLarge(t.bytes()));
          return;
        }
        case SseReader.Item.End end -> {
          if (!call.isDone()) {
            call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE,
                "upstream " + name + " ended the event stream for " + call.method() + " without answering"));
          }
          return;
        }
      }
    }
  }

  /** Dispatches one message received on a call's answer (or, with {@code call} null, on the GET stream). */
  void deliver(PendingCall call, byte[] bytes, boolean fromStream) {
    JsonRpcMessage message;
    try {
      message = codec.decode(bytes);
    } catch (JsonRpcException e) {
      UpstreamException bad = new UpstreamException(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream " + name + " sent an invalid message: " + e.getMessage());
      if (call != null && (!fromStream || e.id() == null || Objects.equals(calls.find(e.id()), call))) {
        call.fail(bad);
      } else if (!calls.failById(e.id(), bad)) {
        calls.drops().dropped("invalid", () -> "upstream " + name + " sent an invalid message on its event stream (" + e.getMessage() + "); dropped");
      }
      return;
    }
    switch (message) {
      case JsonRpcMessage.Response r -> {
        if (call == null || Objects.equals(calls.find(r.id()), call)) {
          calls.complete(r);
        } else if (!fromStream) {
          call.fail(calls.protocolError(call, "the body answered id " + Protocol.printable(String.valueOf(r.id()), 40) + ", not this request"));
        } else {
          calls.drops().dropped("unknown_id", () -> "upstream " + name + " sent a response for id " + Protocol.printable(String.valueOf(r.id()), 40)
              + " on the stream of another request; dropped");
        }
      }
      case JsonRpcMessage.Notification n -> serverInitiated.notification(n, calls);
      case JsonRpcMessage.Request r -> {
        // a request on a call's event stream belongs to that call (and may be relayed to its agent)
        replies.reply(r, call);
      }
    }
  }

  UpstreamException tooLarge(long bytes) {
    return new UpstreamException(
        ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE,
        "upstream " + name + " sent " + (bytes < 0 ? "more than " + maxResponseBytes : String.valueOf(bytes)) + " bytes; the limit is " + maxResponseBytes);
  }

  static boolean isBlank(byte[] data) {
    for (byte b : data) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  static String contentType(HttpClientResponse response) {
    return response.headers().first(HeaderNames.CONTENT_TYPE).orElse("").toLowerCase(Locale.ROOT);
  }
}
