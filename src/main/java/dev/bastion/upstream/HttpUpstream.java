package dev.bastion.upstream;

import dev.bastion.config.Secret;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcException;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.ReasonCode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An MCP server reached over Streamable HTTP, either era.
 *
 * <p>{@link #start()} first POSTs a 2026-07-28 {@code server/discover}; a valid discover result
 * listing {@code 2026-07-28} selects the stateless era (every request carries the {@code _meta}
 * envelope and the {@code MCP-Protocol-Version}, {@code Mcp-Method} and {@code Mcp-Name} headers).
 * A JSON-RPC error or a 4xx selects the legacy era: {@code initialize}, keep {@code Mcp-Session-Id},
 * send {@code MCP-Protocol-Version}, {@code notifications/initialized}, re-initialize once when a
 * call meets 404, and listen on the GET stream when the server offers one. 401/403, 5xx, timeouts
 * and connection failures fail the start.
 *
 * <p>Threading: each call runs its POST on its own virtual thread, which reads the JSON or SSE
 * answer (bounded by the response cap) and completes the call; the caller waits in {@link
 * Call#await()}. Cancelling closes that response stream (the 2026 cancellation) and, in the legacy
 * era, also POSTs {@code notifications/cancelled}. The legacy GET stream has its own virtual thread.
 * Only the configured headers are sent, never anything from the agent; redirects are never followed.
 */
public final class HttpUpstream implements Upstream {
  private static final System.Logger LOG = System.getLogger(HttpUpstream.class.getName());
  private static final Set<String> MANAGED_HEADERS =
      Set.of("accept", "content-type", "mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name", "last-event-id");
  private static final Pattern ENCODED_HEADER = Pattern.compile("^=\\?base64\\?.*\\?=$");
  private static final int ERROR_BODY_BYTES = 64 * 1024;
  /** Bounds the wait for response headers; a call's own timeout is enforced by {@link Call#await()}. */
  private static final Duration SOCKET_TIMEOUT = Duration.ofMinutes(60);

  private static final Duration GET_STREAM_MAX_BACKOFF = Duration.ofSeconds(30);

  private final String name;
  private final URI url;
  private final Map<String, Secret> headers;
  private final Duration timeout;
  private final JsonRpcCodec codec;
  private final int maxResponseBytes;
  private final Listener listener;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpClient client;
  private final AtomicLong ids = new AtomicLong();
  private final CallTable calls;
  private final Map<Long, Exchange> exchanges = new ConcurrentHashMap<>();
  private final ReentrantLock sessionLock = new ReentrantLock();

  private volatile Era era;
  private volatile String protocolVersion;
  private volatile String sessionId;
  private volatile ServerDescription description;
  private volatile Health health = Health.STARTING;
  private volatile boolean closed;
  private volatile Thread getStream;
  private volatile InputStream getStreamBody;

  public HttpUpstream(UpstreamConfig.Http config, UpstreamContext context) {
    this.name = Objects.requireNonNull(config.name(), "name");
    this.url = Objects.requireNonNull(config.url(), "url");
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("upstream " + name + ": url must be http or https, got " + Protocol.printable(url.toString(), 200));
    }
    for (Map.Entry<String, Secret> h : config.headers().entrySet()) {
      if (MANAGED_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "upstream " + name + ": header " + h.getKey() + " is managed by the gateway and cannot be configured");
      }
      try {
        HttpRequest.newBuilder(url).header(h.getKey(), h.getValue().reveal());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "upstream " + name + ": header " + Protocol.printable(h.getKey(), 100) + " cannot be sent (restricted name or invalid value)");
      }
    }
    this.headers = config.headers();
    this.timeout = config.timeout() != null ? config.timeout() : context.defaultTimeout();
    this.codec = context.responseCodec();
    this.maxResponseBytes = context.maxResponseBytes();
    this.listener = context.listener();
    this.calls = new CallTable(name, ids);
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
            .executor(executor)
            .build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start() throws UpstreamException {
    sessionLock.lock();
    try {
      if (closed) {
        throw new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is closed");
      }
      if (health == Health.READY) {
        return;
      }
      health = Health.STARTING;
      try {
        if (!discoverStateless()) {
          initializeLegacy();
          openGetStream();
        }
        health = Health.READY;
      } catch (UpstreamException e) {
        health = Health.FAILED;
        throw e;
      }
    } finally {
      sessionLock.unlock();
    }
  }

  @Override
  public ServerDescription description() {
    ServerDescription d = description;
    if (d == null) {
      throw new IllegalStateException("upstream " + name + " has not completed its handshake; call start() first");
    }
    return d;
  }

  @Override
  public Call call(String method, ObjectNode params, CallOptions options) throws UpstreamException {
    ready();
    Duration t = options.timeout() != null ? options.timeout() : timeout;
    return begin(Kind.CALL, method, params, options, t);
  }

  @Override
  public void notify(String method, ObjectNode params) throws UpstreamException {
    ready();
    postNotification(method, params == null ? JsonRpcCodec.nodes().objectNode() : params);
  }

  @Override
  public Health health() {
    return health;
  }

  @Override
  public void close() {
    sessionLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      health = Health.CLOSED;
    } finally {
      sessionLock.unlock();
    }
    calls.closeAll(new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is shutting down"));
    exchanges.values().forEach(Exchange::abort);
    stopGetStream();
    String session = sessionId;
    if (era == Era.LEGACY && session != null) {
      try {
        HttpRequest delete =
            base(Duration.ofSeconds(2)).header("Mcp-Session-Id", session).header("MCP-Protocol-Version", protocolVersion).DELETE().build();
        client.send(delete, HttpResponse.BodyHandlers.discarding());
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.DEBUG, () -> "upstream " + name + ": DELETE of the session failed: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    client.shutdownNow();
    executor.shutdownNow();
  }

  private void ready() throws UpstreamException {
    switch (health) {
      case READY -> {}
      case STARTING, FAILED, RESTARTING ->
          throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " is unavailable: it is " + health.name().toLowerCase(Locale.ROOT));
      case CLOSED -> throw new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is closed");
    }
  }

  // ---------------------------------------------------------------- handshake

  /** Returns true if the server speaks 2026-07-28 (and records its description). */
  private boolean discoverStateless() throws UpstreamException {
    ObjectNode result;
    try {
      result = begin(Kind.DISCOVER, "server/discover", JsonRpcCodec.nodes().objectNode(), CallOptions.of(timeout), timeout).await();
    } catch (UpstreamException.Remote e) {
      LOG.log(Level.DEBUG, () -> "upstream " + name + ": server/discover refused (" + e.code() + "); using the legacy era");
      return false;
    } catch (UpstreamException e) {
      if (e.reason() == ReasonCode.UPSTREAM_PROTOCOL_ERROR) {
        LOG.log(Level.DEBUG, () -> "upstream " + name + ": server/discover not understood (" + e.getMessage() + "); using the legacy era");
        return false;
      }
      throw e;
    }
    JsonNode versions = result.get("supportedVersions");
    boolean modern = false;
    if (versions != null && versions.isArray()) {
      for (JsonNode v : versions) {
        modern |= v.isString() && Protocol.STATELESS_VERSION.equals(v.asString());
      }
    }
    if (!modern) {
      return false;
    }
    ObjectNode serverInfo =
        result.path("_meta").get(Protocol.META_SERVER_INFO) instanceof ObjectNode si
            ? si
            : result.get("serverInfo") instanceof ObjectNode top ? top : JsonRpcCodec.nodes().objectNode();
    era = Era.STATELESS;
    protocolVersion = Protocol.STATELESS_VERSION;
    description =
        new ServerDescription(
            Era.STATELESS,
            Protocol.STATELESS_VERSION,
            serverInfo,
            result.get("capabilities") instanceof ObjectNode caps ? caps : JsonRpcCodec.nodes().objectNode(),
            result.get("instructions") instanceof JsonNode ins && ins.isString() ? ins.asString() : null);
    return true;
  }

  /** The legacy handshake; replaces any previous session. Caller holds {@link #sessionLock}. */
  private void initializeLegacy() throws UpstreamException {
    era = Era.LEGACY;
    sessionId = null;
    ObjectNode result = begin(Kind.INITIALIZE, "initialize", Protocol.initializeParams(), CallOptions.of(timeout), timeout).await();
    JsonNode version = result.get("protocolVersion");
    if (version == null || !version.isString() || !Protocol.LEGACY_VERSIONS.contains(version.asString())) {
      throw new UpstreamException(
          ReasonCode.UPSTREAM_PROTOCOL_ERROR,
          "upstream " + name + " answered initialize with protocol version "
              + (version == null ? "none" : Protocol.printable(version.toString(), 64))
              + "; expected one of " + Protocol.LEGACY_VERSIONS);
    }
    protocolVersion = version.asString();
    description =
        new ServerDescription(
            Era.LEGACY,
            protocolVersion,
            result.get("serverInfo") instanceof ObjectNode si ? si : JsonRpcCodec.nodes().objectNode(),
            result.get("capabilities") instanceof ObjectNode caps ? caps : JsonRpcCodec.nodes().objectNode(),
            result.get("instructions") instanceof JsonNode ins && ins.isString() ? ins.asString() : null);
    postNotification("notifications/initialized", JsonRpcCodec.nodes().objectNode());
  }

  /** After a 404 for {@code staleSession}: starts a new session unless another thread already did. */
  private void reinitialize(String staleSession) throws UpstreamException {
    boolean renewed = false;
    sessionLock.lock();
    try {
      if (closed) {
        throw new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is closed");
      }
      if (Objects.equals(sessionId, staleSession)) {
        LOG.log(Level.INFO, "upstream " + name + ": session expired (404); initializing a new one");
        stopGetStream();
        initializeLegacy();
        openGetStream();
        renewed = true;
      }
    } finally {
      sessionLock.unlock();
    }
    if (renewed) {
      notifyListener(Protocol.TOOLS_LIST_CHANGED, JsonRpcCodec.nodes().objectNode());
    }
  }

  // ---------------------------------------------------------------- requests

  private enum Kind {
    DISCOVER,
    INITIALIZE,
    CALL
  }

  /** The socket side of one call: its worker thread and, once the answer started, its body. */
  private static final class Exchange {
    volatile Thread worker;
    volatile InputStream body;

    void abort() {
      InputStream b = body;
      if (b != null) {
        try {
          b.close();
        } catch (IOException e) {
          // closing is all we wanted
        }
      }
      Thread w = worker;
      if (w != null) {
        w.interrupt();
      }
    }
  }

  private PendingCall begin(Kind kind, String method, ObjectNode params, CallOptions options, Duration t) {
    PendingCall call = calls.open(method, params, options, t, this::abandoned);
    if (call.isDone()) {
      return call;
    }
    if (kind == Kind.DISCOVER || (kind == Kind.CALL && era == Era.STATELESS)) {
      Protocol.withStatelessEnvelope(call.wireParams());
    }
    Exchange exchange = new Exchange();
    exchanges.put(call.id(), exchange);
    call.onDone(() -> exchanges.remove(call.id(), exchange));
    try {
      executor.execute(() -> run(kind, call, exchange, true));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      call.fail(new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is shutting down"));
    }
    return call;
  }

  private void abandoned(PendingCall call, String reason) {
    Exchange exchange = exchanges.remove(call.id());
    if (exchange != null) {
      exchange.abort();
    }
    if (era == Era.LEGACY && !closed) {
      ObjectNode params = JsonRpcCodec.nodes().objectNode();
      params.put("requestId", call.id());
      params.put("reason", reason);
      try {
        executor.execute(() -> {
          try {
            postNotification("notifications/cancelled", params);
          } catch (UpstreamException e) {
            LOG.log(Level.DEBUG, () -> "upstream " + name + ": could not send notifications/cancelled: " + e.getMessage());
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down
      }
    }
  }

  private HttpRequest.Builder base(Duration t) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(t);
    headers.forEach((k, v) -> b.header(k, v.reveal()));
    return b;
  }

  private HttpRequest.Builder post(Kind kind, String method, ObjectNode params, byte[] body, Duration t, String session) {
    HttpRequest.Builder b =
        base(t)
            .header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    switch (kind) {
      case DISCOVER -> b.header("MCP-Protocol-Version", Protocol.STATELESS_VERSION).header("Mcp-Method", method);
      case INITIALIZE -> {}
      case CALL -> {
        traceHeaders(b, params);
        if (era == Era.STATELESS) {
          b.header("MCP-Protocol-Version", Protocol.STATELESS_VERSION).header("Mcp-Method", method);
          String mcpName = mcpName(method, params);
          if (mcpName != null) {
            b.header("Mcp-Name", headerValue(mcpName));
          }
        } else {
          b.header("MCP-Protocol-Version", protocolVersion);
          if (session != null) {
            b.header("Mcp-Session-Id", session);
          }
        }
      }
    }
    return b;
  }

  private static final java.util.regex.Pattern TRACEPARENT = java.util.regex.Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final java.util.regex.Pattern TRACESTATE = java.util.regex.Pattern.compile("[\\x20-\\x7e&&[^\"]]{1,512}");

  /**
   * The W3C trace context the gateway put in {@code params._meta} (see dev.bastion.telemetry),
   * repeated as {@code traceparent}/{@code tracestate} headers for HTTP-level tracing. Only
   * well-formed values are sent, so nothing an agent wrote can inject a header.
   */
  static void traceHeaders(HttpRequest.Builder b, ObjectNode params) {
    if (params == null || !(params.get("_meta") instanceof ObjectNode meta)) {
      return;
    }
    JsonNode tp = meta.get("traceparent");
    if (tp != null && tp.isString() && TRACEPARENT.matcher(tp.asString()).matches()) {
      b.header("traceparent", tp.asString());
      JsonNode ts = meta.get("tracestate");
      if (ts != null && ts.isString() && TRACESTATE.matcher(ts.asString()).matches()) {
        b.header("tracestate", ts.asString());
      }
    }
  }

  static String mcpName(String method, ObjectNode params) {
    JsonNode v =
        switch (method) {
          case "tools/call", "prompts/get" -> params.get("name");
          case "resources/read" -> params.get("uri");
          default -> null;
        };
    return v != null && v.isString() ? v.asString() : null;
  }

  /** A header value as 2026-07-28 wants it: plain when header-safe ASCII, else {@code =?base64?…?=}. */
  static String headerValue(String value) {
    boolean plain = !value.isEmpty() && !ENCODED_HEADER.matcher(value).matches()
        && value.charAt(0) != ' ' && value.charAt(0) != '\t'
        && value.charAt(value.length() - 1) != ' ' && value.charAt(value.length() - 1) != '\t';
    for (int i = 0; plain && i < value.length(); i++) {
      char c = value.charAt(i);
      plain = c >= 0x20 && c <= 0x7E;
    }
    return plain ? value : "=?base64?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
  }

  /** Runs one request on its worker thread and completes the call one way or another. */
  private void run(Kind kind, PendingCall call, Exchange exchange, boolean mayRetry) {
    exchange.worker = Thread.currentThread();
    String session = sessionId;
    byte[] body = codec.encode(CallTable.request(call));
    HttpRequest request = post(kind, call.method(), call.wireParams(), body, SOCKET_TIMEOUT, session).build();
    HttpResponse<InputStream> response;
    try {
      if (call.isDone()) {
        return;
      }
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " at " + url.getHost() + " cannot be reached: " + e, e));
      return;
    } catch (InterruptedException e) {
      call.fail(new UpstreamException(ReasonCode.CANCELLED, "call " + call.method() + " to upstream " + name + " was interrupted"));
      return;
    }
    try (InputStream in = response.body()) {
      exchange.body = in;
      if (call.isDone()) {
        return;
      }
      int status = response.statusCode();
      if (kind == Kind.INITIALIZE && status == 200) {
        response.headers().firstValue("Mcp-Session-Id").ifPresent(id -> sessionId = validSessionId(id));
      }
      if (status == 404 && kind == Kind.CALL && era == Era.LEGACY && session != null && mayRetry) {
        in.close();
        try {
          reinitialize(session);
        } catch (UpstreamException e) {
          call.fail(e);
          return;
        }
        run(kind, call, exchange, false);
        return;
      }
      handle(kind, call, response, in);
    } catch (IOException e) {
      if (!call.isDone()) {
        call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + ": the answer to " + call.method() + " broke off: " + e, e));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "upstream " + name + ": unexpected failure reading an answer", e);
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream " + name + ": unreadable answer to " + call.method() + ": " + e, e));
    }
  }

  private String validSessionId(String id) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        LOG.log(Level.WARNING, "upstream " + name + " issued a session id with invalid characters; ignored");
        return null;
      }
    }
    return id.length() > 1024 ? null : id;
  }

  private void handle(Kind kind, PendingCall call, HttpResponse<InputStream> response, InputStream in) throws IOException {
    int status = response.statusCode();
    String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
    if (status == 200 && type.startsWith("text/event-stream")) {
      readStream(call, in);
      return;
    }
    if (status == 200 && type.startsWith("application/json")) {
      long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > maxResponseBytes) {
        call.fail(tooLarge(declared));
        return;
      }
      byte[] bytes = readBounded(in, maxResponseBytes);
      if (bytes == null) {
        call.fail(tooLarge(-1));
        return;
      }
      deliver(call, bytes, false);
      if (!call.isDone()) {
        call.fail(calls.protocolError(call, "the JSON body was not the response to this request"));
      }
      return;
    }
    if (status == 200 || status == 202) {
      call.fail(calls.protocolError(call, "HTTP " + status + " with content type \"" + Protocol.printable(type, 80) + "\"; expected application/json or text/event-stream"));
      return;
    }
    if (status == 401 || status == 403) {
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " refused the gateway's credentials (HTTP " + status + ")"));
      return;
    }
    if (status >= 300 && status < 400) {
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE,
          "upstream " + name + " answered with a redirect (HTTP " + status + "); redirects are not followed"));
      return;
    }
    byte[] errorBody = type.startsWith("application/json") ? readBounded(in, Math.min(ERROR_BODY_BYTES, maxResponseBytes)) : null;
    if (errorBody != null) {
      try {
        if (codec.decode(errorBody) instanceof JsonRpcMessage.Response r && r.error() != null
            && (r.id() == null || r.id().isNull() || Objects.equals(calls.find(r.id()), call))) {
          call.fail(new UpstreamException.Remote(r.error().code(), r.error().message(), r.error().data()));
          return;
        }
      } catch (JsonRpcException e) {
        // fall through to the status
      }
    }
    ReasonCode reason = status >= 500 ? ReasonCode.UPSTREAM_UNAVAILABLE : ReasonCode.UPSTREAM_PROTOCOL_ERROR;
    call.fail(new UpstreamException(reason, "upstream " + name + " answered " + call.method() + " with HTTP " + status));
  }

  /** Reads an SSE answer until the response for {@code call} arrives, the stream ends or breaks a bound. */
  private void readStream(PendingCall call, InputStream in) throws IOException {
    SseReader sse = new SseReader(in, maxResponseBytes);
    while (!call.isDone()) {
      switch (sse.next()) {
        case SseReader.Item.Event e -> {
          if ("message".equals(e.type()) && !isBlank(e.data())) {
            deliver(call, e.data(), true);
          }
        }
        case SseReader.Item.TooLarge t -> {
          call.fail(tooLarge(t.bytes()));
          return;
        }
        case SseReader.Item.End end -> {
          if (!call.isDone()) {
            call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE,
                "upstream " + name + " ended the event stream for " + call.method() + " without answering"));
          }
          return;
        }
      }
    }
  }

  /** Dispatches one message received on a call's answer (or, with {@code call} null, on the GET stream). */
  private void deliver(PendingCall call, byte[] bytes, boolean fromStream) {
    JsonRpcMessage message;
    try {
      message = codec.decode(bytes);
    } catch (JsonRpcException e) {
      UpstreamException bad = new UpstreamException(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream " + name + " sent an invalid message: " + e.getMessage());
      if (call != null && (!fromStream || e.id() == null || Objects.equals(calls.find(e.id()), call))) {
        call.fail(bad);
      } else if (!calls.failById(e.id(), bad)) {
        LOG.log(Level.WARNING, "upstream " + name + " sent an invalid message on its event stream (" + e.getMessage() + "); dropped");
      }
      return;
    }
    switch (message) {
      case JsonRpcMessage.Response r -> {
        if (call == null || Objects.equals(calls.find(r.id()), call)) {
          calls.complete(r);
        } else if (!fromStream) {
          call.fail(calls.protocolError(call, "the body answered id " + Protocol.printable(String.valueOf(r.id()), 40) + ", not this request"));
        } else {
          LOG.log(Level.WARNING, "upstream " + name + " sent a response for id " + Protocol.printable(String.valueOf(r.id()), 40)
              + " on the stream of another request; dropped");
        }
      }
      case JsonRpcMessage.Notification n -> {
        if ("notifications/progress".equals(n.method())) {
          calls.progress(n.params());
        } else {
          notifyListener(n.method(), n.params());
        }
      }
      case JsonRpcMessage.Request r -> {
        JsonRpcMessage.Response answer = Protocol.answerServerRequest(r);
        try {
          executor.execute(() -> postMessage(answer, "a response to " + r.method()));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // shutting down
        }
      }
    }
  }

  private void postNotification(String method, ObjectNode params) throws UpstreamException {
    HttpResponse<InputStream> response = send(new JsonRpcMessage.Notification(method, params), method);
    int status = response.statusCode();
    close(response);
    if (status != 202 && status != 200 && status != 204) {
      throw new UpstreamException(
          status >= 500 ? ReasonCode.UPSTREAM_UNAVAILABLE : ReasonCode.UPSTREAM_PROTOCOL_ERROR,
          "upstream " + name + " refused notification " + method + " with HTTP " + status);
    }
  }

  private void postMessage(JsonRpcMessage message, String what) {
    try {
      HttpResponse<InputStream> response = send(message, null);
      close(response);
    } catch (UpstreamException e) {
      LOG.log(Level.DEBUG, () -> "upstream " + name + ": could not send " + what + ": " + e.getMessage());
    }
  }

  private HttpResponse<InputStream> send(JsonRpcMessage message, String method) throws UpstreamException {
    HttpRequest.Builder b =
        base(timeout)
            .header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(codec.encode(message)));
    if (era == Era.STATELESS) {
      b.header("MCP-Protocol-Version", Protocol.STATELESS_VERSION);
      if (method != null) {
        b.header("Mcp-Method", method);
      }
    } else {
      if (protocolVersion != null) {
        b.header("MCP-Protocol-Version", protocolVersion);
      }
      String session = sessionId;
      if (session != null) {
        b.header("Mcp-Session-Id", session);
      }
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " cannot be reached: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(ReasonCode.CANCELLED, "sending to upstream " + name + " was interrupted");
    }
  }

  // ---------------------------------------------------------------- legacy GET stream

  /** Opens the legacy GET stream for server notifications; a server without one (405) is fine. */
  private void openGetStream() {
    if (closed || era != Era.LEGACY) {
      return;
    }
    String session = sessionId;
    getStream = Thread.ofVirtual().name("upstream-" + name + "-get").start(() -> getStreamLoop(session));
  }

  private void stopGetStream() {
    Thread t = getStream;
    getStream = null;
    InputStream body = getStreamBody;
    if (body != null) {
      try {
        body.close();
      } catch (IOException e) {
        // closing is all we wanted
      }
    }
    if (t != null) {
      t.interrupt();
    }
  }

  private void getStreamLoop(String session) {
    long backoff = 1000;
    while (!closed && Objects.equals(session, sessionId) && Thread.currentThread() == getStream) {
      HttpRequest.Builder b = base(Duration.ofMinutes(60)).header("Accept", "text/event-stream").header("MCP-Protocol-Version", protocolVersion).GET();
      if (session != null) {
        b.header("Mcp-Session-Id", session);
      }
      try {
        HttpResponse<InputStream> response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
          getStreamBody = in;
          String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
          if (response.statusCode() != 200 || !type.startsWith("text/event-stream")) {
            LOG.log(Level.DEBUG, () -> "upstream " + name + " offers no GET stream (HTTP " + response.statusCode() + ")");
            return;
          }
          backoff = 1000;
          SseReader sse = new SseReader(in, maxResponseBytes);
          SseReader.Item item;
          while (!((item = sse.next()) instanceof SseReader.Item.End)) {
            if (item instanceof SseReader.Item.Event e && "message".equals(e.type()) && !isBlank(e.data())) {
              deliver(null, e.data(), true);
            } else if (item instanceof SseReader.Item.TooLarge) {
              LOG.log(Level.WARNING, "upstream " + name + " sent an oversized event on its GET stream; reconnecting");
              break;
            }
          }
        }
      } catch (IOException e) {
        if (closed) {
          return;
        }
        LOG.log(Level.DEBUG, () -> "upstream " + name + ": GET stream broke: " + e);
      } catch (InterruptedException e) {
        return;
      }
      try {
        Thread.sleep(backoff); // reconnect backoff, not synchronisation
      } catch (InterruptedException e) {
        return;
      }
      backoff = Math.min(backoff * 2, GET_STREAM_MAX_BACKOFF.toMillis());
    }
  }

  // ---------------------------------------------------------------- helpers

  private UpstreamException tooLarge(long bytes) {
    return new UpstreamException(
        ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE,
        "upstream " + name + " sent " + (bytes < 0 ? "more than " + maxResponseBytes : String.valueOf(bytes)) + " bytes; the limit is " + maxResponseBytes);
  }

  /** Reads at most {@code max} bytes; null if there were more. */
  private static byte[] readBounded(InputStream in, int max) throws IOException {
    byte[] bytes = in.readNBytes(max + 1);
    return bytes.length > max ? null : bytes;
  }

  private static boolean isBlank(byte[] data) {
    for (byte b : data) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private static void close(HttpResponse<InputStream> response) {
    try {
      response.body().close();
    } catch (IOException e) {
      // nothing left to read
    }
  }

  private void notifyListener(String method, ObjectNode params) {
    try {
      listener.onNotification(name, method, params);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "listener failed on " + method + " from upstream " + name + ": " + e);
    }
  }
}
