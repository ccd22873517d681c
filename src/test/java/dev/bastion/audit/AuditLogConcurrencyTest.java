package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogConcurrencyTest {
  @TempDir Path dir;

  @Test
  void thirtyTwoVirtualThreadsAppendingTwoHundredRecordsEachYieldOneContiguousVerifiedChain() throws Exception {
    Set<Long> seqs = ConcurrentHashMap.newKeySet();
    Set<String> exchangeIds = ConcurrentHashMap.newKeySet();
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir, AuditLog.Tuning.DEFAULTS.withCheckpointEveryRecords(1000));
        var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 32; w++) {
        int writer = w;
        writers.add(pool.submit(() -> {
          for (int i = 0; i < 200; i++) {
            AuditRecord r = Fixtures.record("agent-" + writer, "tool", AuditRecord.Effect.ALLOW);
            AppendResult result = log.append(r).await(Duration.ofSeconds(30));
            assertThat(result).isInstanceOf(AppendResult.Durable.class);
            seqs.add(((AppendResult.Durable) result).seq());
            exchangeIds.add(r.exchangeId());
          }
          return null;
        }));
      }
      for (Future<?> f : writers) {
        f.get();
      }
      assertThat(log.head().seq()).isEqualTo(6400);
    }
    assertThat(seqs).hasSize(6400).allMatch(s -> s >= 1 && s <= 6400);
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      assertThat(AuditVerifier.verify(store, AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE))))
          .isInstanceOfSatisfying(VerifyResult.Verified.class, v -> {
            assertThat(v.count()).isEqualTo(6400);
            assertThat(v.checkpoints()).isGreaterThanOrEqualTo(6);
          });
      List<String> stored = new ArrayList<>();
      for (long from = 1; from <= 6400; from += 1000) {
        store.read(from, 1000).forEach(r -> stored.add(r.exchangeId()));
      }
      assertThat(stored).containsExactlyInAnyOrderElementsOf(exchangeIds);
    }
  }

  @Test
  void aFullQueueMakesAppendWaitAndThenFailInsteadOfGrowing() {
    FlakyStore store = new FlakyStore(SqliteAuditStore.open(dir.resolve("audit.db")));
    AuditLog.Tuning tiny = Fixtures.fastTuning().withQueue(2, 1, Duration.ofMillis(20));
    // a store that blocks its writer: the queue (2) fills and the third append times out
    var gate = new java.util.concurrent.CountDownLatch(1);
    AuditStore blocking = new FlakyStore(store) {
      @Override
      public void append(List<AuditRecord> records) {
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        super.append(records);
      }
    };
    try (AuditLog log = AuditLog.open(Fixtures.sync(), blocking, AuditKeys.generate(), tiny, Fixtures.clock())) {
      List<AuditTicket> tickets = new ArrayList<>();
      AppendResult overflow = null;
      for (int i = 0; i < 10 && overflow == null; i++) {
        AuditTicket t = log.append(Fixtures.record());
        if (t.isDone() && t.await(Duration.ZERO) instanceof AppendResult.Failed f) {
          overflow = f;
        } else {
          tickets.add(t);
        }
      }
      assertThat(overflow).isInstanceOfSatisfying(AppendResult.Failed.class,
          f -> assertThat(f.reason()).contains("queue stayed full"));
      assertThat(tickets.size()).isLessThanOrEqualTo(4);
      gate.countDown();
      assertThat(tickets).allSatisfy(t -> assertThat(t.await(Duration.ofSeconds(10))).isInstanceOf(AppendResult.Durable.class));
    }
  }
}
