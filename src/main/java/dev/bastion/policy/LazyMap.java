package dev.bastion.policy;

import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A read-only CEL object whose fields are computed the first time a rule reads them: a field no
 * rule looks at (a description hash, a findings list) costs nothing per decision. The keys are
 * fixed at construction, so {@code has()} and map iteration see every declared field. Not
 * thread-safe: one instance lives for one decision on one thread.
 */
final class LazyMap extends AbstractMap<String, Object> {
  private final String[] keys;
  private final Object[] values;

  /**
   * @param keysAndValues alternating key and value; a value that is a {@link Supplier} is computed
   *     on first read (CEL values are never suppliers)
   */
  LazyMap(Object... keysAndValues) {
    int n = keysAndValues.length / 2;
    keys = new String[n];
    values = new Object[n];
    for (int i = 0; i < n; i++) {
      keys[i] = (String) keysAndValues[2 * i];
      values[i] = keysAndValues[2 * i + 1];
    }
  }

  private int indexOf(Object key) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  private Object value(int i) {
    Object v = values[i];
    if (v instanceof Supplier<?> s) {
      v = s.get();
      values[i] = v;
    }
    return v;
  }

  @Override
  public Object get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : value(i);
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public int size() {
    return keys.length;
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    Map<String, Object> all = new LinkedHashMap<>();
    for (int i = 0; i < keys.length; i++) {
      all.put(keys[i], value(i));
    }
    return all.entrySet();
  }
}
