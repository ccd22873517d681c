package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Stage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync mode's group commit ({@code AuditLog.gatherSync}): a transaction waits for the records of
 * exchanges still in progress, never for nothing, and never longer than its bound. The bound here
 * is 30 s, far above the 10 s the tickets are awaited, so a wait that should not happen fails the
 * test instead of slowing it down.
 */
class AuditGroupCommitTest {
  private static final Duration LONG_GATHER = Duration.ofSeconds(30);
  private static final Duration AWAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  /** A real store that remembers the size of every transaction. */
  private final class CountingStore extends FlakyStore {
    final List<Integer> transactions = new CopyOnWriteArrayList<>();

    CountingStore() {
      super(SqliteAuditStore.open(dir.resolve("audit.db")));
    }

    @Override
    public void append(List<AuditRecord> records) {
      super.append(records);
      transactions.add(records.size());
    }
  }

  private AuditLog open(CountingStore store, Duration gather) {
    return AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), Fixtures.fastTuning().withSyncGather(gather), Fixtures.clock());
  }

  @Test
  void recordsOfExchangesInProgressShareOneTransaction() {
    CountingStore store = new CountingStore();
    try (AuditLog log = open(store, LONG_GATHER)) {
      log.exchangeStarted();
      log.exchangeStarted();
      AuditTicket first = log.append(Fixtures.record());
      log.exchangeEnded(); // the second exchange is still in progress: the writer waits for it
      AuditTicket second = log.append(Fixtures.record());
      log.exchangeEnded(); // every record is queued: the writer commits at once

      assertThat(first.await(AWAIT)).isInstanceOf(AppendResult.Durable.class);
      assertThat(second.await(AWAIT)).isInstanceOf(AppendResult.Durable.class);
      assertThat(store.transactions).containsExactly(2);
    }
  }

  @Test
  void aLoneExchangeCommitsWithoutWaiting() {
    CountingStore store = new CountingStore();
    try (AuditLog log = open(store, LONG_GATHER)) {
      log.exchangeStarted();
      AuditTicket only = log.append(Fixtures.record());
      log.exchangeEnded();
      // nothing else is in progress: a 30 s gather would outlast this await
      assertThat(only.await(AWAIT)).isInstanceOf(AppendResult.Durable.class);
      assertThat(store.transactions).containsExactly(1);
    }
  }

  @Test
  void anExchangeThatNeverRecordsDelaysOthersOnlyUpToTheBound() {
    CountingStore store = new CountingStore();
    try (AuditLog log = open(store, Duration.ofMillis(20))) {
      log.exchangeStarted(); // e.g. a tool call that runs for minutes
      AuditTicket other = log.append(Fixtures.record());
      assertThat(other.await(AWAIT)).isInstanceOf(AppendResult.Durable.class);
      assertThat(store.transactions).containsExactly(1);
    }
  }

  @Test
  void anExchangeThatFailsInsideTheStageIsNoLongerWaitedFor() {
    CountingStore store = new CountingStore();
    try (AuditLog log = open(store, LONG_GATHER)) {
      AuditStage stage = new AuditStage(log);
      Exchange exchange = Fixtures.toolCall("read_file", Fixtures.F.objectNode());
      Stage.Chain failing = e -> {
        throw new IllegalStateException("a stage failed");
      };
      assertThatThrownBy(() -> stage.handle(exchange, failing)).hasMessage("a stage failed");

      AuditTicket next = log.append(Fixtures.record());
      assertThat(next.await(AWAIT)).isInstanceOf(AppendResult.Durable.class);
    }
  }

  @Test
  void theStageQueuesItsRecordBeforeItStopsCountingAsInProgress() {
    CountingStore store = new CountingStore();
    try (AuditLog log = open(store, LONG_GATHER)) {
      AuditStage stage = new AuditStage(log);
      log.exchangeStarted(); // another exchange, in progress while the stage's one is recorded
      AuditTicket other = log.append(Fixtures.record());
      Stage.Chain answering = e -> {
        log.exchangeEnded(); // the other exchange is done while this one runs
        return new Outcome.Success(Fixtures.F.objectNode());
      };
      Outcome outcome = stage.handle(Fixtures.toolCall("read_file", Fixtures.F.objectNode()), answering);

      assertThat(outcome).isInstanceOf(Outcome.Success.class);
      assertThat(other.await(AWAIT)).isInstanceOf(AppendResult.Durable.class);
      assertThat(store.transactions).containsExactly(2);
    }
  }
}
