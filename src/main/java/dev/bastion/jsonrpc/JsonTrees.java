package dev.bastion.jsonrpc;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON trees read from and written to Jackson's streaming parser and generator directly, without
 * the databind layer's per-call contexts: the codec's hot path (every message both ways). Reads
 * the nodes {@code JsonMapper.readTree} makes with the default features (int, long or BigInteger
 * for integers, double for fractions) and writes the text {@code writeValueAsBytes} writes
 * (JsonTreesEquivalenceTest pins both). The parser enforces the limits (nesting, string and number
 * length), so the recursion is as deep as the nesting limit at most; duplicate keys are refused here.
 */
final class JsonTrees {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTrees() {}

  /** A node type this writer leaves to the databind layer (binary, POJO): the caller falls back. */
  static final class Unwritable extends RuntimeException {
    Unwritable() {
      super(null, null, false, false);
    }
  }

  private static final Unwritable UNWRITABLE = new Unwritable();

  /** Reads the value at the parser's current token (already advanced to it). */
  static JsonNode read(JsonParser p, JsonToken t) {
    return switch (t) {
      case START_OBJECT -> readObject(p);
      case START_ARRAY -> readArray(p);
      case VALUE_STRING -> NODES.stringNode(p.getString());
      case VALUE_NUMBER_INT -> integer(p);
      case VALUE_NUMBER_FLOAT -> fraction(p);
      case VALUE_TRUE -> NODES.booleanNode(true);
      case VALUE_FALSE -> NODES.booleanNode(false);
      case VALUE_NULL -> NODES.nullNode();
      default -> throw new StreamReadException(p, "unexpected token " + t);
    };
  }

  /**
   * An object; a name it already holds is a parse error. The node's own map finds duplicates, so the
   * parser runs without its duplicate detector (a hash set per object of three or more members).
   */
  private static ObjectNode readObject(JsonParser p) {
    ObjectNode o = NODES.objectNode();
    String name;
    while ((name = p.nextName()) != null) {
      if (o.replace(name, read(p, p.nextToken())) != null) {
        throw new StreamReadException(p, "Duplicate Object property \"" + name + "\"");
      }
    }
    if (!p.hasToken(JsonToken.END_OBJECT)) {
      throw new StreamReadException(p, "unexpected token " + p.currentToken() + " in an object");
    }
    return o;
  }

  private static ArrayNode readArray(JsonParser p) {
    ArrayNode a = NODES.arrayNode();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == null) {
        throw new StreamReadException(p, "unexpected end of input in an array");
      }
      a.add(read(p, t));
    }
    return a;
  }

  private static JsonNode integer(JsonParser p) {
    return switch (p.getNumberType()) {
      case INT -> NODES.numberNode(p.getIntValue());
      case LONG -> NODES.numberNode(p.getLongValue());
      default -> NODES.numberNode(p.getBigIntegerValue());
    };
  }

  private static JsonNode fraction(JsonParser p) {
    return switch (p.getNumberTypeFP()) {
      case BIG_DECIMAL -> NODES.numberNode(p.getDecimalValue());
      case FLOAT32 -> NODES.numberNode(p.getFloatValue());
      default -> NODES.numberNode(p.getDoubleValue());
    };
  }

  /** Writes {@code node}; throws {@link Unwritable} for a node type that is not plain JSON. */
  static void write(JsonGenerator g, JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (java.util.Map.Entry<String, JsonNode> e : node.properties()) {
          g.writeName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (int i = 0, n = node.size(); i < n; i++) {
          write(g, node.get(i));
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(node.stringValue());
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> g.writeNumber(node.intValue());
          case LONG -> g.writeNumber(node.longValue());
          case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
          case FLOAT -> g.writeNumber(node.floatValue());
          case DOUBLE -> g.writeNumber(node.doubleValue());
          case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
        }
      }
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      case NULL -> g.writeNull();
      default -> throw UNWRITABLE; // BINARY, POJO, MISSING: the databind layer knows their forms
    }
  }
}
