package dev.bastion.upstream;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Logs what an upstream sent that had to be dropped (invalid lines, answers for no call in flight)
 * without letting a flooding upstream flood the gateway's log: the first {@value #VERBATIM} drops of
 * a connection are logged one by one, after that one line per {@value #EVERY} drops with the count.
 */
final class DropLog {
  static final int VERBATIM = 10;
  static final int EVERY = 1000;
  private static final System.Logger LOG = System.getLogger(DropLog.class.getName());

  private final String server;
  private final AtomicLong dropped = new AtomicLong();

  DropLog(String server) {
    this.server = server;
  }

  void dropped(Supplier<String> what) {
    long n = dropped.incrementAndGet();
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
