package dev.bastion.telemetry;

import io.opentelemetry.api.common.Attributes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Metric attributes built once per distinct combination instead of once per request. The
 * combinations are bounded by the catalog (methods, tools, upstreams, reason codes); a cap keeps
 * memory bounded anyway (an agent chooses the protocol version string): past it, attributes are
 * built per call as before.
 */
final class AttributeCache<K> {
  static final int CAP = 4096;

  private final ConcurrentHashMap<K, Attributes> cache = new ConcurrentHashMap<>();
  private final Function<K, Attributes> build;

  AttributeCache(Function<K, Attributes> build) {
    this.build = build;
  }

  Attributes get(K key) {
    Attributes found = cache.get(key);
    if (found != null) {
      return found;
    }
    Attributes built = build.apply(key);
    if (cache.size() < CAP) {
      cache.putIfAbsent(key, built);
    }
    return built;
  }
}
