package dev.bastion.audit;

import dev.bastion.config.AuditConfig;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Where a {@code durability: sync} record's wait goes when one exchange is in flight (one agent
 * connection): the whole append-and-wait as the record stage sees it, the store's transaction
 * alone (insert, commit, fsync of the WAL), the chaining (SHA-256 over the pre-rendered text),
 * and a bare {@code write + fsync} of two pages (what SQLite's commit asks of the disk). The rest
 * of the wait is the two thread hand-offs (queue to writer, ticket back to the caller). Each
 * sample is taken after a 200 µs pause, like a request's think time; percentiles per round.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
 *   dev.bastion.audit.AuditSyncLatency 1000 3 [dir]
 * </pre>
 */
public final class AuditSyncLatency {
  private AuditSyncLatency() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path base = args.length > 2 ? Path.of(args[2]) : Path.of(System.getProperty("java.io.tmpdir"));
    Path dir = Files.createTempDirectory(base, "bastion-audit-lat");
    try (AuditLog log = AuditLog.open(new AuditConfig(null, AuditConfig.Durability.SYNC, Duration.ofMillis(5),
            Duration.ofMinutes(10), false), dir.resolve("log"));
        SqliteAuditStore store = SqliteAuditStore.open(dir.resolve("store").resolve("audit.db"));
        FileChannel raw = FileChannel.open(dir.resolve("raw.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ChainHead head = store.head();
      ByteBuffer twoPages = ByteBuffer.allocate(2 * (4096 + 24));
      for (int round = 0; round < rounds; round++) {
        long[] whole = new long[n];
        long[] commit = new long[n];
        long[] chain = new long[n];
        long[] fsync = new long[n];
        for (int i = 0; i < n; i++) {
          long t0 = System.nanoTime();
          AppendResult r = log.append(AuditWriterCpuTime.record(i)).await(Duration.ofSeconds(30));
          whole[i] = System.nanoTime() - t0;
          if (!(r instanceof AppendResult.Durable)) {
            throw new IllegalStateException("append failed: " + r);
          }
          pause();
          ChainText text = ChainText.of(AuditWriterCpuTime.record(i));
          long t1 = System.nanoTime();
          AuditRecord c = text.chain(head.seq() + 1, head.hash());
          long t2 = System.nanoTime();
          store.append(List.of(c));
          long t3 = System.nanoTime();
          chain[i] = t2 - t1;
          commit[i] = t3 - t2;
          head = new ChainHead(c.seq(), c.hash());
          pause();
          twoPages.clear();
          long t4 = System.nanoTime();
          raw.write(twoPages, (long) (i % 1000) * twoPages.capacity());
          raw.force(true);
          fsync[i] = System.nanoTime() - t4;
          pause();
        }
        System.out.printf("round %d (%d samples, µs)%n  append+await (record stage) %s%n  store commit of 1 record     %s%n"
            + "  chain (hash)                %s%n  write+fsync of 2 pages      %s%n", round, n, q(whole), q(commit), q(chain), q(fsync));
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void pause() {
    LockSupport.parkNanos(200_000);
  }

  private static String q(long[] t) {
    long[] s = t.clone();
    Arrays.sort(s);
    int n = s.length;
    return String.format("p10 %6.0f  p50 %6.0f  p90 %6.0f  p99 %6.0f", s[n / 10] / 1e3, s[n / 2] / 1e3, s[n * 9 / 10] / 1e3,
        s[Math.min(n - 1, n * 99 / 100)] / 1e3);
  }
}
