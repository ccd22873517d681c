package dev.bastion.upstream;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A scripted MCP server for tests, run as a child process: {@code tools/call} with a tool name picks
 * a behaviour (echo, progress, slow, crash, garbage, big, env, ask, notify, cancellations).
 */
public final class FakeStdioServer {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private static final List<JsonNode> CANCELLED = new CopyOnWriteArrayList<>();
  private static final Map<String, JsonNode> ANSWERS = new ConcurrentHashMap<>();
  private static volatile JsonNode initParams;
  private static volatile boolean initialized;
  private static volatile CountDownLatch answersLatch = new CountDownLatch(0);

  public static void main(String[] args) throws Exception {
    String version = args.length > 0 ? args[0] : "2025-11-25";
    System.err.println("fake server starting \u001b[31mred\u001b[0m");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      ObjectNode msg = (ObjectNode) MAPPER.readTree(line);
      if (!msg.has("method")) {
        ANSWERS.put(msg.get("id").asString(), msg);
        answersLatch.countDown();
        continue;
      }
      String method = msg.get("method").asString();
      JsonNode id = msg.get("id");
      switch (method) {
        case "initialize" -> {
          ObjectNode r = MAPPER.createObjectNode();
          r.put("protocolVersion", version);
          r.putObject("capabilities").putObject("tools").put("listChanged", true);
          r.putObject("serverInfo").put("name", "fake").put("version", "1.0");
          r.put("instructions", "be nice");
          initParams = msg.get("params");
          respond(id, r);
        }
        case "notifications/initialized" -> initialized = true;
        case "notifications/cancelled" -> CANCELLED.add(msg.get("params").get("requestId"));
        case "tools/call" -> {
          ObjectNode req = msg;
          Thread.ofVirtual().start(() -> tool(req));
        }
        default -> {
          if (id != null) {
            write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32601,\"message\":\"no\"}}");
          }
        }
      }
    }
  }

  private static void tool(ObjectNode req) {
    JsonNode id = req.get("id");
    JsonNode params = req.get("params");
    String name = params.get("name").asString();
    JsonNode arguments = params.path("arguments");
    ObjectNode r = MAPPER.createObjectNode();
    try {
      switch (name) {
        case "echo" -> {
          r.set("request", req);
          r.set("init", initParams);
          r.put("initialized", initialized);
          respond(id, r);
        }
        case "pid" -> {
          r.put("pid", ProcessHandle.current().pid());
          respond(id, r);
        }
        case "progress" -> {
          JsonNode token = params.get("_meta").get("progressToken");
          for (int i = 1; i <= 2; i++) {
            ObjectNode p = MAPPER.createObjectNode();
            p.set("progressToken", token);
            p.put("progress", i);
            p.put("total", 2);
            write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":" + p + "}");
          }
          r.set("tokenSeen", token);
          respond(id, r);
        }
        case "slow" -> {}
        case "crash" -> Runtime.getRuntime().halt(3);
        case "garbage" -> {
          write("this is not json {");
          write("{\"jsonrpc\":\"2.0\",\"id\":987654,\"result\":{\"stray\":true}}");
          r.put("ok", true);
          respond(id, r);
          ObjectNode dup = MAPPER.createObjectNode();
          dup.put("duplicate", true);
          respond(id, dup);
        }
        case "invalid" -> write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{},\"surprise\":1}");
        case "big" -> {
          int size = arguments.get("size").asInt();
          write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"text\":\"" + "x".repeat(size) + "\"}}");
        }
        case "env" -> {
          ArrayNode keys = r.putArray("keys");
          new TreeSet<>(System.getenv().keySet()).forEach(keys::add);
          r.put("secret", System.getenv().getOrDefault("UPSTREAM_TOKEN", ""));
          respond(id, r);
        }
        case "ask" -> {
          answersLatch = new CountDownLatch(3);
          write("{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"ping\"}");
          write("{\"jsonrpc\":\"2.0\",\"id\":\"s2\",\"method\":\"roots/list\"}");
          write("{\"jsonrpc\":\"2.0\",\"id\":\"s3\",\"method\":\"sampling/createMessage\",\"params\":{}}");
          answersLatch.await();
          ObjectNode answers = r.putObject("answers");
          ANSWERS.forEach(answers::set);
          respond(id, r);
        }
        case "notify" -> {
          write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/resources/list_changed\"}");
          r.put("ok", true);
          respond(id, r);
        }
        case "cancellations" -> {
          ArrayNode ids = r.putArray("ids");
          CANCELLED.forEach(ids::add);
          respond(id, r);
        }
        default -> write("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32602,\"message\":\"unknown tool " + name + "\"}}");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void respond(JsonNode id, ObjectNode result) {
    ObjectNode m = MAPPER.createObjectNode();
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
