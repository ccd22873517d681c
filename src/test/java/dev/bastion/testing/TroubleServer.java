package dev.bastion.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stdio MCP server (2025-11-25) for integration tests whose tools misbehave on request. It lists
 * tools, one prompt ({@code greet}), one resource ({@code trouble://readme}) and one template
 * ({@code trouble://notes/{name}}), like a real server, so it federates like one.
 *
 * <ul>
 *   <li>{@code echo {message}}: answers {@code {message, upstreamId}} (the JSON-RPC id it saw);
 *   <li>{@code gather {message, group, size}}: holds calls until {@code size} of a group arrived,
 *       then answers them in reverse order (responses out of order, deterministically);
 *   <li>{@code progress {steps}}: sends {@code steps} progress notifications, then answers;
 *   <li>{@code hang}: never answers; {@code cancelled}: the request ids it was told were cancelled;
 *   <li>{@code crash}: the process exits at once with status 3; {@code pid}: its process id;
 *   <li>{@code flood}: 5,000 lines of junk (not JSON, stray ids, unknown notifications), then an answer;
 *   <li>{@code oversize}: an answer of 300 kB on one line; {@code garbage}: a non-JSON line, then an
 *       answer whose {@code result} is not an object;
 *   <li>{@code add_tool}: adds tool {@code added}, sends {@code notifications/tools/list_changed}, answers.
 * </ul>
 *
 * With {@code --scheme <s>} its resource URIs use scheme {@code s} instead of {@code trouble}.
 * With {@code --fail-until <file>} the process exits at once with status 1 (after creating {@code
 * <file>.attempted}) for as long as {@code file} does not exist: a server that is not up yet.
 */
public final class TroubleServer {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private static final List<String> TOOLS =
      new CopyOnWriteArrayList<>(List.of("echo", "gather", "progress", "hang", "cancelled", "crash", "pid", "flood", "oversize", "garbage", "add_tool"));
  private static final List<JsonNode> CANCELLED = new CopyOnWriteArrayList<>();
  private static final Map<String, List<ObjectNode>> GROUPS = new ConcurrentHashMap<>();

  private static String scheme = "trouble";

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--scheme")) {
      scheme = args[1];
    }
    if (args.length == 2 && args[0].equals("--fail-until")) {
      java.nio.file.Path allowed = java.nio.file.Path.of(args[1]);
      if (!java.nio.file.Files.exists(allowed)) {
        java.nio.file.Files.writeString(java.nio.file.Path.of(args[1] + ".attempted"), "failed");
        System.exit(1);
      }
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      ObjectNode msg = (ObjectNode) JSON.readTree(line);
      if (!msg.has("method")) {
        continue;
      }
      JsonNode id = msg.get("id");
      ObjectNode params = msg.get("params") instanceof ObjectNode p ? p : JSON.createObjectNode();
      switch (msg.get("method").asString()) {
        case "initialize" -> {
          ObjectNode r = JSON.createObjectNode();
          r.put("protocolVersion", "2025-11-25");
          ObjectNode caps = r.putObject("capabilities");
          caps.putObject("tools").put("listChanged", true);
          caps.putObject("prompts");
          caps.putObject("resources");
          r.putObject("serverInfo").put("name", "trouble").put("version", "1");
          respond(id, r);
        }
        case "notifications/cancelled" -> CANCELLED.add(params.get("requestId"));
        case "ping" -> respond(id, JSON.createObjectNode());
        case "tools/list" -> {
          ObjectNode r = JSON.createObjectNode();
          ArrayNode tools = r.putArray("tools");
          for (String t : TOOLS) {
            ObjectNode tool = tools.addObject().put("name", t).put("description", "trouble tool " + t);
            tool.putObject("inputSchema").put("type", "object");
          }
          respond(id, r);
        }
        case "prompts/list" -> respond(id, obj("{\"prompts\":[{\"name\":\"greet\",\"description\":\"says hello\"}]}"));
        case "prompts/get" ->
            respond(id, obj("{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"hello from " + params.path("name").asString() + "\"}}]}"));
        case "resources/list" -> respond(id, obj("{\"resources\":[{\"uri\":\"" + scheme + "://readme\",\"name\":\"readme\"}]}"));
        case "resources/templates/list" ->
            respond(id, obj("{\"resourceTemplates\":[{\"uriTemplate\":\"" + scheme + "://notes/{name}\",\"name\":\"notes\"}]}"));
        case "resources/read" -> {
          ObjectNode r = JSON.createObjectNode();
          r.putArray("contents").addObject().put("uri", params.path("uri").asString()).put("text", "content of " + params.path("uri").asString());
          respond(id, r);
        }
        case "tools/call" -> {
          ObjectNode request = msg;
          Thread.ofVirtual().start(() -> tool(request));
        }
        default -> {
          if (id != null) {
            write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32601,\"message\":\"not here\"}}");
          }
        }
      }
    }
  }

  private static void tool(ObjectNode request) {
    JsonNode id = request.get("id");
    JsonNode params = request.get("params");
    JsonNode arguments = params.path("arguments");
    ObjectNode r = JSON.createObjectNode();
    switch (params.path("name").asString()) {
      case "echo" -> {
        ObjectNode structured = r.putObject("structuredContent");
        structured.put("message", arguments.path("message").asString());
        structured.set("upstreamId", id);
        r.putArray("content").addObject().put("type", "text").put("text", arguments.path("message").asString());
        respond(id, r);
      }
      case "gather" -> gather(request, arguments);
      case "progress" -> {
        JsonNode token = params.path("_meta").get("progressToken");
        int steps = arguments.path("steps").asInt(3);
        for (int i = 1; i <= steps && token != null; i++) {
          write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":" + token + ",\"progress\":" + i + ",\"total\":" + steps + "}}");
        }
        r.set("tokenSeen", token);
        respond(id, r);
      }
      case "hang" -> {}
      case "cancelled" -> {
        ArrayNode ids = r.putArray("ids");
        CANCELLED.forEach(ids::add);
        respond(id, r);
      }
      case "crash" -> Runtime.getRuntime().halt(3);
      case "pid" -> {
        r.put("pid", ProcessHandle.current().pid());
        respond(id, r);
      }
      case "flood" -> {
        for (int i = 0; i < 5_000; i++) {
          switch (i % 3) {
            case 0 -> write("junk line " + i + " {not json");
            case 1 -> write("{\"jsonrpc\":\"2.0\",\"id\":" + (900_000_000 + i) + ",\"result\":{\"stray\":" + i + "}}");
            default -> write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":" + i + "}}");
          }
        }
        r.put("survived", true);
        respond(id, r);
      }
      case "oversize" -> write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"text\":\"" + "x".repeat(300_000) + "\"}}");
      case "garbage" -> {
        write("\u0000\u0001 definitely not json");
        write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":\"not an object\"}");
      }
      case "add_tool" -> {
        if (!TOOLS.contains("added")) {
          TOOLS.add("added");
        }
        write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");
        r.put("added", true);
        respond(id, r);
      }
      default -> write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32602,\"message\":\"unknown tool\"}}");
    }
  }

  private static void gather(ObjectNode request, JsonNode arguments) {
    String group = arguments.path("group").asString();
    int size = arguments.path("size").asInt();
    List<ObjectNode> ready = null;
    synchronized (GROUPS) {
      List<ObjectNode> members = GROUPS.computeIfAbsent(group, g -> new ArrayList<>());
      members.add(request);
      if (members.size() >= size) {
        ready = List.copyOf(members);
        GROUPS.remove(group);
      }
    }
    if (ready != null) {
      for (ObjectNode member : ready.reversed()) {
        ObjectNode r = JSON.createObjectNode();
        String message = member.path("params").path("arguments").path("message").asString();
        r.putObject("structuredContent").put("message", message).set("upstreamId", member.get("id"));
        r.putArray("content").addObject().put("type", "text").put("text", message);
        respond(member.get("id"), r);
      }
    }
  }

  private static ObjectNode obj(String json) {
    return (ObjectNode) JSON.readTree(json);
  }

  private static void respond(JsonNode id, ObjectNode result) {
    ObjectNode m = JSON.createObjectNode();
    m.put("jsonrpc", "2.0");
    m.set("id", id);
    m.set("result", result);
    write(m.toString());
  }

  private static synchronized void write(String line) {
    OUT.print(line);
    OUT.print('\n');
    OUT.flush();
  }

  private TroubleServer() {}
}
