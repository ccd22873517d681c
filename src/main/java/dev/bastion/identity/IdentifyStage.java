package dev.bastion.identity;

import dev.bastion.config.BastionConfig;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import java.util.List;

/**
 * The {@code identify} stage: turns the credential the agent presented into a
 * {@link dev.bastion.pipeline.Principal}, or refuses the exchange with
 * {@link ReasonCode#UNAUTHENTICATED}. Authenticators are asked in order; the first that does not
 * abstain decides. If all abstain the credential is invalid (or missing, when none was sent).
 * The agent is told only "missing" or "invalid"; the finer reason goes to the exchange log.
 */
public final class IdentifyStage implements Stage {

  private final List<Authenticator> authenticators;

  public IdentifyStage(List<Authenticator> authenticators) {
    if (authenticators.isEmpty()) {
      throw new IllegalArgumentException("the identify stage needs at least one authenticator");
    }
    this.authenticators = List.copyOf(authenticators);
  }

  /** API keys, JWTs when {@code identity.jwt} is configured, and the anonymous agent when one is. */
  public static IdentifyStage fromConfig(BastionConfig config) {
    return fromConfig(config, JwtSettings.fromConfig(config));
  }

  /** The anonymous authenticator goes first: it answers only when no credential was presented. */
  private static List<Authenticator> withAnonymous(BastionConfig config, List<Authenticator> others) {
    java.util.ArrayList<Authenticator> all = new java.util.ArrayList<>();
    AnonymousAuthenticator.fromConfig(config).ifPresent(all::add);
    all.addAll(others);
    return all;
  }

  /**
   * JWT bearer tokens (when {@code jwt} is not null) and API keys. The JWT authenticator goes
   * first: it abstains on anything not shaped like a JWT, which the API-key authenticator then
   * checks.
   */
  public static IdentifyStage fromConfig(BastionConfig config, JwtSettings jwt) {
    if (jwt == null) {
      return new IdentifyStage(withAnonymous(config, List.of(ApiKeyAuthenticator.fromConfig(config))));
    }
    return new IdentifyStage(withAnonymous(config, List.of(new JwtAuthenticator(jwt), ApiKeyAuthenticator.fromConfig(config))));
  }

  @Override
  public String name() {
    return "identify";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    Exchange.Credential credential = exchange.credential() == null ? Exchange.Credential.NONE : exchange.credential();
    AuthResult result = authenticate(credential);
    return switch (result) {
      case AuthResult.Authenticated a -> {
        exchange.log().principal(a.principal());
        yield chain.proceed(exchange.withPrincipal(a.principal()));
      }
      case AuthResult.Rejected r -> {
        exchange.log().note("identify: " + r.logDetail());
        yield new Outcome.Failure(Fault.of(ReasonCode.UNAUTHENTICATED, r.reason().agentMessage()));
      }
      case AuthResult.Abstained ignored -> {
        exchange.log().note("identify: no authenticator accepts this kind of credential");
        yield new Outcome.Failure(Fault.of(ReasonCode.UNAUTHENTICATED, AuthResult.Rejection.INVALID_CREDENTIAL.agentMessage()));
      }
    };
  }

  /** Runs the authenticators in order; the first answer that is not an abstention wins. */
  public AuthResult authenticate(Exchange.Credential credential) {
    for (Authenticator authenticator : authenticators) {
      AuthResult result = authenticator.authenticate(credential);
      if (!(result instanceof AuthResult.Abstained)) {
        return result;
      }
    }
    if (!credential.present()) {
      return new AuthResult.Rejected(AuthResult.Rejection.MISSING_CREDENTIAL, "no credential presented");
    }
    return AuthResult.ABSTAINED;
  }
}
