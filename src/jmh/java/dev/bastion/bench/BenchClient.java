package dev.bastion.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark's MCP client for everything that is not raw load: checking that a path answers
 * correctly (smoke), opening the session the load generator reuses, and opening many legacy
 * sessions for the memory measurement. JDK HttpClient, HTTP/1.1, virtual threads.
 *
 * <pre>
 *   BenchClient check    URL TOOL [KEY] [--stateless]   # every step of a session checked; exit 1 on a wrong answer
 *   BenchClient session  URL [KEY]                      # prints the Mcp-Session-Id of a fresh session ("" if none)
 *   BenchClient sessions URL KEY COUNT                  # opens COUNT legacy sessions and leaves them open
 * </pre>
 */
public final class BenchClient {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AtomicLong IDS = new AtomicLong(1);

  private final HttpClient http;
  private final URI url;
  private final String key;

  public BenchClient(String url, String key) {
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    this.url = URI.create(url);
    this.key = key;
  }

  /** The answer to one POST: its status, the session header and the JSON-RPC message (SSE unwrapped). */
  public record Answer(int status, String session, JsonNode message) {}

  public Answer post(String session, String protocolHeader, String body, String... extraHeaders) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null && !key.isEmpty()) {
      b.header("Authorization", "Bearer " + key);
    }
    if (session != null && !session.isEmpty()) {
      b.header("Mcp-Session-Id", session);
    }
    if (protocolHeader != null) {
      b.header("MCP-Protocol-Version", protocolHeader);
    }
    for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
      b.header(extraHeaders[i], extraHeaders[i + 1]);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    String sid = r.headers().firstValue("Mcp-Session-Id").orElse(session);
    String text = r.body();
    JsonNode message = null;
    if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
      for (String line : text.split("\n")) {
        if (line.startsWith("data:")) {
          JsonNode m = JSON.readTree(line.substring(5).trim());
          if (m.has("result") || m.has("error")) {
            message = m;
          }
        }
      }
    } else if (!text.isBlank()) {
      message = JSON.readTree(text);
    }
    return new Answer(r.statusCode(), sid, message);
  }

  /** initialize + notifications/initialized; returns the session id ("" when the server keeps none). */
  public String openSession() throws IOException, InterruptedException {
    long id = IDS.getAndIncrement();
    Answer init =
        post(null, null,
            "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}");
    expect(init.status() == 200 && init.message() != null && init.message().path("result").has("protocolVersion"), "initialize", init);
    String session = init.session() == null ? "" : init.session();
    String version = init.message().path("result").path("protocolVersion").asString();
    Answer ack = post(session, version, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    expect(ack.status() == 202 || ack.status() == 200 || ack.status() == 204, "notifications/initialized", ack);
    return session;
  }

  /**
   * A whole legacy session, checked at every step: initialize, initialized, tools/list naming the
   * tool, then {@code calls} tools/call with unique ids whose echoed text must come back under the
   * right id. With {@code stateless}, the calls are also made as 2026-07-28 requests.
   */
  public void check(String tool, int calls, boolean stateless) throws IOException, InterruptedException {
    String session = openSession();
    Answer list = post(session, MockUpstream.LEGACY, "{\"jsonrpc\":\"2.0\",\"id\":" + IDS.getAndIncrement() + ",\"method\":\"tools/list\"}");
    boolean listed = false;
    for (JsonNode t : list.message() == null ? JSON.createArrayNode() : list.message().path("result").path("tools")) {
      listed |= tool.equals(t.path("name").asString(""));
    }
    expect(list.status() == 200 && listed, "tools/list naming " + tool, list);
    for (int i = 0; i < calls; i++) {
      long id = IDS.getAndIncrement();
      String text = "hello " + id;
      Answer call = post(session, MockUpstream.LEGACY, callBody(id, tool, text, false));
      expectEcho(call, id, text);
      if (stateless) {
        long sid = IDS.getAndIncrement();
        String stext = "stateless " + sid;
        Answer s =
            post(null, MockUpstream.STATELESS, callBody(sid, tool, stext, true), "Mcp-Method", "tools/call", "Mcp-Name", tool);
        expectEcho(s, sid, stext);
      }
    }
  }

  public static String callBody(long id, String tool, String text, boolean stateless) {
    String meta =
        stateless
            ? ",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}"
            : "";
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
        + "\",\"arguments\":{\"text\":\"" + text + "\"}" + meta + "}}";
  }

  private static void expectEcho(Answer a, long id, String text) {
    JsonNode m = a.message();
    boolean ok =
        a.status() == 200
            && m != null
            && m.path("id").asLong(-1) == id
            && text.equals(m.path("result").path("content").path(0).path("text").asString(null));
    expect(ok, "tools/call id " + id, a);
  }

  private static void expect(boolean ok, String what, Answer a) {
    if (!ok) {
      throw new IllegalStateException(what + ": unexpected answer, HTTP " + a.status() + ": " + a.message());
    }
  }

  /** Opens {@code count} legacy sessions with {@code parallel} concurrent clients. */
  public void openSessions(int count, int parallel) throws Exception {
    AtomicLong next = new AtomicLong();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < parallel; w++) {
        workers.add(pool.submit(() -> {
          while (next.getAndIncrement() < count) {
            String s = openSession();
            if (s.isEmpty()) {
              throw new IllegalStateException("the server did not create a session");
            }
          }
          return null;
        }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: BenchClient check URL TOOL [KEY] [--stateless] | session URL [KEY] | sessions URL KEY COUNT");
      System.exit(2);
    }
    try {
      switch (args[0]) {
        case "check" -> {
          boolean stateless = List.of(args).contains("--stateless");
          String key = args.length > 3 && !args[3].startsWith("--") ? args[3] : null;
          new BenchClient(args[1], key).check(args[2], 20, stateless);
          System.out.println("ok " + args[1] + (stateless ? " (both eras)" : " (2025-11-25)"));
        }
        case "session" -> System.out.println(new BenchClient(args[1], args.length > 2 ? args[2] : null).openSession());
        case "sessions" -> {
          new BenchClient(args[1], args[2]).openSessions(Integer.parseInt(args[3]), 32);
          System.out.println("opened " + args[3] + " sessions");
        }
        default -> {
          System.err.println("unknown command " + args[0]);
          System.exit(2);
        }
      }
    } catch (IllegalStateException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(1);
    }
  }
}
