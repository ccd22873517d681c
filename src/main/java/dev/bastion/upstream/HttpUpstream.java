package dev.bastion.upstream;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.upstream.HttpRequests.Kind;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
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
 * <p>This class runs the upstream: its lifecycle, the handshakes of both eras and the session they
 * set up, and each call's exchange. What goes on the wire is built by {@link HttpRequests} (URL,
 * configured and MCP headers, from the session's state), what comes back is read by {@link HttpAnswers}.
 *
 * <p>Transport: one Helidon HTTP/1.1 {@link Http1Client} per upstream writes the requests and parses
 * the answers, blocking, on the awaiting thread (no selector thread, no per-request filter chain), over
 * connections of the upstream's own {@link ConnectionPool}: an idle connection is checked without
 * blocking before it is reused, and no thread watches it meanwhile. A request goes out again (on a new
 * connection, once) only when a reused connection refused its write before any byte left.
 */
public final class HttpUpstream implements Upstream {
  private static final System.Logger LOG = System.getLogger(HttpUpstream.class.getName());
  private static final System.Logger ANSWERS_LOG = System.getLogger(HttpAnswers.class.getName());

  private final String name;
  private final URI url;
  private final Duration timeout;
  private final JsonRpcCodec codec;
  private final ServerMessages serverMessages;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpRequests requests;
  private final AtomicLong ids = new AtomicLong();
  private final CallTable calls;
  private final Map<Long, HttpExchange> exchanges = new ConcurrentHashMap<>();
  private final CallWatchdog watchdog;
  private final ServerInitiated serverInitiated;
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
    this.timeout = config.timeout() != null ? config.timeout() : context.defaultTimeout();
    this.codec = context.responseCodec();
    this.requests = new HttpRequests(config, timeout, codec);
    this.serverMessages = context.serverMessages();
    this.calls = new CallTable(name, ids, context.serverMessages());
    this.watchdog = new CallWatchdog(name);
    this.serverInitiated = new ServerInitiated(name, context.listener(), serverMessages, ANSWERS_LOG);
    this.answers = new HttpAnswers(name, codec, context.maxResponseBytes(), calls, serverInitiated, this::reply);
    this.getStream = new GetStream(name, answers, session -> requests.getStream(protocolVersion, session), () -> closed, () -> sessionId);
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
      try (HttpClientResponse ignored = requests.deleteSession(protocolVersion, session)) {
        // the status does not matter: the session is gone either way
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, () -> "upstream " + name + ": DELETE of the session failed: " + e);
      }
    }
    requests.close();
    executor.shutdownNow();
  }

  /** The upstream's keep-alive connections (tests). */
  ConnectionPool connections() {
    return requests.pool();
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
      serverInitiated.notifyListener(Protocol.TOOLS_LIST_CHANGED, JsonRpcCodec.nodes().objectNode());
    }
  }

  // ---------------------------------------------------------------- requests

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

  /** Runs one request on its worker thread and completes the call one way or another. */
  private void run(Kind kind, PendingCall call, HttpExchange exchange, boolean mayRetry) {
    String session = sessionId;
    byte[] body = codec.encode(CallTable.request(call));
    HttpClientResponse response;
    try {
      if (call.isDone()) {
        return;
      }
      response = requests.call(kind, call.method(), call.wireParams(), body, era, protocolVersion, session, exchange);
    } catch (RuntimeException e) {
      if (call.isDone()) {
        return; // aborted: the call already has its outcome
      }
      if (Thread.currentThread().isInterrupted()) {
        // the awaiting thread itself was interrupted (an abort would have completed the call first)
        call.fail(new UpstreamException(ReasonCode.CANCELLED, "call " + call.method() + " to upstream " + name + " was interrupted"));
        return;
      }
      call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + " at " + url.getHost() + " cannot be reached: " + HttpRequests.cause(e), e));
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
        response.headers().first(HttpRequests.SESSION_ID).ifPresent(id -> sessionId = validSessionId(id));
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
        call.fail(new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "upstream " + name + ": the answer to " + call.method() + " broke off: " + HttpRequests.cause(e), e));
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
      executor.execute(() -> postMessage(serverInitiated.answer(request, call), "a response to " + request.method()));
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

  /** POSTs a notification or a response in the session's era. */
  private HttpClientResponse send(JsonRpcMessage message, String method) throws UpstreamException {
    return requests.message(message, method, era, protocolVersion, sessionId);
  }
}
