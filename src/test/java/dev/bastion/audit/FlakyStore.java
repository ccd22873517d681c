package dev.bastion.audit;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A real store whose writes can be made to fail, as a full disk would. */
class FlakyStore implements AuditStore {
  private final AuditStore delegate;
  volatile String failure;
  final AtomicInteger failedWrites = new AtomicInteger();

  FlakyStore(AuditStore delegate) {
    this.delegate = delegate;
  }

  private void check() {
    String f = failure;
    if (f != null) {
      failedWrites.incrementAndGet();
      throw new AuditStoreException(f);
    }
  }

  @Override
  public ChainHead head() {
    return delegate.head();
  }

  @Override
  public void append(List<AuditRecord> records) {
    check();
    delegate.append(records);
  }

  @Override
  public List<AuditRecord> read(long fromSeq, int limit) {
    return delegate.read(fromSeq, limit);
  }

  @Override
  public List<AuditRecord> query(AuditQuery query) {
    return delegate.query(query);
  }

  @Override
  public void appendCheckpoint(Checkpoint checkpoint) {
    check();
    delegate.appendCheckpoint(checkpoint);
  }

  @Override
  public List<Checkpoint> checkpoints() {
    return delegate.checkpoints();
  }

  @Override
  public Optional<Checkpoint> lastCheckpoint() {
    return delegate.lastCheckpoint();
  }

  @Override
  public void probe() {
    check();
    delegate.probe();
  }

  @Override
  public String describe() {
    return "flaky:" + delegate.describe();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
