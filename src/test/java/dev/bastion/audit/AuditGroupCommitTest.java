package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sync mode's commit delay: announced records are gathered into one commit, and nothing else waits. */
class AuditGroupCommitTest {
  @TempDir Path dir;

  /** The store, remembering how many records each transaction carried. */
  private final class SizedStore extends FlakyStore {
    final List<Integer> batches = new CopyOnWriteArrayList<>();

    SizedStore() {
      super(SqliteAuditStore.open(dir.resolve("audit.db")));
    }

    @Override
    public void append(List<AuditRecord> records) {
      super.append(records);
      batches.add(records.size());
    }
  }

  /** A delay no test can run into: only the records' arrival (or close) may end it. */
  private static AuditLog.Tuning longDelay(int siblings) {
    return Fixtures.fastTuning().withCommitDelay(siblings, Duration.ofMinutes(5));
  }

  @Test
  void recordsOfAnnouncedExchangesGoIntoOneCommit() {
    SizedStore store = new SizedStore();
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), longDelay(2), Fixtures.clock())) {
      for (int i = 0; i < 3; i++) {
        log.announce();
      }
      AuditTicket first = log.append(Fixtures.record());
      await().atMost(Duration.ofSeconds(30)).until(() -> log.backlog() == 0); // the writer has taken it
      AuditTicket second = log.append(Fixtures.record());
      AuditTicket third = log.append(Fixtures.record());
      for (int i = 0; i < 3; i++) {
        log.withdraw();
      }
      for (AuditTicket t : List.of(first, second, third)) {
        assertThat(t.await(Duration.ofSeconds(30))).isInstanceOf(AppendResult.Durable.class);
      }
      assertThat(store.batches).containsExactly(3);
      assertThat(log.announcedCount()).isZero();
    }
  }

  @Test
  void withFewerSiblingsThanTheThresholdARecordIsCommittedAtOnce() {
    SizedStore store = new SizedStore();
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), longDelay(4), Fixtures.clock())) {
      for (int i = 0; i < 3; i++) {
        log.announce(); // three on their way: below the threshold of four
      }
      AppendResult r = log.append(Fixtures.record()).await(Duration.ofSeconds(30));
      assertThat(r).isInstanceOf(AppendResult.Durable.class);
      assertThat(store.batches).containsExactly(1);
    }
  }

  @Test
  void batchModeIgnoresAnnouncements() {
    SizedStore store = new SizedStore();
    try (AuditLog log = AuditLog.open(Fixtures.batch(), store, AuditKeys.generate(), longDelay(1), Fixtures.clock())) {
      for (int i = 0; i < 8; i++) {
        log.announce();
      }
      log.append(Fixtures.record());
      await().atMost(Duration.ofSeconds(30)).until(() -> log.head().seq() == 1);
    }
    assertThat(store.batches).containsExactly(1);
  }

  @Test
  void closingEndsADelayAndWritesTheGatheredRecord() {
    SizedStore store = new SizedStore();
    AuditTicket ticket;
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), longDelay(2), Fixtures.clock())) {
      for (int i = 0; i < 5; i++) {
        log.announce(); // never withdrawn: only close can end the delay
      }
      ticket = log.append(Fixtures.record());
      await().atMost(Duration.ofSeconds(30)).until(() -> log.backlog() == 0);
    }
    assertThat(ticket.await(Duration.ofSeconds(30))).isInstanceOf(AppendResult.Durable.class);
    assertThat(store.batches).containsExactly(1);
  }
}
