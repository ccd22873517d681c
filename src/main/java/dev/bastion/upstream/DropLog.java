package dev.bastion.upstream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Logs what an upstream sent that had to be dropped (invalid lines, answers for no call in flight)
 * and tells the {@link ServerMessages} sink (which records it), without letting a flooding upstream
 * flood the gateway's log: the first {@value #VERBATIM} drops of
 * a connection are logged one by one, after that one line per {@value #EVERY} drops with the count.
 */
final class DropLog {
  static final int VERBATIM = 10;
  static final int EVERY = 1000;
  private static final System.Logger LOG = System.getLogger(DropLog.class.getName());

  private final String server;
  private final ServerMessages sink;
  private final AtomicLong dropped = new AtomicLong();

  DropLog(String server) {
    this(server, ServerMessages.REFUSE);
  }

  /** @param sink told of every drop (it records them: audit, metrics) */
  DropLog(String server, ServerMessages sink) {
    this.server = server;
    this.sink = sink;
  }

  /** @param kind see {@link ServerMessages#onDropped} */
  void dropped(String kind, Supplier<String> what) {
    long n = dropped.incrementAndGet();
    try {
      sink.onDropped(server, kind, what.get());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "recording a dropped message of upstream " + server + " failed: " + e);
    }
    if (n <= VERBATIM) {
      LOG.log(System.Logger.Level.WARNING, what.get());
    } else if (n % EVERY == 0) {
      LOG.log(System.Logger.Level.WARNING, "upstream " + server + " has sent " + n + " messages that were dropped (logging one in " + EVERY + "); latest: " + what.get());
    }
  }

  long count() {
    return dropped.get();
  }
}
