package dev.bastion.identity;

import dev.bastion.pipeline.Exchange;

/**
 * Checks one kind of credential (API key, JWT …). Implementations are immutable or internally
 * thread-safe: one instance serves every exchange.
 */
public interface Authenticator {

  /** A short name for logs, e.g. {@code api_key}. */
  String name();

  /**
   * Decides about a presented credential. Returns {@link AuthResult.Abstained} when the credential
   * is not of this authenticator's kind; never throws for bad input.
   */
  AuthResult authenticate(Exchange.Credential credential);
}
