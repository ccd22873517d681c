package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.ReasonCode;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway's side of JSON-RPC correlation for one upstream connection: mints ids and progress
 * tokens, routes responses and progress to their call, and drops (and logs) everything that
 * matches no call in flight (JR-02: unknown ids, duplicates, late answers).
 */
final class CallTable {
  private static final System.Logger LOG = System.getLogger(CallTable.class.getName());

  private final String server;
  private final AtomicLong ids;
  private final Map<Long, PendingCall> byId = new ConcurrentHashMap<>();
  private final Map<String, PendingCall> byToken = new ConcurrentHashMap<>();
  private volatile UpstreamException closedWith;
  private final DropLog drops;

  /** @param ids the upstream's id counter (shared across reconnects so ids never repeat) */
  CallTable(String server, AtomicLong ids) {
    this(server, ids, ServerMessages.REFUSE);
  }

  /** @param sink where dropped messages are reported */
  CallTable(String server, AtomicLong ids, ServerMessages sink) {
    this.server = server;
    this.ids = ids;
    this.drops = new DropLog(server, sink);
  }

  /** Where dropped input of this connection is logged (rate-limited). */
  DropLog drops() {
    return drops;
  }

  /**
   * Registers a call. The params are copied (the caller's node is untouched); an agent progress token
   * in {@code _meta.progressToken} is replaced by a gateway token. Fails the call at once if the
   * table is already closed.
   */
  PendingCall open(String method, ObjectNode params, Upstream.CallOptions options, Duration timeout, PendingCall.Abandon abandon) {
    long id = ids.incrementAndGet();
    ObjectNode wire = shallowCopy(params == null ? JsonRpcCodec.nodes().objectNode() : params);
    JsonNode agentToken = null;
    String gatewayToken = null;
    if (wire.get("_meta") instanceof ObjectNode meta) {
      ObjectNode metaCopy = shallowCopy(meta);
      wire.set("_meta", metaCopy);
      // the agent's own 2026-07-28 envelope never goes upstream: the gateway is the client here
      metaCopy.remove(List.of(Protocol.META_PROTOCOL_VERSION, Protocol.META_CLIENT_CAPABILITIES, Protocol.META_CLIENT_INFO, Protocol.META_LOG_LEVEL));
      JsonNode token = metaCopy.get("progressToken");
      if (token != null && !token.isNull()) {
        agentToken = token;
        gatewayToken = "bastion-progress-" + id;
        metaCopy.put("progressToken", gatewayToken);
      }
    }
    PendingCall call =
        new PendingCall(server, id, method, wire, timeout, options.onProgress() == null ? p -> {} : options.onProgress(), agentToken, gatewayToken, abandon, options.relay());
    byId.put(id, call);
    if (gatewayToken != null) {
      byToken.put(gatewayToken, call);
    }
    call.onDone(() -> forget(call));
    UpstreamException closed = closedWith;
    if (closed != null) {
      call.fail(closed);
    }
    return call;
  }

  /** Wire form of the request for {@code call}. */
  static JsonRpcMessage.Request request(PendingCall call) {
    return new JsonRpcMessage.Request(JsonRpcCodec.nodes().numberNode(call.id()), call.method(), call.wireParams());
  }

  PendingCall find(JsonNode id) {
    if (id == null || !id.isIntegralNumber() || !id.canConvertToLong()) {
      return null;
    }
    return byId.get(id.asLong());
  }

  /** Completes the call a response belongs to, or drops the response if it matches no call in flight. */
  void complete(JsonRpcMessage.Response response) {
    PendingCall call = find(response.id());
    if (call == null) {
      drops.dropped("unknown_id", () -> "upstream " + server + " sent a response for id " + Protocol.printable(String.valueOf(response.id()), 64)
          + " that matches no call in flight (unknown, duplicate or late); dropped");
      return;
    }
    if (response.error() != null) {
      JsonRpcMessage.ErrorObject err = response.error();
      call.fail(new UpstreamException.Remote(err.code(), err.message(), err.data()));
    } else if (response.result() instanceof ObjectNode result) {
      call.succeed(result);
    } else {
      call.fail(protocolError(call, "\"result\" must be an object, got " + (response.result() == null ? "nothing" : response.result().getNodeType())));
    }
  }

  /** Fails the call with id {@code id} (if any) because its answer could not be used. */
  boolean failById(JsonNode id, UpstreamException error) {
    PendingCall call = find(id);
    if (call == null) {
      return false;
    }
    return call.fail(error);
  }

  /**
   * Routes a {@code notifications/progress} to its call with the agent's original token restored.
   * Returns false if the token matches no call (the notification is then dropped).
   */
  boolean progress(ObjectNode params) {
    JsonNode token = params.get("progressToken");
    PendingCall call = token != null && token.isString() ? byToken.get(token.asString()) : null;
    if (call == null) {
      LOG.log(Level.DEBUG, () -> "upstream " + server + " sent progress for an unknown token; dropped");
      return false;
    }
    ObjectNode restored = shallowCopy(params);
    restored.set("progressToken", call.agentProgressToken());
    call.progress(restored);
    return true;
  }

  /** Fails every call in flight and every call opened later with {@code error}. */
  void closeAll(UpstreamException error) {
    closedWith = error;
    List<PendingCall> all = new ArrayList<>(byId.values());
    for (PendingCall call : all) {
      call.fail(error);
    }
  }

  /**
   * The call a request the server sent on the shared stdio pipe belongs to: the call whose gateway
   * progress token the request names in {@code params._meta.progressToken}, else the only call in
   * flight; null when that is ambiguous (several calls, no token) or nothing is in flight.
   */
  PendingCall relatedCall(ObjectNode params) {
    JsonNode token = params == null ? null : params.path("_meta").get("progressToken");
    if (token != null && token.isString()) {
      return byToken.get(token.asString());
    }
    List<PendingCall> all = new ArrayList<>(byId.values());
    return all.size() == 1 ? all.get(0) : null;
  }

  int inFlight() {
    return byId.size();
  }

  UpstreamException protocolError(PendingCall call, String what) {
    return new UpstreamException(
        ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream " + server + " answered " + call.method() + " with an invalid response: " + what);
  }

  private void forget(PendingCall call) {
    byId.remove(call.id(), call);
    if (call.gatewayProgressToken() != null) {
      byToken.remove(call.gatewayProgressToken(), call);
    }
  }

  static ObjectNode shallowCopy(ObjectNode node) {
    ObjectNode copy = JsonRpcCodec.nodes().objectNode();
    copy.setAll(node);
    return copy;
  }
}
