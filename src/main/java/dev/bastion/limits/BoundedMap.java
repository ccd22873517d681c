package dev.bastion.limits;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A least-recently-used map with a hard size bound: the state kept per agent, tool and session can
 * never grow without limit, whatever names agents send. Evicting an idle bucket only forgets its
 * history (a fresh bucket starts full), which is what "idle" means. Synchronized: the work inside is
 * a hash lookup.
 */
final class BoundedMap<K, V> {
  private final int maxEntries;
  private final LinkedHashMap<K, V> map;

  BoundedMap(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive");
    }
    this.maxEntries = maxEntries;
    this.map = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > BoundedMap.this.maxEntries;
      }
    };
  }

  synchronized V computeIfAbsent(K key, Function<K, V> create) {
    return map.computeIfAbsent(key, create);
  }

  synchronized int size() {
    return map.size();
  }
}
