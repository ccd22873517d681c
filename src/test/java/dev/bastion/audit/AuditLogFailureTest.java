package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir Path dir;

  private VerifyResult verify(AuditKeys keys) {
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      return AuditVerifier.verify(store, keys.publicKey());
    }
  }

  @Test
  void aFailingStoreMakesTheLogUnavailableFailsTicketsAndRecoversByItself() {
    FlakyStore store = new FlakyStore(SqliteAuditStore.open(dir.resolve("audit.db")));
    AuditKeys keys = AuditKeys.generate();
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, keys, Fixtures.fastTuning(), Fixtures.clock())) {
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOf(AppendResult.Durable.class);
      assertThat(log.health()).isInstanceOf(AuditHealth.Healthy.class);

      store.failure = "disk full";
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOfSatisfying(AppendResult.Failed.class,
          f -> assertThat(f.reason()).contains("disk full"));
      assertThat(log.health()).isInstanceOfSatisfying(AuditHealth.Unavailable.class,
          u -> assertThat(u.reason()).contains("disk full"));
      AuditTicket refused = log.append(Fixtures.record());
      assertThat(refused.isDone()).isTrue();
      assertThat(refused.await(Duration.ZERO)).isInstanceOf(AppendResult.Failed.class);
      await().atMost(WAIT).until(() -> store.failedWrites.get() >= 3); // it keeps probing

      store.failure = null;
      await().atMost(WAIT).until(() -> log.health() instanceof AuditHealth.Healthy);
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOfSatisfying(AppendResult.Durable.class,
          d -> assertThat(d.seq()).isEqualTo(2));
    }
    assertThat(verify(keys)).isInstanceOfSatisfying(VerifyResult.Verified.class, v -> assertThat(v.count()).isEqualTo(2));
  }

  @Test
  void aDatabaseLockedByAnotherConnectionMakesTheLogUnavailableUntilTheLockIsReleased() throws Exception {
    AuditKeys keys = AuditKeys.generate();
    Path db = dir.resolve("audit.db");
    try (AuditLog log = AuditLog.open(Fixtures.sync(), SqliteAuditStore.open(db, 50), keys, Fixtures.fastTuning(),
        Fixtures.clock())) {
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOf(AppendResult.Durable.class);
      try (Connection other = Fixtures.sqlite(db); Statement st = other.createStatement()) {
        st.execute("PRAGMA busy_timeout=0");
        st.execute("BEGIN EXCLUSIVE");
        st.execute("INSERT INTO meta (key, value) VALUES ('intruder', 'x')");
        assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOfSatisfying(AppendResult.Failed.class,
            f -> assertThat(f.reason()).containsIgnoringCase("lock"));
        assertThat(log.health()).isInstanceOf(AuditHealth.Unavailable.class);
        st.execute("ROLLBACK");
      }
      await().atMost(WAIT).until(() -> log.health() instanceof AuditHealth.Healthy);
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOfSatisfying(AppendResult.Durable.class,
          d -> assertThat(d.seq()).isEqualTo(2));
    }
    assertThat(verify(keys)).isInstanceOf(VerifyResult.Verified.class);
  }

  @Test
  void aDeletedDatabaseFileMakesTheLogUnavailableInsteadOfWritingIntoTheVoid() throws Exception {
    AuditKeys keys = AuditKeys.generate();
    Path db = dir.resolve("audit.db");
    try (AuditLog log = AuditLog.open(Fixtures.sync(), SqliteAuditStore.open(db, 50), keys, Fixtures.fastTuning(),
        Fixtures.clock())) {
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOf(AppendResult.Durable.class);
      Path moved = dir.resolve("moved.db");
      Files.move(db, moved);
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOfSatisfying(AppendResult.Failed.class,
          f -> assertThat(f.reason()).contains("deleted or replaced"));
      assertThat(log.health()).isInstanceOf(AuditHealth.Unavailable.class);
      assertThat(Files.exists(db)).as("no empty database is created in its place").isFalse();

      Files.move(moved, db); // the operator restores the file
      await().atMost(WAIT).until(() -> log.health() instanceof AuditHealth.Healthy);
      assertThat(log.append(Fixtures.record()).await(WAIT)).isInstanceOfSatisfying(AppendResult.Durable.class,
          d -> assertThat(d.seq()).isEqualTo(2));
    }
    assertThat(verify(keys)).isInstanceOfSatisfying(VerifyResult.Verified.class, v -> assertThat(v.count()).isEqualTo(2));
  }

  @Test
  void inBatchModeAcceptedRecordsSurviveAnOutageAndAreWrittenOnRecovery() {
    FlakyStore store = new FlakyStore(SqliteAuditStore.open(dir.resolve("audit.db")));
    AuditKeys keys = AuditKeys.generate();
    try (AuditLog log = AuditLog.open(Fixtures.batch(), store, keys, Fixtures.fastTuning(), Fixtures.clock())) {
      store.failure = "disk full";
      List<AppendResult> results = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        results.add(log.append(Fixtures.record()).await(Duration.ZERO));
      }
      assertThat(results.getFirst()).isInstanceOf(AppendResult.Accepted.class);
      await().atMost(WAIT).until(() -> log.health() instanceof AuditHealth.Unavailable);
      long accepted = results.stream().filter(r -> r instanceof AppendResult.Accepted).count();
      store.failure = null;
      await().atMost(WAIT).until(() -> log.health() instanceof AuditHealth.Healthy);
      assertThat(log.head().seq()).isEqualTo(accepted);
    }
    assertThat(verify(keys)).isInstanceOf(VerifyResult.Verified.class);
  }
}
