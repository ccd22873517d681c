package dev.bastion.identity;

import dev.bastion.pipeline.Principal;
import java.util.Objects;

/** What one {@link Authenticator} concluded about a presented credential. */
public sealed interface AuthResult {

  /** The credential is valid and identifies this principal. */
  record Authenticated(Principal principal) implements AuthResult {
    public Authenticated {
      Objects.requireNonNull(principal, "principal");
      if (!principal.identified()) {
        throw new IllegalArgumentException("an authenticated principal needs an agent id");
      }
    }
  }

  /**
   * The credential is of this authenticator's kind and is not acceptable.
   *
   * @param logDetail why, for the operator's log and audit record only; never sent to the agent
   */
  record Rejected(Rejection reason, String logDetail) implements AuthResult {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(logDetail, "logDetail");
    }
  }

  /** The credential is not of this authenticator's kind (e.g. not a JWT); the next one decides. */
  record Abstained() implements AuthResult {}

  AuthResult ABSTAINED = new Abstained();

  /** Why a credential was refused, as the agent is told: only "missing" or "invalid", nothing finer. */
  enum Rejection {
    MISSING_CREDENTIAL("missing credential: send 'Authorization: Bearer <api key or token>'"),
    INVALID_CREDENTIAL("invalid credential");

    private final String agentMessage;

    Rejection(String agentMessage) {
      this.agentMessage = agentMessage;
    }

    /** The message the agent sees; it never says which part of a credential failed. */
    public String agentMessage() {
      return agentMessage;
    }
  }
}
