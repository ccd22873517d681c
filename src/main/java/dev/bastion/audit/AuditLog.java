package dev.bastion.audit;

import dev.bastion.config.AuditConfig;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import tools.jackson.databind.node.ObjectNode;

/**
 * The audit writer: callers {@link #append} unchained records and get a ticket; one dedicated
 * writer thread drains the queue, gives each record its seq and hash, writes the whole batch in one
 * transaction (one fsync for many records: group commit), then completes the batch's tickets.
 *
 * <p><b>Durability.</b> {@code sync}: a ticket completes ({@link AppendResult.Durable}) only after
 * its record's transaction committed with {@code synchronous=FULL}. {@code batch}: a ticket
 * completes ({@link AppendResult.Accepted}) as soon as the record is queued; the writer flushes
 * continuously, so under normal load a record reaches disk within the batch window, but a crash
 * loses whatever was still queued. This is weaker and documented as such.
 *
 * <p><b>Backpressure.</b> The queue is bounded ({@link Tuning#queueCapacity}); a full queue makes
 * {@code append} wait up to {@link Tuning#enqueueTimeout} and then fail, never grow.
 *
 * <p><b>Failure.</b> When a write fails (disk full, database locked, file deleted) the log becomes
 * {@link AuditHealth.Unavailable}: the failed batch's tickets fail (in batch mode the already
 * accepted records are kept and written first on recovery), new appends fail at once, and the
 * writer probes the store with exponential backoff. When a probe succeeds it re-reads the chain
 * head from the store and becomes {@link AuditHealth.Healthy} again by itself.
 *
 * <p><b>Checkpoints.</b> Every {@link Tuning#checkpointEveryRecords} records, or when {@link
 * AuditConfig#checkpointInterval()} has passed with new records, and at {@link #close()}, the
 * writer signs the head with the log's Ed25519 key and stores the {@link Checkpoint}.
 */
