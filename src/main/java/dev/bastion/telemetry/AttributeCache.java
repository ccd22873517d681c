package dev.bastion.telemetry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Values derived from a bounded combination (metric attributes, span names) built once per
 * distinct combination instead of once per request. The combinations are bounded by the catalog
 * (methods, tools, upstreams, reason codes); a cap keeps memory bounded anyway: past it, values
 * are built per call as before.
 */
final class AttributeCache<K, V> {
  static final int CAP = 4096;

  private final ConcurrentHashMap<K, V> cache = new ConcurrentHashMap<>();
  private final Function<K, V> build;

  AttributeCache(Function<K, V> build) {
    this.build = build;
  }

  V get(K key) {
    V found = cache.get(key);
    if (found != null) {
      return found;
    }
    V built = build.apply(key);
    if (cache.size() < CAP) {
      cache.putIfAbsent(key, built);
    }
    return built;
  }
}
