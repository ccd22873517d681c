package dev.bastion.attacksim.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tools one test server serves, whatever its transport: the catalogue the runner wrote, the
 * variant being played (the mode file), and the side-effect log every call and server request is
 * appended to.
 */
final class ToolBox {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final String role;
  private final Map<String, ObjectNode> tools = new LinkedHashMap<>();
  private final Path log;
  private final Path mode;

  ToolBox(String role, Path catalog, Path log, Path mode) throws IOException {
    this.role = role;
    this.log = log;
    this.mode = mode;
    if (catalog != null) {
      for (JsonNode t : JSON.readTree(Files.readString(catalog))) {
        tools.put(t.path("name").asString(), (ObjectNode) t);
      }
    }
  }

  String role() {
    return role;
  }

  ObjectNode tool(String name) {
    return tools.get(name);
  }

  /** The variant being played: {@code attack} or {@code benign}. */
  String variant() throws IOException {
    return mode != null && Files.exists(mode) ? Files.readString(mode).strip() : "benign";
  }

  /** The result of tools/list: every tool whose {@code behaviour.listed} is not false. */
  ObjectNode list() {
    ObjectNode result = JSON.createObjectNode();
    ArrayNode list = result.putArray("tools");
    for (ObjectNode t : tools.values()) {
      if (!t.path("behaviour").path("listed").asBoolean(true)) {
        continue;
      }
      ObjectNode def = list.addObject();
      def.put("name", t.path("name").asString());
      def.put("description", t.path("description").asString(""));
      def.set("inputSchema", t.has("inputSchema") ? t.get("inputSchema") : JSON.createObjectNode().put("type", "object"));
      if (t.has("annotations")) {
        def.set("annotations", t.get("annotations"));
      }
    }
    return result;
  }

  /** Logs the call and returns the tool's result for the current variant ({@code behaviour.repeat} applied). */
  ObjectNode call(ObjectNode tool, JsonNode arguments) throws IOException {
    record(tool.path("name").asString(), arguments);
    JsonNode returns = tool.path("returns");
    String variant = variant();
    String text = returns.isObject() ? returns.path(variant).asString("") : returns.asString("");
    text = text.repeat(Math.max(1, tool.path("behaviour").path("repeat").asInt(1)));
    ObjectNode result = JSON.createObjectNode();
    result.putArray("content").addObject().put("type", "text").put("text", text);
    if (tool.path("isError").asBoolean(false)) {
      result.put("isError", true);
    }
    return result;
  }

  private void record(String tool, JsonNode arguments) throws IOException {
    ObjectNode entry = JSON.createObjectNode();
    entry.put("role", role);
    entry.put("tool", tool);
    entry.set("arguments", arguments == null ? JSON.createObjectNode() : arguments);
    append(entry);
  }

  /** Appends one event to the side-effect log. */
  void append(ObjectNode entry) throws IOException {
    synchronized (ToolBox.class) {
      Files.writeString(log, JSON.writeValueAsString(entry) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }
}