public final class AuditLog implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
  private static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(60);
  private static final Duration DEFAULT_BATCH_WINDOW = Duration.ofMillis(200);

  /**
   * Knobs that are not user configuration.
   *
   * @param busyTimeoutMs how long a SQLite write waits for a lock held by another connection
   */
  public record Tuning(
      int queueCapacity,
      int maxBatch,
      long checkpointEveryRecords,
      Duration retryInitial,
      Duration retryMax,
      Duration enqueueTimeout,
      int busyTimeoutMs) {
    public static final Tuning DEFAULTS =
        new Tuning(65_536, 4_096, 10_000, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(5), 2_000);

    public Tuning {
      if (queueCapacity < 1 || maxBatch < 1 || checkpointEveryRecords < 1) {
        throw new IllegalArgumentException("queueCapacity, maxBatch and checkpointEveryRecords must be >= 1");
      }
      Objects.requireNonNull(retryInitial, "retryInitial");
      Objects.requireNonNull(retryMax, "retryMax");
      Objects.requireNonNull(enqueueTimeout, "enqueueTimeout");
    }

    public Tuning withCheckpointEveryRecords(long n) {
      return new Tuning(queueCapacity, maxBatch, n, retryInitial, retryMax, enqueueTimeout, busyTimeoutMs);
    }

    public Tuning withRetry(Duration initial, Duration max) {
      return new Tuning(queueCapacity, maxBatch, checkpointEveryRecords, initial, max, enqueueTimeout, busyTimeoutMs);
    }

    public Tuning withBusyTimeoutMs(int ms) {
      return new Tuning(queueCapacity, maxBatch, checkpointEveryRecords, retryInitial, retryMax, enqueueTimeout, ms);
    }

    public Tuning withQueue(int capacity, int batch, Duration enqueueWait) {
      return new Tuning(capacity, batch, checkpointEveryRecords, retryInitial, retryMax, enqueueWait, busyTimeoutMs);
    }
  }

  /**
   * A queued record with its hash input already rendered (on the caller's thread, see {@link
   * ChainText}); {@code queuedAt} is {@link System#nanoTime()} when it was queued.
   */
  private record Pending(ChainText text, CompletableFuture<AppendResult> ticket, long queuedAt) {}

  private static final Pending STOP = new Pending(null, null, 0);

  private final AuditStore store;
  private final AuditKeys keys;
  private final AuditConfig.Durability durability;
  private final boolean failOpen;
  private final Duration checkpointInterval;
  private final Duration batchWindow;
  private final long gatherNanos;
  private final Tuning tuning;
  private final Clock clock;
  private final BlockingQueue<Pending> queue;
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  private final Thread writer;

  private volatile AuditHealth health = AuditHealth.HEALTHY;
  private volatile ChainHead durableHead;
  private boolean closing; // guarded by closeLock

  // writer-thread state
  private ChainHead head;
  private long lastCheckpointSeq;
  private Instant lastCheckpointTime;
  private List<ChainText> retained = List.of(); // batch mode: accepted but not yet written
  private int retainedAttempted; // how many of retained were in the write that failed
  private String retainedLastHash; // the hash that write would have ended in
  private Duration backoff;

  private AuditLog(AuditConfig config, AuditStore store, AuditKeys keys, Tuning tuning, Clock clock) {
    this.store = store;
    this.keys = keys;
    this.durability = config.durability() == null ? AuditConfig.Durability.SYNC : config.durability();
    this.failOpen = config.failOpen();
    this.checkpointInterval = positiveOr(config.checkpointInterval(), DEFAULT_CHECKPOINT_INTERVAL);
    this.batchWindow = positiveOr(config.batchWindow(), DEFAULT_BATCH_WINDOW);
    this.gatherNanos = batchWindow.toNanos() / 2;
    this.tuning = tuning;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(tuning.queueCapacity());
    this.head = store.head();
    this.durableHead = head;
    this.lastCheckpointSeq = store.lastCheckpoint().map(Checkpoint::seq).orElse(0L);
    if (lastCheckpointSeq > head.seq()) {
      throw new AuditStoreException("the audit log " + store.describe() + " ends at seq " + head.seq()
          + " but a signed checkpoint covers seq " + lastCheckpointSeq + ": records were removed. Refusing to extend it;"
          + " run 'bastion audit verify', keep the database as evidence and move it away to start a new log");
    }
    this.lastCheckpointTime = clock.instant();
    this.backoff = tuning.retryInitial();
    this.writer = Thread.ofPlatform().name("bastion-audit-writer").daemon(true).unstarted(this::run);
  }

  /**
   * Opens the log the configuration names: the store from {@code config.store()} ({@code
   * sqlite:PATH}, a relative PATH resolved against {@code dataDir}; default {@code
   * <dataDir>/audit.db}) and the signing key from {@code dataDir} (generated on first start).
   * Starts the writer. With {@code failOpen} it records that fact before returning.
   *
   * @throws AuditStoreException when the store cannot be opened (the gateway must not start)
   */
  public static AuditLog open(AuditConfig config, Path dataDir) {
    return open(config, dataDir, Tuning.DEFAULTS);
  }

  public static AuditLog open(AuditConfig config, Path dataDir, Tuning tuning) {
    AuditKeys keys = AuditKeys.loadOrCreate(dataDir);
    AuditStore store = AuditStores.open(config.store(), dataDir, tuning.busyTimeoutMs());
    try {
      return open(config, store, keys, tuning, Clock.systemUTC());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Opens a log over any store (PostgreSQL later, fakes in tests). The log owns the store from now on. */
  public static AuditLog open(AuditConfig config, AuditStore store, AuditKeys keys, Tuning tuning, Clock clock) {
    AuditLog log = new AuditLog(config, store, keys, tuning, clock);
    log.writer.start();
    if (log.failOpen) {
      ObjectNode detail = CanonicalJson.MAPPER.createObjectNode();
      detail.put("failOpen", true);
      detail.put("store", store.describe());
      detail.put("note", "requests are served even when their audit record cannot be written");
      AppendResult r = log.append(AuditRecords.gatewayEvent("audit.fail-open", detail, clock)).await(Duration.ofSeconds(30));
      LOG.log(Level.WARNING, "audit fail-open is enabled: requests will be served even when they cannot be recorded ("
          + r + ")");
    }
    return log;
  }

  /**
   * Queues an unchained record. Never throws for store trouble: the ticket says what happened.
   *
   * @throws IllegalArgumentException if the record was already chained
   */
  public AuditTicket append(AuditRecord record) {
    if (record.chained() || record.seq() != 0) {
      throw new IllegalArgumentException("append takes an unchained record (seq 0); exchange " + record.exchangeId()
          + " already has seq " + record.seq());
    }
    ChainText text = ChainText.of(record); // rendered on the caller's thread: the writer only hashes
    closeLock.readLock().lock();
    try {
      if (closing) {
        return AuditTicket.done(new AppendResult.Failed("the audit log is closed"));
      }
      if (health instanceof AuditHealth.Unavailable u) {
        return AuditTicket.done(new AppendResult.Failed("the audit store is unavailable: " + u.reason()));
      }
      boolean sync = durability == AuditConfig.Durability.SYNC;
      CompletableFuture<AppendResult> ticket = sync ? new CompletableFuture<>() : null;
      boolean queued;
      try {
        queued = queue.offer(new Pending(text, ticket, System.nanoTime()), tuning.enqueueTimeout().toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return AuditTicket.done(new AppendResult.Failed("interrupted while queueing the audit record"));
      }
      if (!queued) {
        return AuditTicket.done(new AppendResult.Failed(
            "the audit queue stayed full for " + tuning.enqueueTimeout() + " (" + tuning.queueCapacity() + " records)"));
      }
      return sync ? new AuditTicket(ticket) : AuditTicket.done(new AppendResult.Accepted());
    } finally {
      closeLock.readLock().unlock();
    }
  }

  /** Healthy, or Unavailable with the reason; cheap, for {@code /readyz} and the stage's pre-check. */
  /** Records queued and not yet written (a gauge for telemetry). */
  public int backlog() {
    return queue.size();
  }

  public AuditHealth health() {
    return health;
  }

  public AuditConfig.Durability durability() {
    return durability;
  }

  public boolean failOpen() {
    return failOpen;
  }

  /** The last record known to be written. */
  public ChainHead head() {
    return durableHead;
  }

  public PublicKey publicKey() {
    return keys.publicKey();
  }

  public String describeStore() {
    return store.describe();
  }

  /** The configured batch-mode bound (documentation and status pages). */
  public Duration batchWindow() {
    return batchWindow;
  }

  /**
   * Stops accepting records, writes everything queued, signs a final checkpoint if there are
   * records since the last one, and closes the store. Idempotent.
   */
  @Override
  public void close() {
    closeLock.writeLock().lock();
    try {
      if (closing) {
        return;
      }
      closing = true;
    } finally {
      closeLock.writeLock().unlock();
    }
    try {
      queue.put(STOP);
      LockSupport.unpark(writer); // ends a batch-mode gathering pause at once
      writer.join(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // --- the writer thread ---

  private void run() {
    try {
      while (true) {
        if (health instanceof AuditHealth.Unavailable) {
          if (!recover()) {
            if (waitOrStop(backoff)) {
              break;
            }
            backoff = min(backoff.multipliedBy(2), tuning.retryMax());
            continue;
          }
        }
        Pending first = queue.poll(pollTimeout().toNanos(), TimeUnit.NANOSECONDS);
        if (first == null) {
          checkpointIfDue(false);
          continue;
        }
        List<Pending> batch = new ArrayList<>();
        boolean stop = first == STOP;
        if (!stop) {
          batch.add(first);
          gather(first);
          stop = drainInto(batch);
        }
        write(batch);
        if (stop) {
          break;
        }
        checkpointIfDue(false);
      }
      if (health instanceof AuditHealth.Healthy) {
        checkpointIfDue(true);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.log(Level.ERROR, "the audit writer stopped unexpectedly", e);
      health = new AuditHealth.Unavailable("the audit writer stopped: " + e, clock.instant());
    } finally {
      failQueued("the audit log is closed");
      store.close();
    }
  }

  /**
   * Batch mode: lets records gather until the first one has waited half the batch window, so that
   * one transaction (one fsync) carries many of them instead of one or two. A record thus starts
   * its transaction within half the window and, with a commit shorter than that, is on disk within
   * the window, as documented. Ends early when a batch is full or the log is closing ({@link
   * #close()} unparks the writer). Sync mode never waits: its callers are already waiting.
   */
  private void gather(Pending first) {
    if (durability != AuditConfig.Durability.BATCH) {
      return;
    }
    long deadline = first.queuedAt() + gatherNanos;
    while (queue.size() + 1 < tuning.maxBatch() && !closingSeen()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      LockSupport.parkNanos(this, left);
    }
  }

  private boolean closingSeen() {
    closeLock.readLock().lock();
    try {
      return closing;
    } finally {
      closeLock.readLock().unlock();
    }
  }

  /** Drains up to a batch; true if the stop marker was among them. */
  private boolean drainInto(List<Pending> batch) {
    List<Pending> more = new ArrayList<>();
    queue.drainTo(more, tuning.maxBatch() - batch.size());
    boolean stop = false;
    for (Pending p : more) {
      if (p == STOP) {
        stop = true;
      } else {
        batch.add(p);
      }
    }
    return stop;
  }

  private void write(List<Pending> batch) {
    List<ChainText> unchained = new ArrayList<>(retained.size() + batch.size());
    unchained.addAll(retained);
    for (Pending p : batch) {
      unchained.add(p.text());
    }
    if (unchained.isEmpty()) {
      return;
    }
    List<AuditRecord> chained = new ArrayList<>(unchained.size());
    long seq = head.seq();
    String prev = head.hash();
    for (ChainText r : unchained) {
      AuditRecord c = r.chain(++seq, prev);
      chained.add(c);
      prev = c.hash();
    }
    try {
      store.append(chained);
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      markUnavailable(reason);
      if (durability == AuditConfig.Durability.BATCH) {
        retained = new ArrayList<>(unchained);
        retainedAttempted = unchained.size();
        retainedLastHash = prev;
      }
      for (Pending p : batch) {
        if (p.ticket() != null) {
          p.ticket().complete(new AppendResult.Failed("the audit record could not be written: " + reason));
        }
      }
      return;
    }
    retained = List.of();
    retainedAttempted = 0;
    retainedLastHash = null;
    head = new ChainHead(seq, prev);
    durableHead = head;
    int offset = chained.size() - batch.size();
    for (int i = 0; i < batch.size(); i++) {
      CompletableFuture<AppendResult> t = batch.get(i).ticket();
      if (t != null) {
        AuditRecord c = chained.get(offset + i);
        t.complete(new AppendResult.Durable(c.seq(), c.hash()));
      }
    }
  }

  private void checkpointIfDue(boolean force) {
    if (head.seq() <= lastCheckpointSeq) {
      return;
    }
    Instant now = clock.instant();
    boolean due = force
        || head.seq() - lastCheckpointSeq >= tuning.checkpointEveryRecords()
        || !now.isBefore(lastCheckpointTime.plus(checkpointInterval));
    if (!due) {
      return;
    }
    try {
      store.appendCheckpoint(keys.sign(head.seq(), head.hash(), now));
      lastCheckpointSeq = head.seq();
      lastCheckpointTime = now;
    } catch (RuntimeException e) {
      markUnavailable(e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private Duration pollTimeout() {
    if (head.seq() > lastCheckpointSeq) {
      Duration left = Duration.between(clock.instant(), lastCheckpointTime.plus(checkpointInterval));
      return left.isNegative() || left.isZero() ? Duration.ofMillis(1) : min(left, Duration.ofSeconds(1));
    }
    return Duration.ofSeconds(1);
  }

  private void markUnavailable(String reason) {
    if (!(health instanceof AuditHealth.Unavailable)) {
      LOG.log(Level.ERROR, "audit store unavailable, requests will be refused until it recovers: " + reason);
      health = new AuditHealth.Unavailable(reason, clock.instant());
      backoff = tuning.retryInitial();
    }
  }

  /** One recovery attempt: probe, re-read the head, write what batch mode kept. */
  private boolean recover() {
    failQueued(((AuditHealth.Unavailable) health).reason());
    try {
      store.probe();
      ChainHead stored = store.head();
      if (!retained.isEmpty() && stored.hash().equals(retainedLastHash)) {
        // the commit that reported failure had in fact reached the store
        retained = new ArrayList<>(retained.subList(retainedAttempted, retained.size()));
        retainedAttempted = 0;
        retainedLastHash = null;
      }
      head = stored;
      durableHead = stored;
      lastCheckpointSeq = Math.min(lastCheckpointSeq, stored.seq());
      store.lastCheckpoint().ifPresent(cp -> lastCheckpointSeq = cp.seq());
      if (!retained.isEmpty()) {
        List<ChainText> kept = retained;
        write(List.of());
        if (!retained.isEmpty()) {
          return false;
        }
        LOG.log(Level.INFO, "wrote " + kept.size() + " accepted audit records kept during the outage");
      }
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      health = new AuditHealth.Unavailable(reason, ((AuditHealth.Unavailable) health).since());
      return false;
    }
    LOG.log(Level.INFO, "audit store recovered; recording resumes at seq " + (head.seq() + 1));
    health = AuditHealth.HEALTHY;
    backoff = tuning.retryInitial();
    return true;
  }

  /** Waits out the backoff while failing whatever arrives; true if asked to stop. */
  private boolean waitOrStop(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      Pending p = queue.poll(left, TimeUnit.NANOSECONDS);
      if (p == STOP) {
        return true;
      }
      if (p != null && p.ticket() != null) {
        p.ticket().complete(new AppendResult.Failed(
            "the audit store is unavailable: " + ((AuditHealth.Unavailable) health).reason()));
      } else if (p != null) {
        keepAccepted(p.text());
      }
    }
  }

  private void failQueued(String reason) {
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    boolean stop = false;
    for (Pending p : left) {
      if (p == STOP) {
        stop = true;
      } else if (p.ticket() != null) {
        p.ticket().complete(new AppendResult.Failed("the audit store is unavailable: " + reason));
      } else {
        keepAccepted(p.text());
      }
    }
    if (stop) {
      queue.offer(STOP);
    }
  }

  /** Batch mode: an accepted record that could not be written yet is kept, within the queue's bound. */
  private void keepAccepted(ChainText r) {
    if (retained.size() >= tuning.queueCapacity()) {
      LOG.log(Level.ERROR, "audit outage outlasted the queue: dropped the accepted record of exchange " + r.record().exchangeId());
      return;
    }
    if (retained.isEmpty()) {
      retained = new ArrayList<>();
    }
    retained.add(r);
  }

  private static Duration positiveOr(Duration d, Duration fallback) {
    return d == null || d.isZero() || d.isNegative() ? fallback : d;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
