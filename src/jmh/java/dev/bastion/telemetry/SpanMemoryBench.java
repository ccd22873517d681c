package dev.bastion.telemetry;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * What tracing does to the heap under load: how many bytes per request the young collections
 * promote into the old generation while every request is traced and exported through the real
 * batch span processor and OTLP/HTTP exporter to the benchmark's sink in the same JVM. Spans that
 * are still queued or being exported when a young collection runs survive it, and what does not
 * fit the survivor space is promoted; under the serial collector the old generation then grows
 * (and the process's RSS with it) until a full collection. A process that promotes less stays
 * smaller.
 *
 * <p>Each simulated request is {@link TelemetryBench}'s forwarded call plus what the rest of the
 * gateway does per request that matters here: about 64 KB of short-lived garbage (the pipeline's
 * allocation per forwarded request in the load benchmark) and some CPU, so that young collections
 * come every few hundred requests and the exporter thread competes for the core as it does in the
 * gateway. Run it on one core with the launcher's heap settings:
 *
 * <pre>
 *   taskset -c 1 java -XX:+UseSerialGC -Xms32m -Xmx384m -cp ... dev.bastion.telemetry.SpanMemoryBench [requests] [cpu µs per request]
 * </pre>
 *
 * Prints requests, exports, young collections, the bytes promoted per request, the old generation's
 * capacity at the end, the CPU per request of every thread but the caller (exporter, HTTP client,
 * and the in-process sink's) and the collectors' pause time per request.
 */
public final class SpanMemoryBench {
  private SpanMemoryBench() {}

  static volatile Object sinkhole;

  public static void main(String[] args) throws Exception {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    long burnNanos = (args.length > 1 ? Long.parseLong(args[1]) : 100) * 1000L;
    AtomicLong promoted = new AtomicLong();
    AtomicLong young = new AtomicLong();
    AtomicLong full = new AtomicLong();
    AtomicLong oldCapacity = new AtomicLong();
    boolean[] counting = {false};
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc)
          .addNotificationListener(
              (n, h) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION) || !counting[0]) {
                  return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                MemoryUsage before = info.getGcInfo().getMemoryUsageBeforeGc().get("Tenured Gen");
                MemoryUsage after = info.getGcInfo().getMemoryUsageAfterGc().get("Tenured Gen");
                if (before == null || after == null) {
                  return;
                }
                oldCapacity.set(after.getCommitted());
                if (info.getGcAction().contains("minor")) {
                  young.incrementAndGet();
                  promoted.addAndGet(after.getUsed() - before.getUsed());
                } else {
                  full.incrementAndGet();
                }
              },
              null,
              null);
    }
    TelemetryBench b = new TelemetryBench();
    b.telemetry = "on";
    b.exportToSink = true;
    b.setUp();
    try {
      for (int i = 0; i < requests / 4; i++) { // warm-up, not counted
        request(b, burnNanos);
      }
      var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long others0 = otherThreadsCpu(threads);
      long gc0 = gcMillis();
      counting[0] = true;
      long spans0 = b.sinkRequests();
      for (int i = 0; i < requests; i++) {
        request(b, burnNanos);
      }
      counting[0] = false;
      double othersUs = (otherThreadsCpu(threads) - others0) / 1000.0 / requests;
      double gcUs = (gcMillis() - gc0) * 1000.0 / requests;
      System.out.printf(
          "batch=%d queue=%d requests=%d exports=%d young_gcs=%d (%d requests each) full_gcs=%d promoted_bytes_per_request=%.0f old_capacity_mb=%.1f"
              + " other_threads_cpu_us_per_request=%.1f gc_us_per_request=%.1f%n",
          Telemetry.EXPORT_BATCH,
          Telemetry.EXPORT_QUEUE,
          requests,
          b.sinkRequests() - spans0,
          young.get(),
          young.get() == 0 ? 0 : requests / young.get(),
          full.get(),
          promoted.get() / (double) requests,
          oldCapacity.get() / 1048576.0,
          othersUs,
          gcUs);
    } finally {
      b.tearDown();
    }
  }

  /** CPU time of every thread but this one (the exporter's, the HTTP client's, the sink's). */
  private static long otherThreadsCpu(com.sun.management.ThreadMXBean threads) {
    long self = Thread.currentThread().threadId();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      long t = id == self ? -1 : threads.getThreadCpuTime(id);
      sum += Math.max(0, t);
    }
    return sum;
  }

  /** Collection time of all collectors (the serial collector's pauses), in milliseconds. */
  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  private static void request(TelemetryBench b, long burnNanos) {
    b.forwardedCall();
    sinkhole = new byte[64 * 1024];
    long until = System.nanoTime() + burnNanos;
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }
}
