package dev.bastion.upstream;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Expires the calls of one HTTP upstream whose deadline passed. The calls run on the threads that
 * await them, blocked in socket reads without a timeout of their own; this one virtual thread
 * parks until the earliest deadline it knows of (and at least every {@link #TICK_NANOS} while calls
 * are in flight), so a call costs a set insertion and removal instead of a timed park and a hand-off.
 * A call that starts with a deadline earlier than the watchdog's next wake-up wakes it; with equal
 * timeouts (the usual case) later calls never do.
 */
final class CallWatchdog implements AutoCloseable {
  /** A deadline: {@link #expire()} runs once it passes while the entry is watched. */
  interface Watched {
    long deadlineNanos();

    void expire();
  }

  /** How long the watchdog sleeps at most while something is watched. */
  static final long TICK_NANOS = 250_000_000L;
  /** After this many empty rounds it parks until the next call arrives. */
  private static final int IDLE_ROUNDS = 8;

  private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
  private final String name;
  private volatile long nextWake = Long.MAX_VALUE;
  private volatile Thread thread;
  private volatile boolean closed;

  CallWatchdog(String name) {
    this.name = name;
  }

  void watch(Watched w) {
    watched.add(w);
    if (w.deadlineNanos() - nextWake < 0 || nextWake == Long.MAX_VALUE) {
      wake();
    }
  }

  void unwatch(Watched w) {
    watched.remove(w);
  }

  int size() {
    return watched.size();
  }

  private void wake() {
    Thread t = thread;
    if (t == null) {
      synchronized (this) {
        t = thread;
        if (t == null && !closed) {
          thread = Thread.ofVirtual().name("upstream-" + name + "-watchdog").start(this::loop);
          return;
        }
      }
    }
    LockSupport.unpark(t);
  }

  private void loop() {
    int idle = 0;
    while (!closed) {
      // while scanning every new call wakes the watchdog, so none is missed between scan and park
      nextWake = Long.MAX_VALUE;
      long now = System.nanoTime();
      long next = now + TICK_NANOS;
      boolean any = false;
      for (Watched w : watched) {
        any = true;
        long d = w.deadlineNanos();
        if (d - now <= 0) {
          watched.remove(w);
          try {
            w.expire();
          } catch (RuntimeException e) {
            System.getLogger(CallWatchdog.class.getName()).log(System.Logger.Level.WARNING, "expiring a call to upstream " + name + " failed: " + e);
          }
        } else if (d - next < 0) {
          next = d;
        }
      }
      idle = any ? 0 : idle + 1;
      if (idle >= IDLE_ROUNDS) {
        LockSupport.park(this); // nextWake stays MAX_VALUE: the next call wakes us
      } else {
        nextWake = next;
        LockSupport.parkNanos(this, next - now);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }
}
