package dev.bastion.demo;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** The cancellation state of one in-flight request. Long-running tools wait on it instead of sleeping. */
final class Cancellation {

  /** Why a request was stopped early. */
  enum Reason {
    /** The client sent {@code notifications/cancelled}: per MCP, no response is sent. */
    CLIENT,
    /** The input stream ended: the client is gone, the server is draining. */
    SHUTDOWN
  }

  private final CountDownLatch signal = new CountDownLatch(1);
  private final AtomicReference<Reason> reason = new AtomicReference<>();

  void cancel(Reason why) {
    if (reason.compareAndSet(null, why)) {
      signal.countDown();
    }
  }

  Optional<Reason> reason() {
    return Optional.ofNullable(reason.get());
  }

  boolean isCancelled() {
    return reason.get() != null;
  }

  /**
   * Waits up to {@code timeout}, returning early when the request is cancelled.
   *
   * @return the cancellation reason if the request was cancelled before or during the wait
   */
  Optional<Reason> await(Duration timeout) throws InterruptedException {
    if (!timeout.isNegative() && !timeout.isZero()) {
      signal.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    return reason();
  }
}
