package dev.bastion.audit;

import java.util.List;
import java.util.Optional;

/**
 * Where audit records and checkpoints are kept. The pipeline never sees this: it talks to {@link
 * AuditLog}, which is the store's only writer (one writer thread per log). A PostgreSQL store
 * implements the same contract.
 *
 * <p>Every method throws {@link AuditStoreException} when the store cannot do what was asked; the
 * log turns that into {@link AuditHealth.Unavailable} and keeps probing with {@link #probe()}.
 */
public interface AuditStore extends AutoCloseable {

  /** The last record's seq and hash, or {@link ChainHead#EMPTY}. */
  ChainHead head();

  /**
   * Writes chained records (contiguous, continuing the head) in one transaction: all or none. On
   * return they are durable to the degree the store was opened with (for SQLite with {@code
   * synchronous=FULL}: fsynced).
   */
  void append(List<AuditRecord> records);

  /** Records with {@code seq >= fromSeq}, ascending, at most {@code limit}. */
  List<AuditRecord> read(long fromSeq, int limit);

  /** Records matching the query, ascending by seq. */
  List<AuditRecord> query(AuditQuery query);

  /** Writes a signed checkpoint durably. */
  void appendCheckpoint(Checkpoint checkpoint);

  /** All checkpoints, ascending by seq. */
  List<Checkpoint> checkpoints();

  /** The newest checkpoint, if any. */
  Optional<Checkpoint> lastCheckpoint();

  /**
   * Proves the store can take a write now (for SQLite: a write transaction on a probe row, so a lock
   * held by someone else, a full disk or a deleted file all fail). Reopens connections if needed.
   */
  void probe();

  /** A short, secret-free description for messages, e.g. {@code sqlite:/var/lib/bastion/audit.db}. */
  String describe();

  @Override
  void close();
}
