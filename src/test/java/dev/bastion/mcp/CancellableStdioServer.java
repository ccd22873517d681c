package dev.bastion.mcp;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A minimal MCP stdio server for the endpoint's cancellation tests, run as a child process. Tools:
 * {@code echo}; {@code hang} (never answers); {@code hang_after_progress} (one progress
 * notification, then never answers); {@code cancellations} (the request ids it has received
 * {@code notifications/cancelled} for).
 */
public final class CancellableStdioServer {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private static final List<JsonNode> CANCELLED = new CopyOnWriteArrayList<>();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      JsonNode msg = JSON.readTree(line);
      JsonNode id = msg.get("id");
      switch (msg.path("method").asString("")) {
        case "initialize" -> {
          ObjectNode r = JSON.createObjectNode();
          r.put("protocolVersion", "2025-11-25");
          r.putObject("capabilities").putObject("tools");
          r.putObject("serverInfo").put("name", "cancellable").put("version", "1.0");
          respond(id, r);
        }
        case "tools/list" -> {
          ObjectNode r = JSON.createObjectNode();
          var tools = r.putArray("tools");
          for (String name : List.of("echo", "hang", "hang_after_progress", "cancellations")) {
            ObjectNode t = tools.addObject();
            t.put("name", name);
            t.putObject("inputSchema").put("type", "object");
          }
          respond(id, r);
        }
        case "notifications/cancelled" -> CANCELLED.add(msg.path("params").path("requestId"));
        case "tools/call" -> call(id, msg.path("params"));
        default -> {
          if (id != null && !msg.has("result") && !msg.has("error")) {
            write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32601,\"message\":\"no\"}}");
          }
        }
      }
    }
  }

  private static void call(JsonNode id, JsonNode params) {
    ObjectNode r = JSON.createObjectNode();
    switch (params.path("name").asString("")) {
      case "echo" -> {
        r.putArray("content").addObject().put("type", "text").put("text", "echo");
        respond(id, r);
      }
      case "hang" -> {}
      case "hang_after_progress" -> {
        ObjectNode p = JSON.createObjectNode();
        p.set("progressToken", params.path("_meta").path("progressToken"));
        p.put("progress", 1);
        write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":" + p + "}");
      }
      case "cancellations" -> {
        r.putArray("content").addObject().put("type", "text").put("text", Integer.toString(CANCELLED.size()));
        respond(id, r);
      }
      default -> write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32602,\"message\":\"unknown tool\"}}");
    }
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
}
