package dev.bastion.telemetry;

import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the two OTLP senders ({@link Http1Sender}, {@link Http2GrpcSender}) share: the export's body
 * encoded once on the exporter's thread (a retry sends the same bytes), then the call, with its
 * retries, run on the sender's executor and reported to the SDK's callbacks. The retry loop is
 * shared too; what differs between the two — which answers and failures are worth another try, and
 * how long to wait (each follows the SDK's own HTTP or gRPC sender) — is each sender's.
 */
final class ExportCalls {
  private ExportCalls() {}

  /** One export's call, retries included. */
  @FunctionalInterface
  interface Call<R> {
    R run() throws Exception;
  }

  /** Waits before attempt {@code attempt + 1} and returns the backoff after it, or throws to give up. */
  @FunctionalInterface
  interface Pause {
    long sleep(int attempt, long backoffNanos) throws IOException, InterruptedException;
  }

  /**
   * Up to {@code attempts} tries of {@code attempt}: an answer is returned unless {@code retryAnswer}
   * wants another try; a failure (Helidon reports refused and broken connections as unchecked
   * exceptions, so every runtime failure is treated as an {@link IOException}) is thrown unless
   * {@code retryable} accepts it; the last try's answer or failure stands.
   */
  static <R> R withRetries(
      int attempts, long initialBackoffNanos, Supplier<R> attempt, Predicate<R> retryAnswer, Predicate<IOException> retryable, Pause pause)
      throws IOException, InterruptedException {
    long backoffNanos = initialBackoffNanos;
    for (int n = 1; ; n++) {
      boolean last = n >= attempts;
      try {
        R answer = attempt.get();
        if (last || !retryAnswer.test(answer)) {
          return answer;
        }
      } catch (UncheckedIOException e) {
        if (last || !retryable.test(e.getCause())) {
          throw e.getCause();
        }
      } catch (RuntimeException e) {
        IOException io = new IOException(String.valueOf(e.getMessage()), e);
        if (last || !retryable.test(io)) {
          throw io;
        }
      }
      backoffNanos = pause.sleep(n, backoffNanos);
    }
  }

  /** The message, through {@code compressor} when there is one. */
  static byte[] encode(MessageWriter writer, Compressor compressor) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, writer.getContentLength()));
    if (compressor != null) {
      try (OutputStream z = compressor.compress(out)) {
        writer.writeMessage(z);
      }
    } else {
      writer.writeMessage(out);
    }
    return out.toByteArray();
  }

  /** Runs {@code call} on {@code executor}; its answer or failure (a shut-down executor included) goes to the callbacks. */
  static <R> void dispatch(ExecutorService executor, Call<R> call, Consumer<R> onResponse, Consumer<Throwable> onError) {
    try {
      executor.execute(() -> {
        try {
          onResponse.accept(call.run());
        } catch (Throwable e) {
          onError.accept(e);
        }
      });
    } catch (RejectedExecutionException e) { // after shutdown
      onError.accept(e);
    }
  }
}
