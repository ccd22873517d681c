package dev.bastion.mcp;

import dev.bastion.jsonrpc.Bodies;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcException;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Target;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent-facing MCP endpoint on Streamable HTTP, speaking both eras on one path. It owns only
 * the transport: host/origin checks, media types, size limits, decoding, telling the eras apart
 * and validating their headers, and turning outcomes into HTTP. Everything about the message
 * itself happens in the pipeline it hands each exchange to.
 *
 * <p>Threading: Helidon runs each HTTP request on its own virtual thread; the pipeline blocks that
 * thread. Progress notifications arrive on upstream reader threads and are written through a
 * synchronized reply that switches the response to SSE on the first one.
 */
public final class McpEndpoint {
  private static final Logger LOG = Logger.getLogger(McpEndpoint.class.getName());
  static final HeaderName SESSION_ID = HeaderNames.create("Mcp-Session-Id");
  static final HeaderName PROTOCOL_VERSION = HeaderNames.create("MCP-Protocol-Version");
  static final HeaderName MCP_METHOD = HeaderNames.create("Mcp-Method");
  static final HeaderName MCP_NAME = HeaderNames.create("Mcp-Name");
  static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
  static final HeaderName TRACESTATE = HeaderNames.create("tracestate");
  private static final long STREAM_KEEPALIVE_MILLIS = 15_000;
  /** Comment interval on a streaming 2026-07-28 reply: bounds how long a hung-up agent's call runs on. */
  private static final long REPLY_KEEPALIVE_MILLIS = 2_000;

  private final Supplier<McpRuntime> runtime;
  private final SessionRegistry sessions;
  private volatile boolean running = true;

  public McpEndpoint(Supplier<McpRuntime> runtime, SessionRegistry sessions) {
    this.runtime = runtime;
    this.sessions = sessions;
  }

  public void register(HttpRules rules) {
    rules.post("/mcp", this::post).get("/mcp", this::get).delete("/mcp", this::delete);
  }

  /** Stops standalone streams so that shutdown does not wait for agents to hang up. */
  public void stop() {
    running = false;
  }

  // ---------------------------------------------------------------- POST: one JSON-RPC message

