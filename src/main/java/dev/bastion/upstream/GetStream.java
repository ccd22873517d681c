package dev.bastion.upstream;

import io.helidon.webclient.api.HttpClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The legacy era's GET stream, on which a server sends notifications and requests outside any
 * call: one virtual thread per session that reads it, delivers each message and reconnects with
 * backoff when it breaks; a server without one (405) is fine. It stops when the upstream closes,
 * when the session it was opened for is replaced, or on {@link #stop()}.
 */
final class GetStream {
  private static final System.Logger LOG = System.getLogger(GetStream.class.getName());
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final String name;
  private final HttpAnswers answers;
  private final Function<String, HttpClientResponse> requests;
  private final BooleanSupplier closed;
  private final Supplier<String> sessionId;
  private volatile Thread thread;
  private volatile HttpClientResponse body;

  /**
   * @param requests sends the GET for a session id (with the configured and protocol headers) and returns the answer
   * @param closed whether the upstream is closed
   * @param sessionId the upstream's current session id
   */
  GetStream(String name, HttpAnswers answers, Function<String, HttpClientResponse> requests, BooleanSupplier closed, Supplier<String> sessionId) {
    this.name = name;
    this.answers = answers;
    this.requests = requests;
    this.closed = closed;
    this.sessionId = sessionId;
  }

  /** Opens the stream for {@code session} (replacing nothing: call {@link #stop()} first). */
  void start(String session) {
    // set before it runs: the loop ends at once when it is not the stream's thread
    Thread t = Thread.ofVirtual().name("upstream-" + name + "-get").unstarted(() -> loop(session));
    thread = t;
    t.start();
  }

  void stop() {
    Thread t = thread;
    thread = null;
    HttpClientResponse b = body;
    if (b != null) {
      try {
        b.close();
      } catch (RuntimeException e) {
        // closing is all we wanted
      }
    }
    if (t != null) {
      t.interrupt();
    }
  }

  private void loop(String session) {
    long backoff = 1000;
    while (!closed.getAsBoolean() && Objects.equals(session, sessionId.get()) && Thread.currentThread() == thread) {
      try {
        HttpClientResponse response = requests.apply(session);
        try (response) {
          body = response;
          InputStream in = response.inputStream();
          if (closed.getAsBoolean() || Thread.currentThread() != thread) {
            return;
          }
          String type = HttpAnswers.contentType(response);
          int status = response.status().code();
          if (status != 200 || !type.startsWith("text/event-stream")) {
            LOG.log(Level.DEBUG, () -> "upstream " + name + " offers no GET stream (HTTP " + status + ")");
            return;
          }
          backoff = 1000;
          SseReader sse = new SseReader(in, answers.maxResponseBytes());
          SseReader.Item item;
          while (!((item = sse.next()) instanceof SseReader.Item.End)) {
            if (item instanceof SseReader.Item.Event e && "message".equals(e.type()) && !HttpAnswers.isBlank(e.data())) {
              answers.deliver(null, e.data(), true);
            } else if (item instanceof SseReader.Item.TooLarge) {
              LOG.log(Level.WARNING, "upstream " + name + " sent an oversized event on its GET stream; reconnecting");
              break;
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        if (closed.getAsBoolean() || Thread.currentThread() != thread) {
          return;
        }
        LOG.log(Level.DEBUG, () -> "upstream " + name + ": GET stream broke: " + e);
      }
      try {
        Thread.sleep(backoff); // reconnect backoff, not synchronisation
      } catch (InterruptedException e) {
        return;
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
    }
  }
}
