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
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP requests to one Streamable HTTP upstream, built and sent: the upstream's URL, the configured
 * headers (the gateway's credentials for the upstream; checked when the upstream is built, never
 * anything from the agent) and the MCP headers of the session's era — {@code Accept}, {@code Content-Type},
 * {@code MCP-Protocol-Version}, {@code Mcp-Session-Id} (legacy), {@code Mcp-Method} and {@code Mcp-Name}
 * (2026-07-28) and the call's trace context. Owns the upstream's Helidon client and {@link ConnectionPool};
 * the session's state (era, protocol version, session id) is {@link HttpUpstream}'s and comes with each
 * request.
 */
final class HttpRequests implements AutoCloseable {
  static final HeaderName SESSION_ID = HeaderNames.create("Mcp-Session-Id");
  private static final HeaderName PROTOCOL_VERSION = HeaderNames.create("MCP-Protocol-Version");
  private static final HeaderName MCP_METHOD = HeaderNames.create("Mcp-Method");
  private static final HeaderName MCP_NAME = HeaderNames.create("Mcp-Name");
  private static final HeaderName TRACEPARENT_HEADER = HeaderNames.create("traceparent");
  private static final HeaderName TRACESTATE_HEADER = HeaderNames.create("tracestate");
  // the fixed headers are built once, with their HTTP/1.1 bytes cached
  private static final Header ACCEPT_BOTH_HEADER = HeaderValues.createCached(HeaderNames.ACCEPT, "application/json, text/event-stream");
  private static final Header ACCEPT_SSE_HEADER = HeaderValues.createCached(HeaderNames.ACCEPT, "text/event-stream");
  private static final Header JSON_HEADER = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/json");
  private static final Header STATELESS_VERSION_HEADER = HeaderValues.createCached(PROTOCOL_VERSION, Protocol.STATELESS_VERSION);
  /**
   * The socket read timeout of a call's POST: none. Every exchange is watched by the {@link
   * CallWatchdog}, which aborts it (closing its connection) once the call's deadline passes, so the
   * reads need no timed park of their own.
   */
  private static final Duration CALL_READ_TIMEOUT = Duration.ZERO;
  /** Bounds a silent GET stream before it is reopened. */
  private static final Duration GET_STREAM_READ_TIMEOUT = Duration.ofMinutes(60);

  /** What a call's POST carries besides the configured headers. */
  enum Kind {
    /** {@code server/discover}: the 2026-07-28 version and method headers, whatever the era. */
    DISCOVER,
    /** The legacy {@code initialize}: no protocol headers yet. */
    INITIALIZE,
    /** Any other call: trace context and the headers of the session's era. */
    CALL
  }

  private final String name;
  private final List<Header> headers;
  private final Duration timeout;
  private final JsonRpcCodec codec;
  private final Http1Client client;
  private final ConnectionPool pool;

  /**
   * @param timeout bounds the connect (at most 10 s) and the socket reads of requests nothing awaits
   * @throws IllegalArgumentException when the URL is not http(s) or a configured header is one the
   *     gateway manages or cannot be sent
   */
  HttpRequests(UpstreamConfig.Http config, Duration timeout, JsonRpcCodec codec) {
    this.name = config.name();
    URI url = config.url();
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
    this.timeout = timeout;
    this.codec = codec;
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

  /** The upstream's keep-alive connections. */
  ConnectionPool pool() {
    return pool;
  }

  /**
   * Sends a call's POST ({@code body}: the encoded request) in the session's {@code era}, on a pooled
   * connection that {@code exchange} learns; the answer's head comes back. Transport failures are thrown
   * unchecked, as Helidon throws them.
   */
  HttpClientResponse call(Kind kind, String method, ObjectNode params, byte[] body, Era era, String version, String session, HttpExchange exchange) {
    return pool.exchange(() -> post(kind, method, params, era, version, session), body, exchange);
  }

  /**
   * POSTs a notification ({@code method} its name) or a response ({@code method} null); nothing awaits
   * it, so the socket read is bounded by the timeout.
   */
  HttpClientResponse message(JsonRpcMessage message, String method, Era era, String version, String session) throws UpstreamException {
    Supplier<Http1ClientRequest> request = () -> {
      Http1ClientRequest b = base(Method.POST, timeout).header(ACCEPT_BOTH_HEADER).header(JSON_HEADER);
      if (era == Era.STATELESS) {
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

  /** Opens the legacy GET stream of {@code session}. */
  HttpClientResponse getStream(String version, String session) {
    return pool.exchange(() -> {
      Http1ClientRequest b = base(Method.GET, GET_STREAM_READ_TIMEOUT).header(ACCEPT_SSE_HEADER).header(PROTOCOL_VERSION, version);
      if (session != null) {
        b.header(SESSION_ID, session);
      }
      return b;
    }, null, null);
  }

  /** Ends a legacy session (DELETE); the answer's head comes back. */
  HttpClientResponse deleteSession(String version, String session) {
    return pool.exchange(() -> base(Method.DELETE, Duration.ofSeconds(2)).header(SESSION_ID, session).header(PROTOCOL_VERSION, version), null, null);
  }

  /** Closes the pooled connections and the client. */
  @Override
  public void close() {
    pool.close();
    client.closeResource();
  }

  /** A request to the upstream's URL carrying the configured headers. */
  private Http1ClientRequest base(Method method, Duration readTimeout) {
    Http1ClientRequest b = client.method(method).readTimeout(readTimeout);
    for (Header h : headers) {
      b.header(h);
    }
    return b;
  }

  private Http1ClientRequest post(Kind kind, String method, ObjectNode params, Era era, String version, String session) {
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
          b.header(PROTOCOL_VERSION, version);
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

  /** The I/O failure behind a transport exception, for messages (Helidon wraps it unchecked). */
  static Throwable cause(Exception e) {
    return e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
  }
}