  private void post(ServerRequest req, ServerResponse res) {
    McpRuntime rt = runtime.get();
    Era headerEra = ProtocolVersions.isStatelessEra(header(req, PROTOCOL_VERSION)) ? Era.STATELESS : Era.LEGACY;
    String refusal = rt.guard().check(header(req, HeaderNames.HOST), header(req, HeaderNames.ORIGIN));
    if (refusal != null) {
      fail(res, rt, null, headerEra, Fault.of(ReasonCode.ORIGIN_FORBIDDEN, refusal));
      return;
    }
    Exchange.Credential credential = credential(req);
    if (!credential.present() && !rt.credentials().authenticate(Exchange.Credential.NONE).identified()) {
      // Refuse anonymous traffic before parsing anything it sent (unless an anonymous agent is configured).
      fail(res, rt, null, headerEra, Fault.of(ReasonCode.UNAUTHENTICATED, "missing credential: send 'Authorization: Bearer <api key or token>'"));
      return;
    }
    String contentType = header(req, HeaderNames.CONTENT_TYPE);
    if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      fail(res, rt, null, headerEra, Fault.of(ReasonCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json"));
      return;
    }
    String accept = header(req, HeaderNames.ACCEPT);
    boolean acceptsSse = accepts(accept, "text/event-stream");
    if (accept != null && !accepts(accept, "application/json") && !acceptsSse) {
      fail(res, rt, null, headerEra, Fault.of(ReasonCode.NOT_ACCEPTABLE, "Accept must list application/json and text/event-stream"));
      return;
    }
    int max = rt.codec().limits().maxBodyBytes();
    long declared = req.headers().contentLength().orElse(-1);
    if (declared > max) {
      fail(res, rt, null, headerEra, Fault.of(ReasonCode.PAYLOAD_TOO_LARGE, "request body exceeds the limit of " + max + " bytes"));
      return;
    }
    byte[] body;
    try (InputStream in = req.content().inputStream()) {
      // a declared length is read into an array of that size (asking for the cap would allocate 16 KB per request)
      body = declared >= 0 ? Bodies.readDeclared(in, (int) declared) : in.readNBytes(max + 1);
      if (body == null) {
        throw new IOException("the body is longer than its Content-Length");
      }
    } catch (IOException | RuntimeException e) {
      fail(res, rt, null, headerEra, Fault.of(ReasonCode.PAYLOAD_TOO_LARGE, "request body could not be read within the limit of " + max + " bytes"));
      return;
    }
    if (body.length > max) {
      fail(res, rt, null, headerEra, Fault.of(ReasonCode.PAYLOAD_TOO_LARGE, "request body exceeds the limit of " + max + " bytes"));
      return;
    }
    JsonRpcMessage message;
    try {
      message = rt.codec().decode(body);
    } catch (JsonRpcException e) {
      ReasonCode code = e.code() == dev.bastion.jsonrpc.JsonRpcCodes.PARSE_ERROR ? ReasonCode.PARSE_ERROR : ReasonCode.INVALID_REQUEST;
      fail(res, rt, e.id(), headerEra, Fault.of(code, e.getMessage()));
      return;
    }
    if (message instanceof JsonRpcMessage.Response r) {
      answer(req, res, rt, r);
      return;
    }
    JsonNode id = message instanceof JsonRpcMessage.Request r ? r.id() : null;
    EraCheck era = EraCheck.classify(req, message);
    if (era.fault() != null) {
      fail(res, rt, id, era.era(), era.fault());
      return;
    }
    Reply reply = new Reply(res, rt.codec(), acceptsSse && id != null, era.era() == Era.STATELESS);
    Exchange exchange =
        new Exchange(
            newExchangeId(),
            Instant.now(),
            era.era(),
            era.version(),
            req.remotePeer().host(),
            credential,
            Principal.UNIDENTIFIED,
            era.era() == Era.LEGACY ? header(req, SESSION_ID) : null,
            message,
            Target.GATEWAY,
            reply,
            new ExchangeLog());
    InboundTrace trace = new InboundTrace(header(req, TRACEPARENT), header(req, TRACESTATE));
    // readers take an unbound trace as NONE, so a request without trace headers skips the binding
    Outcome outcome = trace.equals(InboundTrace.NONE)
        ? rt.pipeline().run(exchange)
        : ScopedValue.where(InboundTrace.CURRENT, trace).call(() -> rt.pipeline().run(exchange));
    if (exchange.log().createdSessionId() != null && outcome instanceof Outcome.Success) {
      res.header(SESSION_ID, exchange.log().createdSessionId());
    }
    if (id == null) {
      switch (outcome) {
        case Outcome.Success s -> reply.finishEmpty(202);
        case Outcome.UpstreamError u -> reply.finishEmpty(202);
        case Outcome.Failure f -> {
          if (f.fault().code() == ReasonCode.UNAUTHENTICATED) {
            challenge(res, rt, credential.present());
          }
          fail(res, rt, null, era.era(), f.fault());
        }
      }
      return;
    }
    if (outcome instanceof Outcome.Failure f && WireErrors.toolExecutionError(f.fault(), exchange.method()) instanceof ObjectNode toolError) {
      outcome = new Outcome.Success(toolError);
    }
    switch (outcome) {
      case Outcome.Success s -> {
        JsonNode result = s.result() == null ? JsonRpcCodec.nodes().objectNode() : s.result();
        if (era.era() == Era.STATELESS && result instanceof ObjectNode o) {
          if (!o.has("resultType")) {
            o.put("resultType", "complete");
          }
          ObjectNode meta = o.has("_meta") && o.get("_meta").isObject() ? (ObjectNode) o.get("_meta") : o.putObject("_meta");
          meta.set(ProtocolVersions.META_SERVER_INFO, rt.identity().serverInfo());
        }
        reply.finish(200, new JsonRpcMessage.Response(id, result, null));
      }
      case Outcome.UpstreamError u ->
          reply.finish(200, JsonRpcCodec.error(id, u.code(), u.message(), u.data()));
      case Outcome.Failure f when f.fault().code() == ReasonCode.CANCELLED ->
          // Cancelled by the agent (notifications/cancelled, or a 2026-07-28 agent closing its
          // stream): the receiver of a cancellation does not respond to the cancelled request.
          reply.abandon();
      case Outcome.Failure f -> {
        WireErrors.Mapping m = WireErrors.map(f.fault().code(), era.era());
        if (m.httpStatus() == 401) {
          challenge(res, rt, credential.present());
        }
        if (f.fault().data() != null && f.fault().data().has("retryAfterMs")) {
          res.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, (f.fault().data().get("retryAfterMs").asLong() + 999) / 1000)));
        }
        reply.finish(m.httpStatus(), errorResponse(id, f.fault(), era.era()));
      }
    }
  }

  /**
   * An agent's answer to a request the gateway relayed to it (an elicitation): accepted (202) only
   * with a valid credential and the session the request went to (an answer without a session
   * header answers nothing and is dropped with 202, as before relaying existed); an answer that matches nothing
   * pending in that session (unknown, duplicate, late, another session's id) is dropped, recorded
   * and still acknowledged with 202.
   */
  private void answer(ServerRequest req, ServerResponse res, McpRuntime rt, JsonRpcMessage.Response r) {
    if (header(req, SESSION_ID) == null) {
      // no session, so nothing was relayed to this agent (2026-07-28 has no server requests): a stray answer
      LOG.fine(() -> "dropped a response from an agent without a session, id " + r.id());
      res.status(202).send();
      return;
    }
    Optional<Session> session = authenticatedSession(req, res, rt);
    if (session.isEmpty()) {
      return;
    }
    if (!session.get().answer(r)) {
      String what = "agent " + session.get().agentId() + " answered id " + printable(String.valueOf(r.id()))
          + ", which matches no request pending in its session (unknown, duplicate or late); dropped";
      LOG.fine(what);
      sessions.strayAnswer(session.get().agentId(), what);
    }
    res.status(202).send();
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
  }

  // ---------------------------------------------------------------- GET: legacy standalone stream

  private void get(ServerRequest req, ServerResponse res) {
    McpRuntime rt = runtime.get();
    String refusal = rt.guard().check(header(req, HeaderNames.HOST), header(req, HeaderNames.ORIGIN));
    if (refusal != null) {
      fail(res, rt, null, Era.LEGACY, Fault.of(ReasonCode.ORIGIN_FORBIDDEN, refusal));
      return;
    }
    if (ProtocolVersions.isStatelessEra(header(req, PROTOCOL_VERSION))) {
      res.header(HeaderNames.ALLOW, "POST");
      fail(res, rt, null, Era.STATELESS, Fault.of(ReasonCode.METHOD_NOT_ALLOWED, "protocol 2026-07-28 has no GET stream; use subscriptions/listen"));
      return;
    }
    Optional<Session> session = authenticatedSession(req, res, rt);
    if (session.isEmpty()) {
      return;
    }
    if (!accepts(header(req, HeaderNames.ACCEPT), "text/event-stream")) {
      fail(res, rt, null, Era.LEGACY, Fault.of(ReasonCode.NOT_ACCEPTABLE, "a GET stream needs Accept: text/event-stream"));
      return;
    }
    Optional<BlockingQueue<JsonRpcMessage.Notification>> stream = session.get().openStream();
    if (stream.isEmpty()) {
      res.status(409);
      res.header(HeaderNames.CONTENT_TYPE, "application/json");
      res.send(rt.codec().encode(errorResponse(null, Fault.of(ReasonCode.INVALID_REQUEST, "this session already has an open GET stream"), Era.LEGACY)));
      return;
    }
    BlockingQueue<JsonRpcMessage.Notification> queue = stream.get();
    res.status(200);
    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    res.header(HeaderNames.create("X-Accel-Buffering"), "no");
    try (OutputStream out = res.outputStream()) {
      out.write(": stream open\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (running && !session.get().closed()) {
        JsonRpcMessage.Notification n = Session.poll(queue, STREAM_KEEPALIVE_MILLIS);
        if (n == null) {
          out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
        } else {
          writeEvent(out, rt.codec().encode(n));
        }
        out.flush();
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.fine("GET stream of a session ended: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      session.get().closeStream(queue);
    }
  }

  // ---------------------------------------------------------------- DELETE: end a legacy session

  private void delete(ServerRequest req, ServerResponse res) {
    McpRuntime rt = runtime.get();
    String refusal = rt.guard().check(header(req, HeaderNames.HOST), header(req, HeaderNames.ORIGIN));
    if (refusal != null) {
      fail(res, rt, null, Era.LEGACY, Fault.of(ReasonCode.ORIGIN_FORBIDDEN, refusal));
      return;
    }
    if (ProtocolVersions.isStatelessEra(header(req, PROTOCOL_VERSION))) {
      res.header(HeaderNames.ALLOW, "POST");
      fail(res, rt, null, Era.STATELESS, Fault.of(ReasonCode.METHOD_NOT_ALLOWED, "protocol 2026-07-28 has no sessions to delete"));
      return;
    }
    Optional<Session> session = authenticatedSession(req, res, rt);
    if (session.isEmpty()) {
      return;
    }
    sessions.remove(session.get());
    res.status(200).send();
  }

  private Optional<Session> authenticatedSession(ServerRequest req, ServerResponse res, McpRuntime rt) {
    Principal principal = rt.credentials().authenticate(credential(req));
    if (!principal.identified()) {
      challenge(res, rt, credential(req).present());
      fail(res, rt, null, Era.LEGACY, Fault.of(ReasonCode.UNAUTHENTICATED, "a valid bearer credential is required"));
      return Optional.empty();
    }
    String id = header(req, SESSION_ID);
    if (id == null) {
      fail(res, rt, null, Era.LEGACY, Fault.of(ReasonCode.SESSION_REQUIRED, "Mcp-Session-Id header is required"));
      return Optional.empty();
    }
    Optional<Session> session = sessions.find(id, principal.agentId());
    if (session.isEmpty()) {
      fail(res, rt, null, Era.LEGACY, Fault.of(ReasonCode.SESSION_NOT_FOUND, "session not found"));
    }
    return session;
  }

  // ---------------------------------------------------------------- helpers

  /** RFC 6750 / RFC 9728 challenge; {@code error="invalid_token"} when a credential was presented and refused. */
  private static void challenge(ServerResponse res, McpRuntime rt, boolean presented) {
    String error = presented ? " error=\"invalid_token\"" : "";
    String metadata = rt.resourceMetadataUrl() == null ? "" : " resource_metadata=\"" + rt.resourceMetadataUrl() + "\"";
    res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer" + (error.isEmpty() || metadata.isEmpty() ? error + metadata : error + "," + metadata));
  }

  private static void fail(ServerResponse res, McpRuntime rt, JsonNode id, Era era, Fault fault) {
    WireErrors.Mapping m = WireErrors.map(fault.code(), era);
    int status = m.httpStatus() == 200 ? 400 : m.httpStatus();
    if (fault.code() == ReasonCode.UNAUTHENTICATED && !res.headers().contains(HeaderNames.WWW_AUTHENTICATE)) {
      challenge(res, rt, false);
    }
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.send(rt.codec().encode(errorResponse(id, fault, era)));
  }

  static JsonRpcMessage.Response errorResponse(JsonNode id, Fault fault, Era era) {
    ObjectNode err = WireErrors.errorObject(fault, era);
    return JsonRpcCodec.error(id, err.get("code").asInt(), err.get("message").asString(), err.get("data"));
  }

  static Exchange.Credential credential(ServerRequest req) {
    String auth = header(req, HeaderNames.AUTHORIZATION);
    if (auth == null) {
      return Exchange.Credential.NONE;
    }
    int space = auth.indexOf(' ');
    if (space <= 0) {
      return new Exchange.Credential("", auth.trim());
    }
    return new Exchange.Credential(auth.substring(0, space), auth.substring(space + 1).trim());
  }

  static String header(ServerRequest req, HeaderName name) {
    return req.headers().first(name).orElse(null);
  }

  private static boolean accepts(String accept, String type) {
    if (accept == null) {
      return false;
    }
    String a = accept.toLowerCase(java.util.Locale.ROOT);
    return a.contains(type) || a.contains("*/*");
  }

  private static String newExchangeId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
  }

  static void writeEvent(OutputStream out, byte[] json) throws IOException {
    out.write("event: message\ndata: ".getBytes(StandardCharsets.US_ASCII));
    out.write(json);
    out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The answer to one POST. Starts as a plain JSON reply; the first notification (progress) turns
   * it into an SSE stream that then carries the final response too. In the 2026-07-28 era closing
   * that stream is how an agent cancels, so a streaming stateless reply is kept alive with comments
   * (which find out that the agent has gone) and runs its hang-up actions when a write fails.
   * Helidon reports a lost connection as an unchecked ServerConnectionException, hence the broad
   * catches around writes.
   */
  private static final class Reply implements Exchange.NotificationSink {
    private final ServerResponse res;
    private final JsonRpcCodec codec;
    private final boolean mayStream;
    private final boolean cancelOnHangUp;
    private final List<Runnable> hangUpActions = new ArrayList<>();
    private OutputStream stream;
    private boolean done;
    private boolean broken;

    Reply(ServerResponse res, JsonRpcCodec codec, boolean mayStream, boolean cancelOnHangUp) {
      this.res = res;
      this.codec = codec;
      this.mayStream = mayStream;
      this.cancelOnHangUp = cancelOnHangUp;
    }

    @Override
    public void send(JsonRpcMessage.Notification notification) {
      runAll(sendLocked(notification, new boolean[1]));
    }

    @Override
    public boolean sendRequest(JsonRpcMessage.Request request) {
      boolean[] sent = new boolean[1];
      runAll(sendLocked(request, sent));
      return sent[0];
    }

    private synchronized List<Runnable> sendLocked(JsonRpcMessage notification, boolean[] sent) {
      if (!mayStream || done || broken) {
        return List.of();
      }
      try {
        if (stream == null) {
          res.status(200);
          res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
          res.header(HeaderNames.CACHE_CONTROL, "no-cache");
          res.header(HeaderNames.create("X-Accel-Buffering"), "no");
          stream = res.outputStream();
          if (cancelOnHangUp) {
            Thread.ofVirtual().name("mcp-reply-keepalive").start(this::keepAliveLoop);
          }
        }
        writeEvent(stream, codec.encode(notification));
        stream.flush();
        sent[0] = true;
        return List.of();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.FINE, "agent stream closed while sending a notification", e);
        return markBroken();
      }
    }

    @Override
    public synchronized boolean open() {
      return mayStream && !done && !broken;
    }

    @Override
    public void keepAlive() {
      runAll(keepAliveLocked());
    }

    private synchronized List<Runnable> keepAliveLocked() {
      if (stream == null || done || broken) {
        return List.of();
      }
      try {
        stream.write(": keepalive\n\n".getBytes(StandardCharsets.US_ASCII));
        stream.flush();
        return List.of();
      } catch (IOException | RuntimeException e) {
        return markBroken();
      }
    }

    @Override
    public void onHangUp(Runnable action) {
      boolean runNow;
      synchronized (this) {
        if (!cancelOnHangUp || done) {
          return;
        }
        runNow = broken;
        if (!runNow) {
          hangUpActions.add(action);
        }
      }
      if (runNow) {
        action.run();
      }
    }

    /** Marks the stream broken and hands back the hang-up actions, to run outside the lock. */
    private List<Runnable> markBroken() {
      broken = true;
      List<Runnable> actions = List.copyOf(hangUpActions);
      hangUpActions.clear();
      return actions;
    }

    private static void runAll(List<Runnable> actions) {
      for (Runnable a : actions) {
        try {
          a.run();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "a hang-up action failed", e);
        }
      }
    }

    /** Writes a comment every {@link #REPLY_KEEPALIVE_MILLIS} until the reply is done or the agent is gone. */
    private void keepAliveLoop() {
      try {
        while (true) {
          synchronized (this) {
            if (done || broken) {
              return;
            }
            wait(REPLY_KEEPALIVE_MILLIS); // woken early by finish/abandon
            if (done || broken) {
              return;
            }
          }
          keepAlive();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    synchronized void finish(int status, JsonRpcMessage.Response response) {
      done = true;
      hangUpActions.clear();
      notifyAll();
      byte[] bytes = codec.encode(response);
      if (stream != null) {
        try {
          writeEvent(stream, bytes);
          stream.close();
        } catch (IOException | RuntimeException e) {
          LOG.log(Level.FINE, "agent stream closed before the response", e);
        }
        return;
      }
      res.status(status);
      res.header(HeaderNames.CONTENT_TYPE, "application/json");
      res.send(bytes);
    }

    synchronized void finishEmpty(int status) {
      done = true;
      hangUpActions.clear();
      notifyAll();
      if (stream == null) {
        res.status(status).send();
      }
    }

    /**
     * Ends the reply without a JSON-RPC response: an open stream is closed, otherwise an empty
     * event stream (or, for an agent that does not accept one, an empty 202) is sent.
     */
    synchronized void abandon() {
      done = true;
      hangUpActions.clear();
      notifyAll();
      if (stream != null) {
        try {
          stream.close();
        } catch (IOException | RuntimeException e) {
          LOG.log(Level.FINE, "agent stream already closed", e);
        }
        return;
      }
      if (mayStream) {
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send();
      } else {
        res.status(202).send();
      }
    }
  }
}
