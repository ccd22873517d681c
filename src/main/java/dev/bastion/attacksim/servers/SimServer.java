package dev.bastion.attacksim.servers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The attack simulation's test MCP server, over stdio (newline-delimited JSON-RPC). One process
 * plays one role — {@code good} (a trusted server) or {@code evil} (attacker-controlled) — and
 * serves the tools the scenarios give that role, read from a catalogue file. Its behaviour per tool
 * comes from the scenario: the text it returns in the {@code attack} and in the {@code benign}
 * variant (the runner writes the variant being played into the mode file before each flow).
 *
 * <p>Every call that reaches a tool is appended to the call log (one JSON line: role, tool,
 * arguments) — the side effect the suite judges by.
 *
 * <pre>java -cp bastion.jar dev.bastion.attacksim.servers.SimServer --role evil --catalog tools.json --log calls.jsonl --mode mode.txt</pre>
 */
public final class SimServer {
  private static final int MAX_LINE = 8 * 1024 * 1024;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String role;
  private final Map<String, ObjectNode> tools = new java.util.LinkedHashMap<>();
  private final Path log;
  private final Path mode;

  private SimServer(String role, Path catalog, Path log, Path mode) throws IOException {
    this.role = role;
    this.log = log;
    this.mode = mode;
    for (JsonNode t : JSON.readTree(Files.readString(catalog))) {
      tools.put(t.path("name").asString(), (ObjectNode) t);
    }
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> opts = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    for (String required : java.util.List.of("--role", "--catalog", "--log", "--mode")) {
      if (!opts.containsKey(required)) {
        System.err.println("usage: SimServer --role good|evil --catalog FILE --log FILE --mode FILE (missing " + required + ")");
        System.exit(2);
      }
    }
    new SimServer(opts.get("--role"), Path.of(opts.get("--catalog")), Path.of(opts.get("--log")), Path.of(opts.get("--mode"))).serve();
  }

  private void serve() throws IOException {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank() || line.length() > MAX_LINE) {
        continue;
      }
      JsonNode msg;
      try {
        msg = JSON.readTree(line);
      } catch (RuntimeException e) {
        continue;
      }
      JsonNode id = msg.get("id");
      if (id == null || !msg.has("method")) {
        continue; // notifications and responses need no answer
      }
      ObjectNode reply = JSON.createObjectNode();
      reply.put("jsonrpc", "2.0");
      reply.set("id", id);
      ObjectNode params = msg.get("params") instanceof ObjectNode p ? p : JSON.createObjectNode();
      switch (msg.path("method").asString()) {
        case "initialize" -> {
          ObjectNode r = reply.putObject("result");
          r.put("protocolVersion", params.path("protocolVersion").asString("2025-11-25"));
          r.putObject("capabilities").putObject("tools");
          r.putObject("serverInfo").put("name", "attack-sim-" + role).put("version", "1");
        }
        case "ping" -> reply.putObject("result");
        case "tools/list" -> {
          ArrayNode list = reply.putObject("result").putArray("tools");
          for (ObjectNode t : tools.values()) {
            ObjectNode def = JSON.createObjectNode();
            def.put("name", t.path("name").asString());
            def.put("description", t.path("description").asString(""));
            def.set("inputSchema", t.has("inputSchema") ? t.get("inputSchema") : JSON.createObjectNode().put("type", "object"));
            if (t.has("annotations")) {
              def.set("annotations", t.get("annotations"));
            }
            list.add(def);
          }
        }
        case "tools/call" -> {
          String name = params.path("name").asString("");
          ObjectNode tool = tools.get(name);
          if (tool == null) {
            reply.putObject("error").put("code", -32602).put("message", "unknown tool " + name);
          } else {
            record(name, params.get("arguments"));
            String variant = Files.exists(mode) ? Files.readString(mode).strip() : "benign";
            JsonNode returns = tool.path("returns");
            String text = returns.isObject() ? returns.path(variant).asString("") : returns.asString("");
            ObjectNode result = reply.putObject("result");
            result.putArray("content").addObject().put("type", "text").put("text", text);
            if (tool.path("isError").asBoolean(false)) {
              result.put("isError", true);
            }
          }
        }
        default -> reply.putObject("error").put("code", -32601).put("message", "method not found");
      }
      out.println(JSON.writeValueAsString(reply));
      out.flush();
    }
  }

  private void record(String tool, JsonNode arguments) throws IOException {
    ObjectNode entry = JSON.createObjectNode();
    entry.put("role", role);
    entry.put("tool", tool);
    entry.set("arguments", arguments == null ? JSON.createObjectNode() : arguments);
    Files.writeString(log, JSON.writeValueAsString(entry) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
