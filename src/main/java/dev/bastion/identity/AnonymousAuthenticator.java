package dev.bastion.identity;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.BastionConfig;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Principal;
import java.util.Optional;

/**
 * Identifies requests that present no credential at all as the one agent configured with {@code
 * anonymous: true}. Abstains on every request that does present a credential, so a wrong key is
 * still refused. This is an explicit opt-in (logged at start-up, visible in audit as auth method
 * {@code anonymous}) for trusted local set-ups such as conformance runs; without it, anonymous
 * requests get 401.
 */
public final class AnonymousAuthenticator implements Authenticator {
  public static final String AUTH_METHOD = "anonymous";

  /** The one answer, built once: principals and results are immutable. */
  private final AuthResult.Authenticated authenticated;

  public AnonymousAuthenticator(AgentConfig agent) {
    this.authenticated = new AuthResult.Authenticated(Principal.agent(agent.id(), agent.roles(), AUTH_METHOD));
  }

  /** The authenticator for the configured anonymous agent, if there is one. */
  public static Optional<AnonymousAuthenticator> fromConfig(BastionConfig config) {
    return config.agents().values().stream().filter(AgentConfig::anonymous).findFirst().map(AnonymousAuthenticator::new);
  }

  @Override
  public String name() {
    return AUTH_METHOD;
  }

  @Override
  public AuthResult authenticate(Exchange.Credential credential) {
    return credential.present() || !credential.scheme().isEmpty() ? AuthResult.ABSTAINED : authenticated;
  }
}
