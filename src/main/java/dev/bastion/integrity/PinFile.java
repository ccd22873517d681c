package dev.bastion.integrity;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The content of a pins file ({@code <data_dir>/pins.json}, or a manifest in the same format):
 * per server and tool, the pinned definition and, while a tool is quarantined, the pending one.
 * Immutable; {@link #with} returns a changed copy.
 */
record PinFile(Map<String, Map<String, Entry>> tools) {
  static final int VERSION = 1;
  static final PinFile EMPTY = new PinFile(Map.of());

  /** Where a pin came from: first sight, a manifest, or an operator's approval. */
  enum Source {
    TOFU,
    MANIFEST,
    APPROVED;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * @param origin digest of the server's launch command or URL when the pin was taken (null in
   *     manifests and older files: not checked), so a server name reused for another program is noticed
   */
  record Pin(String hash, Source source, String at, ObjectNode definition, String origin) {
    Pin {
      Objects.requireNonNull(hash, "hash");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(definition, "definition");
    }
  }

  record Pending(String hash, List<String> reasons, String at, ObjectNode definition, String origin) {
    Pending {
      Objects.requireNonNull(hash, "hash");
      reasons = List.copyOf(reasons);
      Objects.requireNonNull(definition, "definition");
    }
  }

  record Entry(Pin pinned, Pending pending) {}

  PinFile {
    Map<String, Map<String, Entry>> copy = new TreeMap<>();
    tools.forEach((server, byTool) -> {
      if (!byTool.isEmpty()) {
        copy.put(server, Collections.unmodifiableMap(new TreeMap<>(byTool)));
      }
    });
    tools = Collections.unmodifiableMap(copy);
  }

  Entry get(String server, String tool) {
    return tools.getOrDefault(server, Map.of()).get(tool);
  }

  /** A copy with {@code entry} for the tool (null or an empty entry removes it). */
  PinFile with(String server, String tool, Entry entry) {
    Map<String, Map<String, Entry>> next = new TreeMap<>(tools);
    Map<String, Entry> byTool = new TreeMap<>(next.getOrDefault(server, Map.of()));
    if (entry == null || (entry.pinned() == null && entry.pending() == null)) {
      byTool.remove(tool);
    } else {
      byTool.put(tool, entry);
    }
    next.put(server, byTool);
    return new PinFile(next);
  }

  ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("version", VERSION);
    ObjectNode servers = root.putObject("tools");
    tools.forEach((server, byTool) -> {
      ObjectNode s = servers.putObject(server);
      byTool.forEach((tool, e) -> {
        ObjectNode t = s.putObject(tool);
        if (e.pinned() != null) {
          ObjectNode p = t.putObject("pinned");
          p.put("hash", e.pinned().hash());
          p.put("source", e.pinned().source().wire());
          p.put("at", e.pinned().at());
          if (e.pinned().origin() != null) {
            p.put("origin", e.pinned().origin());
          }
          p.set("definition", e.pinned().definition());
        }
        if (e.pending() != null) {
          ObjectNode p = t.putObject("pending");
          p.put("hash", e.pending().hash());
          e.pending().reasons().forEach(p.putArray("reasons")::add);
          p.put("at", e.pending().at());
          if (e.pending().origin() != null) {
            p.put("origin", e.pending().origin());
          }
          p.set("definition", e.pending().definition());
        }
      });
    });
    return root;
  }

  /** Parses a pins file; throws {@link IllegalArgumentException} with a precise message if it is malformed. */
  static PinFile fromJson(JsonNode root, String origin) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(origin + ": expected a JSON object with version and tools");
    }
    if (root.path("version").asInt(-1) != VERSION) {
      throw new IllegalArgumentException(origin + ": unsupported version " + root.path("version") + "; expected " + VERSION);
    }
    JsonNode servers = root.path("tools");
    if (!servers.isObject()) {
      throw new IllegalArgumentException(origin + ": tools must be an object of server → tool → entry");
    }
    Map<String, Map<String, Entry>> out = new TreeMap<>();
    for (Map.Entry<String, JsonNode> s : servers.properties()) {
      if (!s.getValue().isObject()) {
        throw new IllegalArgumentException(origin + ": tools." + s.getKey() + " must be an object");
      }
      Map<String, Entry> byTool = new TreeMap<>();
      for (Map.Entry<String, JsonNode> t : s.getValue().properties()) {
        String where = origin + ": tools." + s.getKey() + "." + t.getKey();
        JsonNode e = t.getValue();
        Pin pin = null;
        if (e.has("pinned")) {
          JsonNode p = e.get("pinned");
          pin = new Pin(text(p, "hash", where), source(p.path("source").asString("manifest"), where), p.path("at").asString(""), object(p, where), origin(p));
          if (!pin.hash().equals(Definitions.hash(pin.definition()))) {
            throw new IllegalArgumentException(where + ".pinned: hash does not match the definition (the file was edited by hand?)");
          }
        }
        Pending pending = null;
        if (e.has("pending")) {
          JsonNode p = e.get("pending");
          List<String> reasons = new java.util.ArrayList<>();
          p.path("reasons").values().forEach(r -> reasons.add(r.asString("")));
          pending = new Pending(text(p, "hash", where), reasons, p.path("at").asString(""), object(p, where), origin(p));
        }
        byTool.put(t.getKey(), new Entry(pin, pending));
      }
      out.put(s.getKey(), byTool);
    }
    return new PinFile(out);
  }

  private static String text(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isString()) {
      throw new IllegalArgumentException(where + ": missing " + field);
    }
    return v.asString();
  }

  private static String origin(JsonNode n) {
    JsonNode o = n.get("origin");
    return o != null && o.isString() ? o.asString() : null;
  }

  private static ObjectNode object(JsonNode n, String where) {
    if (!(n.get("definition") instanceof ObjectNode o)) {
      throw new IllegalArgumentException(where + ": missing definition object");
    }
    return o;
  }

  private static Source source(String s, String where) {
    return switch (s) {
      case "tofu" -> Source.TOFU;
      case "manifest" -> Source.MANIFEST;
      case "approved" -> Source.APPROVED;
      default -> throw new IllegalArgumentException(where + ": unknown source '" + Excerpts.clip(s) + "'");
    };
  }
}
