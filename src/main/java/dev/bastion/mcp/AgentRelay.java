package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.upstream.ClientRelay;
import dev.bastion.upstream.UpstreamException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.node.ObjectNode;

/**
 * Relays a request an upstream sent during a legacy-era call to the agent that made the call: the
 * request goes on that call's SSE response stream under an id minted by the session ({@link
 * AgentRequests}); the agent POSTs its answer to {@code /mcp} with the session header, and the
 * endpoint hands it to the session. Only form-mode {@code elicitation/create} is relayed, and only
 * to an agent that declared {@code capabilities.elicitation} (with form mode, or no modes) at
 * initialize.
 */
public final class AgentRelay implements ClientRelay {
  private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final Session session;
  private final Exchange.NotificationSink stream;

  /**
   * @param session the agent's session
   * @param stream the call's response (the request is written on it as an SSE event)
   */
  public AgentRelay(Session session, Exchange.NotificationSink stream) {
    this.session = session;
    this.stream = stream;
  }

  @Override
  public boolean accepts(String method, ObjectNode params) {
    return "elicitation/create".equals(method)
        && "form".equals(params == null ? "form" : params.path("mode").asString("form"))
        && session.acceptsFormElicitation()
        && stream.open();
  }

  @Override
  public JsonRpcMessage.Response relay(String method, ObjectNode params, Duration timeout) throws UpstreamException {
    Optional<AgentRequests.Pending> opened = session.requests().open();
    if (opened.isEmpty()) {
      throw new UpstreamException(ReasonCode.RATE_LIMITED,
          "the agent already has " + AgentRequests.MAX_PENDING + " requests waiting for an answer");
    }
    AgentRequests.Pending pending = opened.get();
    try {
      if (!stream.sendRequest(new JsonRpcMessage.Request(pending.id(), method, params))) {
        throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "the agent's response stream is closed");
      }
      // wait in slices so that a call that ends first (answered, cancelled, the agent hung up) frees the slot
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new UpstreamException(ReasonCode.UPSTREAM_TIMEOUT, "the agent did not answer within " + timeout.toMillis() + " ms");
        }
        try {
          return pending.answer().get(Math.min(left, CHECK_NANOS), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          if (!stream.open()) {
            throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "the call ended before the agent answered");
          }
        }
      }
    } catch (ExecutionException e) {
      throw new UpstreamException(ReasonCode.UPSTREAM_UNAVAILABLE, "the agent's session ended");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(ReasonCode.CANCELLED, "interrupted while waiting for the agent");
    } finally {
      session.requests().forget(pending);
    }
  }
}
