package dev.bastion.telemetry;

import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * What the two OTLP senders ({@link Http1Sender}, {@link Http2GrpcSender}) share: the export's body
 * encoded once on the exporter's thread (a retry sends the same bytes), then the call, with its
 * retries, run on the sender's executor and reported to the SDK's callbacks. Each sender keeps its
 * own retry rules: they follow the SDK's HTTP and gRPC senders, which differ.
 */
final class ExportCalls {
  private ExportCalls() {}

  /** One export's call, retries included. */
  @FunctionalInterface
  interface Call<R> {
    R run() throws Exception;
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
