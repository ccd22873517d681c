package dev.bastion.audit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The claim an {@link AuditLog#append} hands back; {@link #await} blocks (on a virtual thread). */
public final class AuditTicket {
  private final CompletableFuture<AppendResult> result;

  AuditTicket(CompletableFuture<AppendResult> result) {
    this.result = result;
  }

  static AuditTicket done(AppendResult r) {
    return new AuditTicket(CompletableFuture.completedFuture(r));
  }

  /** The result, waiting at most {@code limit}; a wait that runs out is a {@link AppendResult.Failed}. */
  public AppendResult await(Duration limit) {
    try {
      return result.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return new AppendResult.Failed("the audit record was not written within " + limit);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new AppendResult.Failed("interrupted while waiting for the audit record to be written");
    } catch (ExecutionException e) {
      return new AppendResult.Failed("the audit writer failed: " + e.getCause());
    }
  }

  /** The result if already known. */
  public boolean isDone() {
    return result.isDone();
  }

  /** The underlying future, for callers that compose. */
  public CompletableFuture<AppendResult> future() {
    return result;
  }
}
