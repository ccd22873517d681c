package dev.bastion.telemetry;

import dev.bastion.config.TelemetryConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Where access lines go: a bounded queue drained by one writer thread, so a request never waits
 * for a terminal or a pipe. When the queue is full the line is dropped and counted (the count is
 * written with the next line that gets through), never buffered without bound.
 */
public final class AccessLog implements AutoCloseable {
  static final int CAPACITY = 8192;
  /**
   * How long the writer lets lines gather after the first of a batch: under load one write (and
   * one wake-up of this thread) per few dozen lines instead of per line, which had cost ~14 µs of
   * CPU per request; a line reaches the sink at most this much later. Requests never wait on it.
   */
  static final long LINGER_MILLIS = 10;

  private final TelemetryConfig.LogFormat format;
  private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final AtomicLong dropped = new AtomicLong();
  private final Consumer<String> sink;
  /** Whether the sink takes a whole batch at once (lines each ending in a newline) rather than line by line. */
  private final boolean blocks;
  private final Thread writer;
  private volatile boolean closed;

  /** Lines handed to {@code sink} one at a time. */
  AccessLog(TelemetryConfig.LogFormat format, Consumer<String> sink) {
    this(format, sink, false);
  }

  private AccessLog(TelemetryConfig.LogFormat format, Consumer<String> sink, boolean blocks) {
    this.format = format;
    this.sink = sink;
    this.blocks = blocks;
    this.writer = Thread.ofPlatform().daemon().name("bastion-access-log").start(this::drain);
  }

  /**
   * Lines to standard error (where the gateway's other messages go): each batch the writer takes
   * from the queue is one write and one flush, whole lines only, so other writers of standard error
   * interleave between lines, never inside one.
   */
  static AccessLog toStandardError(TelemetryConfig.LogFormat format) {
    PrintStream err = System.err;
    return inBlocks(format, block -> {
      err.print(block);
      err.flush();
    });
  }

  /** Lines handed to {@code sink} a batch at a time: one string of whole lines, each ending in a newline. */
  static AccessLog inBlocks(TelemetryConfig.LogFormat format, Consumer<String> sink) {
    return new AccessLog(format, sink, true);
  }

  TelemetryConfig.LogFormat format() {
    return format;
  }

  /** Queues a line; never blocks. */
  void offer(String line) {
    if (closed || !queue.offer(line)) {
      dropped.incrementAndGet();
    }
  }

  long dropped() {
    return dropped.get();
  }

  /** The writer's block builder: its first size, and the most it keeps between batches. */
  static final int INITIAL_BLOCK = 1 << 14;
  static final int MAX_KEPT_BLOCK = 1 << 20;

  private void drain() {
    List<String> batch = new ArrayList<>(256);
    StringBuilder block = new StringBuilder(INITIAL_BLOCK);
    while (!closed || !queue.isEmpty()) {
      try {
        String first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        if (!closed && queue.size() < 255) {
          Thread.sleep(LINGER_MILLIS);
        }
        batch.add(first);
        queue.drainTo(batch, 255);
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
          batch.addFirst(format == TelemetryConfig.LogFormat.JSON
              ? "{\"logger\":\"bastion.access\",\"level\":\"warning\",\"message\":\"access lines dropped (queue full)\",\"dropped\":" + lost + "}"
              : "access log: " + lost + " lines dropped (queue full)");
        }
        if (blocks) {
          // one builder for every batch (this thread's own), dropped when a huge batch grew it
          block.setLength(0);
          for (String line : batch) {
            block.append(line).append('\n');
          }
          sink.accept(block.toString());
          if (block.capacity() > MAX_KEPT_BLOCK) {
            block = new StringBuilder(INITIAL_BLOCK);
          }
        } else {
          for (String line : batch) {
            sink.accept(line);
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a broken sink must not kill the writer; the line is lost
      } finally {
        batch.clear();
      }
    }
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    closed = true;
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
