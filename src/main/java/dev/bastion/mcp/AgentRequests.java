package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * The requests the gateway sent one session's agent (relayed elicitations) and is waiting on,
 * under gateway-minted ids {@code bastion-<n>} that are unique within the session and never an
 * upstream's. Bounded: at most {@value #MAX_PENDING} at a time. An answer completes its request
 * once; an answer for an id that is not pending (unknown, duplicate, late, or another session's) is
 * refused.
 */
final class AgentRequests {
  static final int MAX_PENDING = 8;

  private final AtomicLong ids = new AtomicLong();
  private final Map<String, CompletableFuture<JsonRpcMessage.Response>> pending = new ConcurrentHashMap<>();

  /** One request waiting for the agent's answer. */
  record Pending(JsonNode id, CompletableFuture<JsonRpcMessage.Response> answer) {}

  /** Registers a new request; empty when {@value #MAX_PENDING} are already waiting. */
  synchronized Optional<Pending> open() {
    if (pending.size() >= MAX_PENDING) {
      return Optional.empty();
    }
    String id = "bastion-" + ids.incrementAndGet();
    CompletableFuture<JsonRpcMessage.Response> answer = new CompletableFuture<>();
    pending.put(id, answer);
    return Optional.of(new Pending(JsonRpcCodec.nodes().stringNode(id), answer));
  }

  /** Forgets a request (answered, timed out or abandoned). */
  void forget(Pending p) {
    pending.remove(p.id().asString(), p.answer());
  }

  /** Completes the request the answer is for; false when no request of this session has its id. */
  boolean complete(JsonRpcMessage.Response response) {
    JsonNode id = response.id();
    CompletableFuture<JsonRpcMessage.Response> f = id != null && id.isString() ? pending.remove(id.asString()) : null;
    return f != null && f.complete(response);
  }

  /** Fails every waiting request (the session ended). */
  void closeAll() {
    pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the session ended")));
    pending.clear();
  }
}
