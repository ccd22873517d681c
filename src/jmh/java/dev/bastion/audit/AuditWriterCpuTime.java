package dev.bastion.audit;

import dev.bastion.config.AuditConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import tools.jackson.databind.node.ObjectNode;

/**
 * CPU time the audit writer thread spends per record when records arrive at a steady rate, as
 * they do from a gateway under load (the gateway profile's {@code bastion-audit-writer} ticks per
 * request). A JMH score would measure the callers; this measures the writer's own thread CPU,
 * which on a shared machine stays close to what one core does. One producer thread appends
 * {@code rate} records per second for {@code seconds} (after a warm-up of half as long).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
 *   dev.bastion.audit.AuditWriterCpuTime batch 1600 20
 * </pre>
 */
public final class AuditWriterCpuTime {
  private AuditWriterCpuTime() {}

  public static void main(String[] args) throws Exception {
    AuditConfig.Durability durability = "sync".equals(args[0]) ? AuditConfig.Durability.SYNC : AuditConfig.Durability.BATCH;
    int rate = Integer.parseInt(args[1]);
    long seconds = args.length > 2 ? Long.parseLong(args[2]) : 20;
    Path dir = Files.createTempDirectory("bastion-audit-cpu");
    try (AuditLog log = AuditLog.open(new AuditConfig(null, durability, Duration.ofMillis(Long.getLong("window", 5)), Duration.ofMinutes(1), false), dir)) {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long writerId = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("bastion-audit-writer")).findFirst().orElseThrow().threadId();
      produce(log, rate, Math.max(1, seconds / 2));
      long cpu0 = threads.getThreadCpuTime(writerId);
      long records = produce(log, rate, seconds);
      long cpu = threads.getThreadCpuTime(writerId) - cpu0;
      System.out.printf("%s %d records/s: %d records, writer CPU %.1f us/record%n", args[0], rate, records, cpu / 1e3 / records);
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Appends at {@code rate} records per second for {@code seconds}; waits for the writer to catch up. */
  private static long produce(AuditLog log, int rate, long seconds) {
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    long sent = 0;
    AuditTicket last = null;
    for (long now = start; now < end; now = System.nanoTime()) {
      long due = (now - start) * rate / 1_000_000_000L;
      for (; sent < due; sent++) {
        last = log.append(record(sent));
      }
      LockSupport.parkNanos(200_000);
    }
    if (last != null) {
      last.await(Duration.ofSeconds(30));
    }
    while (log.backlog() > 0) {
      LockSupport.parkNanos(1_000_000);
    }
    return sent;
  }

  /** A record shaped like the benchmark's echo call (about 0.5 KB of content). */
  static AuditRecord record(long n) {
    ObjectNode args = CanonicalJson.MAPPER.createObjectNode().put("message", "hello from the benchmark client " + n)
        .put("count", n);
    return new AuditRecord(0, Instant.now(), "exchange-" + n + "-0123456789abcdef0123456789abcdef", "anyone", null,
        "session-0123456789abcdef", "legacy", "2025-11-25", "tools/call", "mock", "mock__echo", CanonicalJson.sha256Hex(args),
        CanonicalJson.write(args), AuditRecord.Effect.ALLOW, List.of("default"), null, 1L, "ok",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", List.of(), "0af7651916cd43dd8448eb211c80319c",
        null, null);
  }
}
