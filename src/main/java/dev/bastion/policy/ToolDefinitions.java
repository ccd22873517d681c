package dev.bastion.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The upstream tools {@code bastion policy lint} checks rules against: per server, each tool's
 * definition (name, description, annotations), and where they came from ({@code source}, printed
 * with the findings). With no definitions the tool-aware checks are skipped.
 */
public record ToolDefinitions(String source, Map<String, Map<String, ObjectNode>> byServer) {

  /** Nothing known: checks that need tool names or annotations are skipped. */
  public static final ToolDefinitions NONE = new ToolDefinitions("none", Map.of());

  public ToolDefinitions {
    Map<String, Map<String, ObjectNode>> copy = new TreeMap<>();
    byServer.forEach((server, tools) -> copy.put(server, Collections.unmodifiableMap(new TreeMap<>(tools))));
    byServer = Collections.unmodifiableMap(copy);
  }

  public boolean known() {
    return byServer.values().stream().anyMatch(m -> !m.isEmpty());
  }

  public int toolCount() {
    return byServer.values().stream().mapToInt(Map::size).sum();
  }

  /** Both sets of definitions; on the same server and tool the other one wins. */
  public ToolDefinitions merge(ToolDefinitions other) {
    if (!known()) {
      return other;
    }
    if (!other.known()) {
      return this;
    }
    Map<String, Map<String, ObjectNode>> all = new TreeMap<>();
    byServer.forEach((s, t) -> all.put(s, new TreeMap<>(t)));
    other.byServer.forEach((s, t) -> all.computeIfAbsent(s, k -> new TreeMap<>()).putAll(t));
    return new ToolDefinitions(source + ", " + other.source, all);
  }

  /**
   * The tools of a {@code tools/list} result ({@code {"tools": [...]}}, or a whole JSON-RPC response
   * with it under {@code result}). With {@code server} null, tool names must be Bastion's exposed
   * names ({@code <server>__<tool>}, as an agent sees them through Bastion) with a server from
   * {@code servers}; otherwise every tool belongs to {@code server}.
   *
   * @throws IllegalArgumentException with a precise message when the JSON is not such a result
   */
  public static ToolDefinitions fromToolsList(JsonNode root, String server, Set<String> servers, String origin) {
    JsonNode result = root != null && root.has("result") ? root.get("result") : root;
    if (result == null || !result.isObject() || !result.path("tools").isArray()) {
      throw new IllegalArgumentException(origin + ": expected a tools/list result: {\"tools\": [...]} or a JSON-RPC response with it");
    }
    Map<String, Map<String, ObjectNode>> out = new LinkedHashMap<>();
    int index = 0;
    for (JsonNode tool : result.get("tools")) {
      String where = origin + ": tools[" + index++ + "]";
      if (!(tool instanceof ObjectNode definition) || !tool.path("name").isString() || tool.path("name").asString().isEmpty()) {
        throw new IllegalArgumentException(where + ": a tool needs a non-empty string name");
      }
      String name = tool.path("name").asString();
      String owner = server;
      if (owner == null) {
        int sep = name.indexOf("__");
        if (sep <= 0 || !servers.contains(name.substring(0, sep))) {
          throw new IllegalArgumentException(where + ": '" + name + "' is not an exposed name <server>__<tool> of a configured upstream "
              + servers + "; give the server as --tools SERVER=FILE for an upstream's own tools/list");
        }
        owner = name.substring(0, sep);
        name = name.substring(sep + 2);
      }
      out.computeIfAbsent(owner, k -> new LinkedHashMap<>()).put(name, definition);
    }
    return new ToolDefinitions(origin, out);
  }

  /** The definitions of the tools a guard can select (all servers' tools when it names none). */
  Map<String, ObjectNode> selected(Set<String> servers, Set<String> names) {
    Map<String, ObjectNode> out = new TreeMap<>();
    byServer.forEach((server, tools) -> {
      if (servers == null || servers.contains(server)) {
        tools.forEach((name, def) -> {
          if (names == null || names.contains(name)) {
            out.put(server + "/" + name, def);
          }
        });
      }
    });
    return out;
  }

  /** Whether the tool is destructive by its annotations, with MCP's defaults (as {@code tool.annotations} has them). */
  static boolean destructive(ObjectNode definition) {
    JsonNode a = definition.path("annotations");
    boolean readOnly = a.path("readOnlyHint").isBoolean() && a.path("readOnlyHint").booleanValue();
    boolean destructive = !a.path("destructiveHint").isBoolean() || a.path("destructiveHint").booleanValue();
    return !readOnly && destructive;
  }

  /** Every known tool name on the given servers (all servers when null). */
  Set<String> names(Set<String> servers) {
    Set<String> out = new java.util.TreeSet<>();
    byServer.forEach((server, tools) -> {
      if (servers == null || servers.contains(server)) {
        out.addAll(tools.keySet());
      }
    });
    return out;
  }

  /** For messages: at most a few names. */
  static String some(java.util.Collection<String> names) {
    List<String> list = List.copyOf(names);
    return list.size() <= 5 ? String.join(", ", list) : String.join(", ", list.subList(0, 5)) + " and " + (list.size() - 5) + " more";
  }
}
