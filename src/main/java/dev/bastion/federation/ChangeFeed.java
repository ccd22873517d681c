package dev.bastion.federation;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Tells stateless listeners ({@code subscriptions/listen}) that the federated lists changed. A
 * subscriber is a callback that must not block; it gets the kind that changed ({@code tools},
 * {@code prompts} or {@code resources}), or {@link #CLOSED} when the gateway stops.
 */
public final class ChangeFeed {
  public static final String CLOSED = "";

  private final Set<Consumer<String>> subscribers = ConcurrentHashMap.newKeySet();
  private volatile boolean open = true;

  public AutoCloseable subscribe(Consumer<String> subscriber) {
    subscribers.add(subscriber);
    if (!open) {
      subscriber.accept(CLOSED);
    }
    return () -> subscribers.remove(subscriber);
  }

  public void publish(String kind) {
    for (Consumer<String> s : subscribers) {
      s.accept(kind);
    }
  }

  public boolean open() {
    return open;
  }

  public void close() {
    open = false;
    publish(CLOSED);
  }
}
