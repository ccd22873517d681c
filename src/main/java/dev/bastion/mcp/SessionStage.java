package dev.bastion.mcp;

import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;

/**
 * Binds legacy-era exchanges to their session: every message after initialize must carry the
 * {@code Mcp-Session-Id} of a live session created by the same agent. A missing id is a 400; an
 * unknown, expired or foreign one is a 404 (the agent cannot tell "someone else's" from "gone").
 * Stateless-era exchanges carry no session and pass through.
 */
public final class SessionStage implements Stage {
  private final SessionRegistry sessions;

  public SessionStage(SessionRegistry sessions) {
    this.sessions = sessions;
  }

  @Override
  public String name() {
    return "session";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    if (exchange.era() == Era.STATELESS || exchange.method().equals("initialize")) {
      return chain.proceed(exchange);
    }
    if (exchange.sessionId() == null) {
      return new Outcome.Failure(
          Fault.of(ReasonCode.SESSION_REQUIRED, "Mcp-Session-Id header is required: send initialize first, then the session id it returned"));
    }
    if (sessions.find(exchange.sessionId(), exchange.principal().agentId()).isEmpty()) {
      return new Outcome.Failure(Fault.of(ReasonCode.SESSION_NOT_FOUND, "session not found: it expired, was deleted, or belongs to another agent; initialize again"));
    }
    return chain.proceed(exchange);
  }
}
