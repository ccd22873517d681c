package dev.bastion.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small MCP client over Streamable HTTP (java.net.http) for integration tests, speaking both eras
 * to one gateway as one agent:
 *
 * <ul>
 *   <li>legacy 2025-11-25: {@link #initialize()} performs the handshake and keeps the {@code
 *       Mcp-Session-Id}; {@link #request}/{@link #notify} carry it; {@link #openStream()} opens the
 *       GET stream; {@link #delete()} ends the session;
 *   <li>stateless 2026-07-28: {@link #stateless} adds the per-request {@code _meta} envelope and the
 *       {@code MCP-Protocol-Version}, {@code Mcp-Method} and {@code Mcp-Name} headers;
 *   <li>raw: {@link #post(String, Map)} sends any body with any headers, for error tests.
 * </ul>
 *
 * Responses that arrive as SSE are parsed into their messages; {@link #postStreaming} reads an SSE
 * answer incrementally. Every wait is bounded by {@link #TIMEOUT}.
 */
public final class McpWire {
  public static final String LEGACY = "2025-11-25";
  public static final String STATELESS = "2026-07-28";
  public static final Duration TIMEOUT = Duration.ofSeconds(30);
  public static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final URI url;
  private final String apiKey;
  private final AtomicLong ids = new AtomicLong();
  private volatile String sessionId;

  /** @param apiKey sent as {@code Authorization: Bearer <apiKey>}; null sends no credential */
  public McpWire(URI url, String apiKey) {
    this.url = url;
    this.apiKey = apiKey;
  }

  public URI url() {
    return url;
  }

  public String sessionId() {
    return sessionId;
  }

  /** Uses another session id (e.g. a stale or foreign one) for the following legacy requests. */
  public McpWire withSession(String id) {
    this.sessionId = id;
    return this;
  }

  public long nextId() {
    return ids.incrementAndGet();
  }

  // ------------------------------------------------------------------ legacy era

  /** initialize + notifications/initialized; returns the initialize result and keeps the session id. */
  public JsonNode initialize() {
    return initialize(JSON.createObjectNode());
  }

  /** {@link #initialize()} declaring these client capabilities. */
  public JsonNode initialize(ObjectNode capabilities) {
    ObjectNode params = JSON.createObjectNode();
    params.put("protocolVersion", LEGACY);
    params.set("capabilities", capabilities);
    params.putObject("clientInfo").put("name", "itest").put("version", "1");
    Reply r = send(envelope(nextId(), "initialize", params), legacyHeaders());
    if (r.status() != 200 || r.header("mcp-session-id") == null) {
      throw new AssertionError("initialize failed: " + r);
    }
    sessionId = r.header("mcp-session-id");
    Reply ack = notify("notifications/initialized", JSON.createObjectNode());
    if (ack.status() != 202) {
      throw new AssertionError("notifications/initialized was not accepted: " + ack);
    }
    return r.message().get("result");
  }

  /** A legacy request on the current session. */
  public Reply request(String method, ObjectNode params) {
    return send(envelope(nextId(), method, params), legacyHeaders());
  }

  /** A legacy request with a chosen id. */
  public Reply request(long id, String method, ObjectNode params) {
    return send(envelope(id, method, params), legacyHeaders());
  }

  public Reply notify(String method, ObjectNode params) {
    ObjectNode n = JSON.createObjectNode();
    n.put("jsonrpc", "2.0");
    n.put("method", method);
    n.set("params", params);
    return send(n, legacyHeaders());
  }

  /** POSTs a JSON-RPC response (an answer to a request the gateway sent) on the current session. */
  public Reply answer(JsonNode id, ObjectNode result) {
    ObjectNode m = JSON.createObjectNode();
    m.put("jsonrpc", "2.0");
    m.set("id", id);
    m.set("result", result);
    return send(m, legacyHeaders());
  }

  /** A legacy request whose answer may stream (progress): read it with {@link Stream#next}. */
  public Stream requestStreaming(long id, String method, ObjectNode params) {
    return postStreaming(envelope(id, method, params).toString(), legacyHeaders());
  }

  /** A legacy {@code tools/call} of {@code tool} with no arguments, read as a stream. */
  public Stream callToolStreaming(long id, String tool) {
    return requestStreaming(id, "tools/call", obj("{\"name\":\"" + tool + "\",\"arguments\":{}}"));
  }

  /** The text of a tool result's first content item, or "". */
  public static String toolText(JsonNode response) {
    return response.path("result").path("content").path(0).path("text").asString("");
  }

  /** Opens the legacy GET stream of the current session. */
  public Stream openStream() {
    HttpRequest.Builder b = base().header("Accept", "text/event-stream").GET();
    legacyHeaders().forEach(b::setHeader);
    return stream(b.build());
  }

  public Reply delete() {
    HttpRequest.Builder b = base().DELETE();
    legacyHeaders().forEach(b::setHeader);
    return exchange(b.build());
  }

  /** Sends a GET with the current session and returns its answer without streaming (for refusals). */
  public Reply getOnce(Map<String, String> extra) {
    HttpRequest.Builder b = base().header("Accept", "text/event-stream").GET();
    legacyHeaders().forEach(b::setHeader);
    extra.forEach(b::setHeader);
    return exchange(b.build());
  }

  private Map<String, String> legacyHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("MCP-Protocol-Version", LEGACY);
    if (sessionId != null) {
      h.put("Mcp-Session-Id", sessionId);
    }
    return h;
  }

  // ------------------------------------------------------------------ stateless era

  /** A 2026-07-28 request: envelope in {@code _meta} and the matching routing headers. */
  public Reply stateless(String method, ObjectNode params) {
    ObjectNode body = statelessBody(nextId(), method, params);
    return send(body, statelessHeaders(method, params));
  }

  /** A 2026-07-28 request read as a stream (subscriptions/listen, progress). */
  public Stream statelessStreaming(long id, String method, ObjectNode params) {
    return postStreaming(statelessBody(id, method, params).toString(), statelessHeaders(method, params));
  }

  public static ObjectNode statelessBody(long id, String method, ObjectNode params) {
    ObjectNode p = params.deepCopy();
    ObjectNode meta = p.has("_meta") ? (ObjectNode) p.get("_meta") : p.putObject("_meta");
    meta.put("io.modelcontextprotocol/protocolVersion", STATELESS);
    if (!(meta.get("io.modelcontextprotocol/clientCapabilities") instanceof ObjectNode)) {
      meta.putObject("io.modelcontextprotocol/clientCapabilities");
    }
    return envelope(id, method, p);
  }

  public static Map<String, String> statelessHeaders(String method, ObjectNode params) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("MCP-Protocol-Version", STATELESS);
    h.put("Mcp-Method", method);
    String name = switch (method) {
      case "tools/call", "prompts/get" -> params.path("name").asString(null);
      case "resources/read" -> params.path("uri").asString(null);
      default -> null;
    };
    if (name != null) {
      h.put("Mcp-Name", name);
    }
    return h;
  }

  // ------------------------------------------------------------------ raw

  /** POSTs {@code body} as JSON with the credential, the default Accept and {@code headers}. */
  public Reply post(String body, Map<String, String> headers) {
    HttpRequest.Builder b = base().header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::setHeader);
    return exchange(b.build());
  }

  public Stream postStreaming(String body, Map<String, String> headers) {
    HttpRequest.Builder b = base().header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::setHeader);
    return stream(b.build());
  }

  public static ObjectNode envelope(long id, String method, ObjectNode params) {
    ObjectNode m = JSON.createObjectNode();
    m.put("jsonrpc", "2.0");
    m.put("id", id);
    m.put("method", method);
    m.set("params", params);
    return m;
  }

  /** Parses a JSON object literal (tests write params as text). */
  public static ObjectNode obj(String json) {
    return (ObjectNode) JSON.readTree(json);
  }

  private Reply send(ObjectNode message, Map<String, String> headers) {
    return post(message.toString(), headers);
  }

  private HttpRequest.Builder base() {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Accept", "application/json, text/event-stream");
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  private static Reply exchange(HttpRequest request) {
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      Map<String, String> headers = new LinkedHashMap<>();
      r.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(", ", v)));
      String type = headers.getOrDefault("content-type", "");
      List<JsonNode> messages = new ArrayList<>();
      if (type.startsWith("text/event-stream")) {
        for (String data : Sse.events(new BufferedReader(new java.io.StringReader(r.body())))) {
          messages.add(JSON.readTree(data));
        }
      } else if (type.startsWith("application/json") && !r.body().isEmpty()) {
        messages.add(JSON.readTree(r.body()));
      }
      return new Reply(r.statusCode(), headers, r.body(), messages);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends without waiting: the gateway sends headers only with the first event or the answer. */
  private static Stream stream(HttpRequest request) {
    return new Stream(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()));
  }

  /**
   * One HTTP answer: status, lower-cased headers, raw body and its JSON-RPC messages (one for a JSON
   * body, every event's data for an SSE body).
   */
  public record Reply(int status, Map<String, String> headers, String body, List<JsonNode> messages) {
    public String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** The last message: the response when the answer was streamed. */
    public JsonNode message() {
      if (messages.isEmpty()) {
        throw new AssertionError("no JSON-RPC message in " + this);
      }
      return messages.getLast();
    }

    public JsonNode result() {
      JsonNode m = message();
      if (!m.has("result")) {
        throw new AssertionError("expected a result, got " + m);
      }
      return m.get("result");
    }

    public JsonNode error() {
      JsonNode m = message();
      if (!m.has("error")) {
        throw new AssertionError("expected an error, got " + m);
      }
      return m.get("error");
    }

    public int errorCode() {
      return error().get("code").asInt();
    }
  }

  /** An SSE answer read as it arrives. Closing it hangs up. */
  public static final class Stream implements AutoCloseable {
    private final java.util.concurrent.CompletableFuture<HttpResponse<InputStream>> response;
    private static final JsonNode END = JSON.createObjectNode().put("end-of-stream", true);
    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private volatile boolean ended;

    Stream(java.util.concurrent.CompletableFuture<HttpResponse<InputStream>> response) {
      this.response = response;
      Thread.ofVirtual().name("mcpwire-sse").start(this::read);
    }

    private HttpResponse<InputStream> response() {
      try {
        return response.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new AssertionError("no answer headers within " + TIMEOUT, e);
      }
    }

    public int status() {
      return response().statusCode();
    }

    public String header(String name) {
      return response().headers().firstValue(name).orElse(null);
    }

    private void read() {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(response.join().body(), StandardCharsets.UTF_8))) {
        String contentType = header("content-type");
        if (contentType != null && contentType.startsWith("application/json")) {
          messages.add(JSON.readTree(in));
          return;
        }
        Sse.events(in, data -> messages.add(JSON.readTree(data)));
      } catch (IOException | RuntimeException e) {
        // hung up or closed by the test
      } finally {
        ended = true;
        messages.add(END);
      }
    }

    /** The next message, or an AssertionError if none arrives within {@link #TIMEOUT}. */
    public JsonNode next() {
      try {
        JsonNode n = messages.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (n == null) {
          throw new AssertionError("no message on the stream within " + TIMEOUT);
        }
        if (n == END) {
          messages.add(END);
          throw new AssertionError("the stream ended");
        }
        return n;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /** Reads until the server ends the stream; returns what arrived before the end. */
    public List<JsonNode> awaitEnd() {
      List<JsonNode> rest = new ArrayList<>();
      try {
        while (true) {
          JsonNode n = messages.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          if (n == null) {
            throw new AssertionError("the stream did not end within " + TIMEOUT);
          }
          if (n == END) {
            messages.add(END);
            return rest;
          }
          rest.add(n);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /** Skips messages until one matches. */
    public JsonNode next(Predicate<JsonNode> wanted) {
      while (true) {
        JsonNode n = next();
        if (wanted.test(n)) {
          return n;
        }
      }
    }

    /** Skips messages until a request to the agent with this method (a relayed server request). */
    public JsonNode nextRequest(String method) {
      return next(n -> method.equals(n.path("method").asString("")));
    }

    /** The first message that is a request to the agent or a response. */
    public JsonNode nextRequestOrResponse() {
      return next(n -> n.has("method") && n.has("id") || n.has("result") || n.has("error"));
    }

    /** The next message carrying the response of request {@code id}. */
    public JsonNode response(long id) {
      return next(n -> n.has("id") && n.get("id").asLong() == id && (n.has("result") || n.has("error")));
    }

    @Override
    public void close() {
      if (!response.isDone()) {
        response.cancel(true);
        return;
      }
      try {
        response.join().body().close();
      } catch (IOException | RuntimeException e) {
        // already closed or failed
      }
    }
  }

  /** Minimal SSE event parsing (data lines joined by newlines; comments and other fields skipped). */
  static final class Sse {
    interface Sink {
      void data(String data) throws IOException;
    }

    static List<String> events(BufferedReader in) throws IOException {
      List<String> out = new ArrayList<>();
      events(in, out::add);
      return out;
    }

    static void events(BufferedReader in, Sink sink) throws IOException {
      StringBuilder data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            sink.data(data.toString());
            data = null;
          }
        } else if (line.startsWith("data:")) {
          String value = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
      }
      if (data != null) {
        sink.data(data.toString());
      }
    }

    private Sse() {}
  }
}
