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
 * endpoint hands it to the session. Relayed only to an agent that declared the matching capability
 * at initialize: {@code elicitation/create} in form mode ({@code elicitation: {}} or with {@code
 * form}), in URL mode ({@code elicitation.url}; the session then expects the upstream's {@code
 * notifications/elicitation/complete} for its {@code elicitationId}), {@code
 * sampling/createMessage} ({@code sampling}; {@code sampling.tools} when the request carries tools,
 * {@code sampling.context} when it asks to include context).
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
  public String sessionId() {
    return session.id();
  }

  @Override
  public String refusal(String method, ObjectNode params) {
    String missing = missingCapability(session, method, params);
    if (missing != null) {
      return "the agent did not declare the " + missing + " capability";
    }
    return stream.open() ? null : "the agent's call cannot carry a request (its response is not an open event stream)";
  }

  /** The client capability the request needs that the session's agent did not declare, or null. */
  static String missingCapability(Session session, String method, ObjectNode params) {
    return switch (method) {
      case "elicitation/create" -> {
        String mode = params == null ? "form" : params.path("mode").asString("form");
        yield switch (mode) {
          case "form" -> session.acceptsFormElicitation() ? null : "elicitation (form mode)";
          case "url" -> session.acceptsUrlElicitation() ? null : "elicitation.url";
          default -> "elicitation (mode " + mode.replaceAll("[^A-Za-z0-9_-]", "?") + ")";
        };
      }
      case "sampling/createMessage" -> {
        if (!session.acceptsSampling()) {
          yield "sampling";
        }
        if (params != null && (params.has("tools") || params.has("toolChoice")) && !session.acceptsSamplingTools()) {
          yield "sampling.tools";
        }
        String context = params == null ? "none" : params.path("includeContext").asString("none");
        yield context.equals("none") || session.acceptsSamplingContext() ? null : "sampling.context";
      }
      default -> method;
    };
  }

  @Override
  public JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) throws UpstreamException {
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
      if ("elicitation/create".equals(method) && params != null && "url".equals(params.path("mode").asString(""))
          && params.path("elicitationId").isString()) {
        session.expectElicitationComplete(server, params.path("elicitationId").asString());
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
