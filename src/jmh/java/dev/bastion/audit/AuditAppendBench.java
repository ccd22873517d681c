package dev.bastion.audit;

import dev.bastion.config.AuditConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.node.ObjectNode;

/**
 * Appending one record to the SQLite store through the group-commit log, as the record stage does:
 * {@code sync} waits until the record is on disk (its group's fsync), {@code batch} only until it
 * is accepted. Run with 8 threads so that group commit has something to group; the score is the
 * time one request thread spends on its record.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Threads(8)
@Fork(1)
public class AuditAppendBench {
  @Param({"sync", "batch"})
  String durability;

  private Path dir;
  private AuditLog log;
  private ObjectNode detail;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("bastion-audit-jmh");
    AuditConfig.Durability d = durability.equals("sync") ? AuditConfig.Durability.SYNC : AuditConfig.Durability.BATCH;
    log = AuditLog.open(new AuditConfig(null, d, Duration.ofMillis(5), Duration.ofMinutes(1), false), dir);
    detail = CanonicalJson.MAPPER.createObjectNode().put("tool", "mock__echo").put("decision", "allow");
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    log.close();
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  public AppendResult append() {
    AuditTicket ticket = log.append(AuditRecords.gatewayEvent("bench", detail, Clock.systemUTC()));
    return durability.equals("sync") ? ticket.await(Duration.ofSeconds(30)) : ticket.await(Duration.ZERO);
  }
}
