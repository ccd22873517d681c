package dev.bastion.upstream;

import io.helidon.webclient.api.HttpClientResponse;

/**
 * The socket side of one call, run by the thread that awaits it: that thread and, once the answer
 * started, its response. Aborting (cancel, timeout, shutdown) closes the response and interrupts
 * the thread while it is still in the exchange (a virtual thread interrupted in a socket read
 * closes the socket); the interrupt is cleared again when the exchange ends, so the awaiting
 * thread carries nothing of it back to the gateway.
 */
final class HttpExchange implements CallWatchdog.Watched {
  private final PendingCall call;
  private final long deadline;
  private Thread worker; // guarded by this
  private boolean interrupted; // guarded by this
  volatile HttpClientResponse response;
  /** The connection the request went out on, and its lease: an abort closes it while it carries this request. */
  private volatile PooledConnection connection;
  private volatile long lease;

  HttpExchange(PendingCall call, Thread worker, long deadline) {
    this.call = call;
    this.worker = worker;
    this.deadline = deadline;
  }

  @Override
  public long deadlineNanos() {
    return deadline;
  }

  @Override
  public void expire() {
    call.expire();
  }

  /** Closes the connection and the response and wakes the worker. */
  void abort() {
    PooledConnection c = connection;
    if (c != null) {
      c.abort(lease); // a pair read across a sentOn() never matches: lease ids are unique
    }
    HttpClientResponse r = response;
    if (r != null) {
      try {
        r.close();
      } catch (RuntimeException e) {
        // closing is all we wanted
      }
    }
    synchronized (this) {
      if (worker != null) {
        interrupted = true;
        worker.interrupt();
      }
    }
  }

  /** The request goes out on {@code c}. */
  void sentOn(PooledConnection c) {
    lease = c.lease();
    connection = c;
  }

  /** Ends the exchange on its worker: later aborts no longer interrupt it, and an abort's interrupt is cleared. */
  void finish() {
    boolean clear;
    synchronized (this) {
      worker = null;
      clear = interrupted;
    }
    if (clear) {
      Thread.interrupted();
    }
  }
}
