package dev.bastion.inspect;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates tools/call arguments against the tool's {@code inputSchema}. A schema is compiled once
 * per tool definition (the catalog hands out a new definition object when a tool changes, so the
 * cache is keyed by tool name and checked by identity). Schemas come from upstreams and are hostile
 * input: one that refers to anything but itself ({@code $ref} not starting with {@code #}) is not
 * compiled, since resolving it would make the gateway fetch a URL of the server's choosing.
 */
public final class SchemaCheck {
  private static final int MAX_CACHED = 10_000;
  private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private final Map<String, Compiled> cache = new ConcurrentHashMap<>();

  private record Compiled(ObjectNode definition, Schema schema, String problem) {}

  /** Loads the meta-schemas now (at config load), not on an agent's first call. */
  public SchemaCheck() {
    ObjectNode warm = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    warm.putObject("inputSchema").put("type", "object").putObject("properties").putObject("a").put("type", "string");
    check("", warm, warm.objectNode().put("a", "b"));
    cache.clear();
  }

  /** Null if the arguments conform, else a short description of the first problems (no values). */
  public String check(String toolName, ObjectNode definition, JsonNode arguments) {
    if (definition == null || !definition.path("inputSchema").isObject()) {
      return null;
    }
    Compiled c = cache.get(toolName);
    if (c == null || c.definition() != definition) {
      c = compile(definition);
      if (cache.size() >= MAX_CACHED) {
        cache.clear();
      }
      cache.put(toolName, c);
    }
    if (c.problem() != null) {
      return c.problem();
    }
    List<Error> errors = c.schema().validate(arguments == null ? definition.objectNode() : arguments);
    if (errors.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (Error e : errors.subList(0, Math.min(3, errors.size()))) {
      if (!sb.isEmpty()) {
        sb.append("; ");
      }
      sb.append(e.getInstanceLocation()).append(": ").append(e.getKeyword());
    }
    return sb.toString();
  }

  private Compiled compile(ObjectNode definition) {
    JsonNode schema = definition.get("inputSchema");
    if (hasExternalRef(schema, 0)) {
      return new Compiled(definition, null, "the tool's inputSchema refers to external documents");
    }
    try {
      return new Compiled(definition, registry.getSchema(schema), null);
    } catch (RuntimeException e) {
      return new Compiled(definition, null, "the tool's inputSchema is not a usable JSON Schema");
    }
  }

  private static boolean hasExternalRef(JsonNode node, int depth) {
    if (depth > 64) {
      return true;
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String k = e.getKey();
        if ((k.equals("$ref") || k.equals("$dynamicRef")) && e.getValue().isString() && !e.getValue().asString().startsWith("#")) {
          return true;
        }
        if (hasExternalRef(e.getValue(), depth + 1)) {
          return true;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode n : node) {
        if (hasExternalRef(n, depth + 1)) {
          return true;
        }
      }
    }
    return false;
  }
}
