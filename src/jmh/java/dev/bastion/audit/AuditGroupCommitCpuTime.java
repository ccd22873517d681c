package dev.bastion.audit;

import com.sun.management.OperatingSystemMXBean;
import dev.bastion.config.AuditConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writer's CPU per record with {@code durability: sync} when many exchanges run at once, as in
 * the gateway's benchmark: {@code conns} virtual threads each run a closed loop of "exchange" —
 * announce, {@code workMicros} of busy work (the pipeline and the upstream), append the record,
 * withdraw, wait for the record's commit — for {@code seconds}. Each round runs the log without and
 * with the commit delay ({@link AuditLog.Tuning#maxCommitDelay}), alternating which goes first, on a
 * fresh database each time, and prints per mode: records, records per commit, the writer thread's
 * CPU per record, the whole process's CPU per record, and the p50/p99 of the wait for the record.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
 *   dev.bastion.audit.AuditGroupCommitCpuTime 32 300 10 4
 * </pre>
 */
public final class AuditGroupCommitCpuTime {
  private AuditGroupCommitCpuTime() {}

  public static void main(String[] args) throws Exception {
    int conns = Integer.parseInt(args[0]);
    long workNanos = Long.parseLong(args[1]) * 1000;
    long seconds = Long.parseLong(args[2]);
    long upstreamNanos = args.length > 4 ? Long.parseLong(args[4]) * 1000 : 0;
    int rounds = Integer.parseInt(args[3]);
    Duration maxDelay = Duration.ofMillis(Long.getLong("delayMs", AuditLog.Tuning.DEFAULTS.maxCommitDelay().toMillis()));
    for (int round = 0; round < rounds; round++) {
      boolean delayFirst = round % 2 == 1;
      for (int k = 0; k < 2; k++) {
        boolean delay = delayFirst == (k == 0);
        AuditLog.Tuning tuning = AuditLog.Tuning.DEFAULTS.withCommitDelay(AuditLog.Tuning.DEFAULTS.commitSiblings(),
            delay ? maxDelay : Duration.ZERO);
        System.out.println((round == 0 ? "(warm-up) " : "") + "round " + round + " " + (delay ? "delay " : "no-delay ")
            + run(conns, workNanos, upstreamNanos, seconds, tuning));
      }
    }
  }

  private static String run(int conns, long workNanos, long upstreamNanos, long seconds, AuditLog.Tuning tuning) throws Exception {
    Path dir = Files.createTempDirectory("bastion-audit-group");
    try {
      CountingStore store = new CountingStore(SqliteAuditStore.open(dir.resolve("audit.db"), tuning.busyTimeoutMs()));
      AuditConfig config = new AuditConfig(null, AuditConfig.Durability.SYNC, null, Duration.ofMinutes(10), false);
      try (AuditLog log = AuditLog.open(config, store, AuditKeys.generate(), tuning, java.time.Clock.systemUTC())) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long writerId = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("bastion-audit-writer") && t.isAlive()).mapToLong(Thread::threadId).max().orElseThrow();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ids = new AtomicLong();
        List<long[]> waits = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        long writer0 = threads.getThreadCpuTime(writerId);
        long process0 = os.getProcessCpuTime();
        long commits0 = store.commits.get();
        long t0 = System.nanoTime();
        for (int c = 0; c < conns; c++) {
          long[] mine = new long[1 << 20];
          waits.add(mine);
          workers.add(Thread.ofVirtual().start(() -> {
            int n = 1;
            while (!stop.get() && n < mine.length) {
              log.announce();
              AuditTicket ticket;
              try {
                if (upstreamNanos > 0) {
                  java.util.concurrent.locks.LockSupport.parkNanos(upstreamNanos); // the upstream's answer
                }
                long until = System.nanoTime() + workNanos;
                while (System.nanoTime() < until) {
                  Thread.onSpinWait();
                }
                ticket = log.append(AuditWriterCpuTime.record(ids.incrementAndGet()));
              } finally {
                log.withdraw();
              }
              long w0 = System.nanoTime();
              if (!(ticket.await(Duration.ofSeconds(30)) instanceof AppendResult.Durable)) {
                throw new IllegalStateException("a record was not written");
              }
              mine[n++] = System.nanoTime() - w0;
            }
            mine[0] = n - 1;
          }));
        }
        Thread.sleep(seconds * 1000);
        stop.set(true);
        for (Thread t : workers) {
          t.join();
        }
        long wall = System.nanoTime() - t0;
        long records = ids.get();
        long commits = store.commits.get() - commits0;
        long writerCpu = threads.getThreadCpuTime(writerId) - writer0;
        long processCpu = os.getProcessCpuTime() - process0;
        long[] all = waits.stream().flatMapToLong(a -> Arrays.stream(a, 1, (int) a[0] + 1)).sorted().toArray();
        return String.format("records=%d rps=%.0f per_commit=%.1f writer_cpu_us_per_record=%.1f process_cpu_us_per_record=%.1f"
                + " wait_p50_us=%d wait_p99_us=%d", records, records * 1e9 / wall, (double) records / Math.max(1, commits),
            writerCpu / 1e3 / records, processCpu / 1e3 / records, all[all.length / 2] / 1000, all[(int) (all.length * 0.99)] / 1000);
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** The SQLite store, counting its record transactions. */
  private static final class CountingStore implements AuditStore {
    private final AuditStore inner;
    private final AtomicLong commits = new AtomicLong();

    CountingStore(AuditStore inner) {
      this.inner = inner;
    }

    @Override
    public ChainHead head() {
      return inner.head();
    }

    @Override
    public void append(List<AuditRecord> records) {
      inner.append(records);
      commits.incrementAndGet();
    }

    @Override
    public List<AuditRecord> read(long fromSeq, int limit) {
      return inner.read(fromSeq, limit);
    }

    @Override
    public List<AuditRecord> query(AuditQuery query) {
      return inner.query(query);
    }

    @Override
    public void appendCheckpoint(Checkpoint checkpoint) {
      inner.appendCheckpoint(checkpoint);
    }

    @Override
    public List<Checkpoint> checkpoints() {
      return inner.checkpoints();
    }

    @Override
    public Optional<Checkpoint> lastCheckpoint() {
      return inner.lastCheckpoint();
    }

    @Override
    public void probe() {
      inner.probe();
    }

    @Override
    public String describe() {
      return inner.describe();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
