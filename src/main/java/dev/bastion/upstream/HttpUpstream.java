package dev.bastion.upstream;

import dev.bastion.config.Secret;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.ReasonCode;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
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
 * <p>Threading: {@link #call} registers the request; the first {@link Call#await()} sends its POST
 * and reads the JSON or SSE answer (bounded by the response cap) on the awaiting (virtual) thread
 * itself, so a call costs no thread of its own and no hand-off. A {@link CallWatchdog} aborts an
 * exchange whose timeout passes; cancelling (from any thread) aborts it too: the response stream is
 * closed (the 2026 cancellation) and, in the legacy era, {@code notifications/cancelled} POSTed.
 * Requests the server sends during a call are answered on virtual threads of their own, so the
 * awaiting thread keeps reading the stream meanwhile. The legacy GET stream has its own virtual
 * thread. Only the configured headers are sent, never anything from the agent; redirects are never
 * followed.
 *
 * <p>Transport: one Helidon HTTP/1.1 {@link Http1Client} per upstream writes the requests and parses
 * the answers, blocking, on the awaiting thread (no selector thread, no per-request filter chain), over
 * connections of the upstream's own {@link ConnectionPool}: an idle connection is checked without
 * blocking before it is reused, and no thread watches it meanwhile. A request goes out again (on a new
 * connection, once) only when a reused connection refused its write before any byte left.
 */
public final class HttpUpstream implements Upstream {
  private static final System.Logger LOG = System.getLogger(HttpUpstream.class.getName());
  private static final HeaderName ACCEPT = HeaderNames.ACCEPT;
  private static final HeaderName CONTENT_TYPE = HeaderNames.CONTENT_TYPE;
  private static final HeaderName SESSION_ID = HeaderNames.create("Mcp-Session-Id");
  private static final HeaderName PROTOCOL_VERSION = HeaderNames.create("MCP-Protocol-Version");
  private static final HeaderName MCP_METHOD = HeaderNames.create("Mcp-Method");
  private static final HeaderName MCP_NAME = HeaderNames.create("Mcp-Name");
  private static final HeaderName TRACEPARENT_HEADER = HeaderNames.create("traceparent");
  private static final HeaderName TRACESTATE_HEADER = HeaderNames.create("tracestate");
  private static final String ACCEPT_BOTH = "application/json, text/event-stream";
  // the fixed headers are built once, with their HTTP/1.1 bytes cached
  private static final Header ACCEPT_BOTH_HEADER = HeaderValues.createCached(ACCEPT, ACCEPT_BOTH);
  private static final Header ACCEPT_SSE_HEADER = HeaderValues.createCached(ACCEPT, "text/event-stream");
  private static final Header JSON_HEADER = HeaderValues.createCached(CONTENT_TYPE, "application/json");
  private static final Header STATELESS_VERSION_HEADER = HeaderValues.createCached(PROTOCOL_VERSION, Protocol.STATELESS_VERSION);
  /**
   * The socket read timeout of a call's POST: none. Every exchange is watched by the {@link
   * CallWatchdog}, which aborts it (closing its connection) once the call's deadline passes, so the
   * reads need no timed park of their own.
   */
  private static final Duration CALL_READ_TIMEOUT = Duration.ZERO;
    /** Bounds a silent GET stream before it is reopened. */
  private static final Duration GET_STREAM_READ_TIMEOUT = Duration.ofMinutes(60);

  private final String name;
  private final URI url;
  private final List<Header> headers;
  private final Duration timeout;
  private final JsonRpcCodec codec;
  private final ServerMessages serverMessages;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Http1Client client;
  private final ConnectionPool pool;
  private final AtomicLong ids = new AtomicLong();
  private final CallTable calls;
  private final Map<Long, HttpExchange> exchanges = new ConcurrentHashMap<>();
  private final CallWatchdog watchdog;
  private final HttpAnswers answers;
  private final GetStream getStream;
  private final ReentrantLock sessionLock = new ReentrantLock();

  private volatile Era era;
  private volatile String protocolVersion;
  private volatile String sessionId;
  private volatile ServerDescription description;
  private volatile Health health = Health.STARTING;
  private volatile boolean closed;

  public HttpUpstream(UpstreamConfig.Http config, UpstreamContext context) {
    this.name = Objects.requireNonNull(config.name(), "name");
    this.url = Objects.requireNonNull(config.url(), "url");
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("upstream " + name + ": url must be http or https, got " + Protocol.printable(url.toString(), 200));
    }
    for (Map.Entry<String, Secret> h : config.headers().entrySet()) {
      if (WireHeaders.MANAGED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "upstream " + name + ": header " + h.getKey() + " is managed by the gateway and cannot be configured");
      }
      if (!WireHeaders.sendable(h.getKey(), h.getValue().reveal())) {
        throw new IllegalArgumentException(
            "upstream " + name + ": header " + Protocol.printable(h.getKey(), 100) + " cannot be sent (restricted name or invalid value)");
      }
    }
    Map<HeaderName, String> configured = new LinkedHashMap<>();
    config.headers().forEach((k, v) -> configured.put(HeaderNames.create(k), v.reveal()));
    // Name the gateway, not its HTTP library and version, unless the operator chose a value.
    if (configured.keySet().stream().noneMatch(h -> h.lowerCase().equals("user-agent"))) {
      configured.put(HeaderNames.USER_AGENT, Protocol.CLIENT_NAME + "/" + Protocol.CLIENT_VERSION);
    }
    // a cached header holds its value's US-ASCII bytes: only for ASCII values, the others as before
    this.headers =
        configured.entrySet().stream()
            .map(h -> h.getValue().chars().allMatch(c -> c < 0x80) ? HeaderValues.createCached(h.getKey(), h.getValue()) : HeaderValues.create(h.getKey(), h.getValue()))
            .toList();
    this.timeout = config.timeout() != null ? config.timeout() : context.defaultTimeout();
    this.codec = context.responseCodec();
    this.serverMessages = context.serverMessages();
    this.calls = new CallTable(name, ids, context.serverMessages());
    this.watchdog = new CallWatchdog(name);
    this.answers = new HttpAnswers(name, codec, context.maxResponseBytes(), calls, context.listener(), serverMessages, this::reply);
    this.getStream = new GetStream(name, answers, this::getRequest, () -> closed, () -> sessionId);
    Duration connect = timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10);
    this.client =
        Http1Client.builder()
            .baseUri(url)
            .followRedirects(false)
            .connectTimeout(connect)
            .readTimeout(timeout)
            .shareConnectionCache(false)
            .servicesDiscoverServices(false)
            .proxy(Proxy.noProxy())
            .contentEncoding(c -> c.contentEncodingsDiscoverServices(false))
            .sendExpectContinue(false)
            .build();
    this.pool =
        new ConnectionPool(
            name,
            url,
            client.prototype().tls(),
            connect,
            client.prototype().socketOptions(),
            client.prototype().dnsResolver(),
            client.prototype().dnsAddressLookup());
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
    exchanges.values().forEach(HttpExchange::abort);
    watchdog.close();
    stopGetStream();
    String session = sessionId;
    if (era == Era.LEGACY && session != null) {
      try (HttpClientResponse ignored =
          pool.exchange(() -> base(Method.DELETE, Duration.ofSeconds(2)).header(SESSION_ID, session).header(PROTOCOL_VERSION, protocolVersion), null, null)) {
        // the status does not matter: the session is gone either way
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, () -> "upstream " + name + ": DELETE of the session failed: " + e);
      }
    }
    pool.close();
    client.closeResource();
    executor.shutdownNow();
  }

  /** The upstream's keep-alive connections (tests). */
  ConnectionPool connections() {
    return pool;
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
    ObjectNode result = begin(Kind.INITIALIZE, "initialize", Protocol.initializeParams(serverMessages.clientCapabilities()), CallOptions.of(timeout), timeout).await();
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
      answers.notifyListener(Protocol.TOOLS_LIST_CHANGED, JsonRpcCodec.nodes().objectNode());
    }
  }

  // ---------------------------------------------------------------- requests

  private enum Kind {
    DISCOVER,
    INITIALIZE,
    CALL
  }

  private PendingCall begin(Kind kind, String method, ObjectNode params, CallOptions options, Duration t) {
    PendingCall call = calls.open(method, params, options, t, this::abandoned);
    if (call.isDone()) {
      return call;
    }
    if (kind == Kind.DISCOVER) {
      Protocol.withStatelessEnvelope(call.wireParams());
    } else if (kind == Kind.CALL && era == Era.STATELESS) {
      // what the agent declared that the gateway passes on through input_required results
      Protocol.withStatelessEnvelope(call.wireParams(), call.relay().statelessCapabilities());
    }
    call.runOnAwait(() -> exchange(kind, call, t));
    return call;
  }

  /**
   * Runs the call's POST on the awaiting thread, bounded by the watchdog; the call is complete
   * afterwards. A platform thread (start-up, tests) hands it to a virtual thread instead and waits:
   * only a virtual thread's blocking socket read ends when the thread is interrupted.
   */
  private void exchange(Kind kind, PendingCall call, Duration t) {
    if (!Thread.currentThread().isVirtual()) {
      try {
        executor.execute(() -> exchange(kind, call, t));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        call.fail(new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is shutting down"));
      }
      return;
    }
    HttpExchange exchange = new HttpExchange(call, Thread.currentThread(), System.nanoTime() + t.toNanos());
    exchanges.put(call.id(), exchange);
    watchdog.watch(exchange);
    try {
      if (closed) {
        call.fail(new UpstreamException(ReasonCode.SHUTTING_DOWN, "upstream " + name + " is shutting down"));
      } else if (!call.isDone()) {
        run(kind, call, exchange, true);
      }
      if (!call.isDone()) {
        call.fail(calls.protocolError(call, "the exchange ended without an answer"));
      }
    } finally {
      watchdog.unwatch(exchange);
      exchanges.remove(call.id(), exchange);
      exchange.finish();
    }
  }

  private void abandoned(PendingCall call, String reason) {
    HttpExchange exchange = exchanges.remove(call.id());
    if (exchange == null) {
      return; // never sent (cancelled before it was awaited): nothing to abort or to tell the server
    }
    exchange.abort();
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

  /** A request to the upstream's URL carrying the configured headers. */
  private Http1ClientRequest base(Method method, Duration readTimeout) {
    Http1ClientRequest b = client.method(method).readTimeout(readTimeout);
    for (Header h : headers) {
      b.header(h);
    }
    return b;
  }

  private Http1ClientRequest post(Kind kind, String method, ObjectNode params, String session) {
    Http1ClientRequest b = base(Method.POST, CALL_READ_TIMEOUT).header(ACCEPT_BOTH_HEADER).header(JSON_HEADER);
    switch (kind) {
      case DISCOVER -> b.header(STATELESS_VERSION_HEADER).header(MCP_METHOD, method);
      case INITIALIZE -> {}
      case CALL -> {
        traceHeaders(b, params);
        if (era == Era.STATELESS) {
          b.header(STATELESS_VERSION_HEADER).header(MCP_METHOD, method);
          String mcpName = WireHeaders.mcpName(method, params);
          if (mcpName != null) {
            b.header(MCP_NAME, WireHeaders.headerValue(mcpName));
          }
        } else {
          b.header(PROTOCOL_VERSION, protocolVersion);
          if (session != null) {
            b.header(SESSION_ID, session);
          }
        }
      }
    }
    return b;
  }

  /** Repeats the trace context of {@code params._meta} as headers (only well-formed values). */
  private static void traceHeaders(Http1ClientRequest b, ObjectNode params) {
    WireHeaders.Trace trace = WireHeaders.traceHeaders(params);
    if (trace.traceparent() != null) {
      b.header(TRACEPARENT_HEADER, trace.traceparent());
      if (trace.tracestate() != null) {
        b.header(TRACESTATE_HEADER, trace.tracestate());
      }
    }
  }

  /** Runs one request on its worker thread and completes the call one way or another. */
  private void run(Kind kind, PendingCall call, HttpExchange exchange, boolean mayRetry) {
    String session = sessionId;
    byte[] body = codec.encode(CallTable.request(call));
    HttpClientResponse response;
    try {
      if (call.isDone()) {
        return;
      }
      response = pool.exchange(() -> post(kind, call.method(), call.wireParams(), session), body, exchange);
    } catch (RuntimeException e) {
      if (call.isDone()) {
        return; // aborted: the call already has its outcome
      }
      if (Thread.currentThread().isInterrupted()) {
        // the awaiting thread itself was interrupted (an abort would have completed the call first)
        call.fail(new UpstreamException(ReasonCode.CANCELLED, "call " + call.method() + " to upstream " + name + " was interrupted"));
        return;
      }
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " at " + url.getHost() + " cannot be reached: " + cause(e), e));
      return;
    }
    // only the response is closed: closing its entity stream would drain it, and a stream left unread
    // closes the connection instead of returning it to the pool
    try (response) {
      exchange.response = response;
      InputStream in = response.inputStream();
      if (call.isDone()) {
        return;
      }
      int status = response.status().code();
      if (kind == Kind.INITIALIZE && status == 200) {
        response.headers().first(SESSION_ID).ifPresent(id -> sessionId = validSessionId(id));
      }
      if (status == 404 && kind == Kind.CALL && era == Era.LEGACY && session != null && mayRetry) {
        response.close();
        exchange.response = null;
        try {
          reinitialize(session);
        } catch (UpstreamException e) {
          call.fail(e);
          return;
        }
        run(kind, call, exchange, false);
        return;
      }
      answers.handle(call, response, in);
    } catch (IOException | UncheckedIOException e) {
      if (!call.isDone()) {
        call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + ": the answer to " + call.method() + " broke off: " + cause(e), e));
      }
    } catch (RuntimeException e) {
      if (call.isDone()) {
        return; // aborted mid-read
      }
      LOG.log(Level.ERROR, "upstream " + name + ": unexpected failure reading an answer", e);
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream " + name + ": unreadable answer to " + call.method() + ": " + e, e));
    }
  }

  private String validSessionId(String id) {
    String valid = WireHeaders.sessionId(id);
    if (valid == null) {
      LOG.log(Level.WARNING, "upstream " + name + " issued a session id that is not visible ASCII of at most 1024 characters; ignored");
    }
    return valid;
  }

  /** Answers a request the server sent, on a virtual thread of its own (the reader goes on reading). */
  private void reply(JsonRpcMessage.Request request, PendingCall call) {
    try {
      executor.execute(() -> postMessage(answers.answer(request, call), "a response to " + request.method()));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down
    }
  }

  // ---------------------------------------------------------------- legacy GET stream

  /** Opens the legacy GET stream for server notifications; a server without one (405) is fine. */
  private void openGetStream() {
    if (closed || era != Era.LEGACY) {
      return;
    }
    getStream.start(sessionId);
  }

  private void stopGetStream() {
    getStream.stop();
  }

  private HttpClientResponse getRequest(String session) {
    return pool.exchange(() -> {
      Http1ClientRequest b = base(Method.GET, GET_STREAM_READ_TIMEOUT).header(ACCEPT_SSE_HEADER).header(PROTOCOL_VERSION, protocolVersion);
      if (session != null) {
        b.header(SESSION_ID, session);
      }
      return b;
    }, null, null);
  }

  private void postNotification(String method, ObjectNode params) throws UpstreamException {
    int status;
    try (HttpClientResponse response = send(new JsonRpcMessage.Notification(method, params), method)) {
      status = response.status().code();
    }
    if (status != 202 && status != 200 && status != 204) {
      throw new UpstreamException(
          status >= 500 ? ReasonCode.UPSTREAM_UNAVAILABLE : ReasonCode.UPSTREAM_PROTOCOL_ERROR,
          "upstream " + name + " refused notification " + method + " with HTTP " + status);
    }
  }

  private void postMessage(JsonRpcMessage message, String what) {
    try (HttpClientResponse response = send(message, null)) {
      LOG.log(Level.TRACE, () -> "upstream " + name + " took " + what + " with HTTP " + response.status().code());
    } catch (UpstreamException e) {
      LOG.log(Level.DEBUG, () -> "upstream " + name + ": could not send " + what + ": " + e.getMessage());
    }
  }

  /** POSTs a notification or a response (nothing awaits it, so the socket read is bounded by the timeout). */
  private HttpClientResponse send(JsonRpcMessage message, String method) throws UpstreamException {
    Era e0 = era;
    String version = protocolVersion;
    String session = sessionId;
    Supplier<Http1ClientRequest> request = () -> {
      Http1ClientRequest b = base(Method.POST, timeout).header(ACCEPT_BOTH_HEADER).header(JSON_HEADER);
      if (e0 == Era.STATELESS) {
        b.header(STATELESS_VERSION_HEADER);
        if (method != null) {
          b.header(MCP_METHOD, method);
        }
      } else {
        if (version != null) {
          b.header(PROTOCOL_VERSION, version);
        }
        if (session != null) {
          b.header(SESSION_ID, session);
        }
      }
      return b;
    };
    try {
      return pool.exchange(request, codec.encode(message), null);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new UpstreamException(ReasonCode.CANCELLED, "sending to upstream " + name + " was interrupted");
      }
      throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " cannot be reached: " + cause(e), e);
    }
  }

  /** The I/O failure behind a transport exception, for messages (Helidon wraps it unchecked). */
  static Throwable cause(Exception e) {
    return e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
  }
}
