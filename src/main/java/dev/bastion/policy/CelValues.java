package dev.bastion.policy;

import dev.cel.common.values.NullValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Converts JSON and plain Java values into the value forms CEL's runtime understands: int → Long,
 * float → Double, null → CEL null (a Java null would be read as "unknown"), objects → Map, arrays →
 * List. Integers beyond 64 bits become doubles.
 */
final class CelValues {
  private CelValues() {}

  static Object fromJson(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return NullValue.NULL_VALUE;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        map.put(e.getKey(), fromJson(e.getValue()));
      }
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      for (JsonNode element : node) {
        list.add(fromJson(element));
      }
      return list;
    }
    if (node.isString()) {
      return node.asString();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToLong() ? (Object) node.longValue() : (Object) node.doubleValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    return node.toString();
  }

  static Map<String, Object> objectFromJson(JsonNode node) {
    if (node != null && node.isObject() && fromJson(node) instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) m;
      return map;
    }
    return new LinkedHashMap<>();
  }

  static Object fromJava(Object value) {
    return switch (value) {
      case null -> NullValue.NULL_VALUE;
      case String s -> s;
      case Boolean b -> b;
      case Long l -> l;
      case Integer i -> i.longValue();
      case Short s -> s.longValue();
      case Byte b -> b.longValue();
      case Double d -> d;
      case Float f -> f.doubleValue();
      case BigInteger bi -> bi.bitLength() < 64 ? (Object) bi.longValue() : (Object) bi.doubleValue();
      case BigDecimal bd -> bd.doubleValue();
      case Instant t -> t;
      case Date d -> d.toInstant();
      case JsonNode n -> fromJson(n);
      case Map<?, ?> m -> {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), fromJava(v)));
        yield out;
      }
      case Collection<?> c -> {
        List<Object> out = new ArrayList<>(c.size());
        c.forEach(v -> out.add(fromJava(v)));
        yield out;
      }
      default -> value.toString();
    };
  }
}
