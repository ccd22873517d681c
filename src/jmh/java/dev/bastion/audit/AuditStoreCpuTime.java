package dev.bastion.audit;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the audit writer's work costs per record as a function of how many records one transaction
 * carries: chains pre-rendered records ({@link ChainText}, as the writer does) and writes them with
 * {@link SqliteAuditStore#append} in batches of each given size, on a fresh database each time, and
 * prints this thread's CPU per record (ThreadMXBean: user + kernel, so the fsync's kernel time
 * counts), of which chaining, and the CPU per commit. Three rounds; the first warms the JIT.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
 *   dev.bastion.audit.AuditStoreCpuTime 2000 1,4,16,64
 * </pre>
 */
public final class AuditStoreCpuTime {
  private AuditStoreCpuTime() {}

  public static void main(String[] args) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int total = Integer.parseInt(args[0]);
    String[] sizes = (args.length > 1 ? args[1] : "1,4,16,64").split(",");
    for (int round = 0; round < 3; round++) {
      for (String size : sizes) {
        int batchSize = Integer.parseInt(size);
        Path dir = Files.createTempDirectory("bastion-audit-store-cpu");
        try (SqliteAuditStore store = SqliteAuditStore.open(dir.resolve("audit.db"))) {
          ChainHead head = store.head();
          long seq = head.seq();
          String prev = head.hash();
          List<ChainText> texts = new ArrayList<>(total);
          for (int i = 0; i < total; i++) {
            texts.add(ChainText.of(AuditWriterCpuTime.record(i)));
          }
          long cpu0 = threads.getCurrentThreadCpuTime();
          long chaining = 0;
          for (int i = 0; i < total; i += batchSize) {
            long c0 = threads.getCurrentThreadCpuTime();
            List<AuditRecord> batch = new ArrayList<>(batchSize);
            for (int j = i; j < Math.min(total, i + batchSize); j++) {
              AuditRecord r = texts.get(j).chain(++seq, prev);
              prev = r.hash();
              batch.add(r);
            }
            chaining += threads.getCurrentThreadCpuTime() - c0;
            store.append(batch);
          }
          long cpu = threads.getCurrentThreadCpuTime() - cpu0;
          long commits = (total + batchSize - 1) / batchSize;
          System.out.printf("%sround %d, %d records per commit: %.1f us CPU per record (chaining %.1f), %.0f us per commit%n",
              round == 0 ? "(warm-up) " : "", round, batchSize, cpu / 1e3 / total, chaining / 1e3 / total, cpu / 1e3 / commits);
        } finally {
          try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(p);
            }
          }
        }
      }
    }
  }
}
