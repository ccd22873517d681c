package dev.bastion.audit;

import dev.bastion.config.AuditConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bastion audit bench}: durable-append throughput of the audit log on this machine's disk,
 * with many concurrent writers each waiting for its own record to be durable (what every agent
 * request does with {@code durability: sync}). Writes into a fresh temporary data directory and
 * verifies the resulting chain before it reports.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure durable audit appends per second (group commit) with concurrent writers,",
      "in a temporary data directory that is deleted afterwards. The chain is verified before reporting."
    })
final class AuditBenchCommand implements Callable<Integer> {
  @Option(names = "--writers", defaultValue = "64", description = "Concurrent writers (default: ${DEFAULT-VALUE}).")
  int writers;

  @Option(names = "--seconds", defaultValue = "10", description = "Measured duration after a 3 s warm-up (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--durability", defaultValue = "sync", description = "sync or batch (default: ${DEFAULT-VALUE}).")
  String durability;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("bastion-audit-bench");
    AuditConfig config =
        new AuditConfig(null, "batch".equals(durability) ? AuditConfig.Durability.BATCH : AuditConfig.Durability.SYNC, Duration.ofMillis(5), Duration.ofMinutes(1), false);
    long count;
    double perSecond;
    try (AuditLog log = AuditLog.open(config, dir)) {
      run(log, Duration.ofSeconds(3));
      long start = System.nanoTime();
      count = run(log, Duration.ofSeconds(seconds));
      perSecond = count / ((System.nanoTime() - start) / 1e9);
    }
    VerifyResult verified;
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      verified = AuditVerifier.verify(store, AuditKeys.loadOrCreate(dir).publicKey());
    }
    System.out.printf(
        "audit bench: %d writers, durability %s, %d s: %,d records, %,.0f records/s; chain %s%n",
        writers, durability, seconds, count, perSecond, verified instanceof VerifyResult.Verified ? "verified" : "BROKEN: " + verified);
    deleteTree(dir);
    return verified instanceof VerifyResult.Verified ? AuditCommand.OK : AuditCommand.BROKEN;
  }

  private long run(AuditLog log, Duration duration) throws InterruptedException {
    AtomicLong done = new AtomicLong();
    long deadline = System.nanoTime() + duration.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    ObjectNode detail = CanonicalJson.MAPPER.createObjectNode();
                    detail.put("writer", writer);
                    while (System.nanoTime() < deadline) {
                      AppendResult r = log.append(AuditRecords.gatewayEvent("bench", detail, Clock.systemUTC())).await(Duration.ofSeconds(30));
                      if (r instanceof AppendResult.Failed) {
                        return;
                      }
                      done.incrementAndGet();
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get();
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
