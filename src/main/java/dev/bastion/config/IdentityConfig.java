package dev.bastion.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How agents prove who they are beyond API keys: JWT bearer tokens from an authorization server,
 * and what the protected-resource metadata (RFC 9728) advertises.
 *
 * @param jwt JWT validation settings, or null when only API keys are accepted
 * @param authorizationServers issuer URLs listed in the protected-resource metadata; defaults to the
 *     JWT issuer
 */
public record IdentityConfig(Jwt jwt, List<String> authorizationServers) {

  public static final IdentityConfig DEFAULT = new IdentityConfig(null, List.of());

  public IdentityConfig {
    authorizationServers = List.copyOf(authorizationServers);
  }

  /**
   * JWT bearer validation. Exactly one of {@code jwksUrl} and {@code jwksFile} is set. The audience is
   * not configurable: it is always {@link BastionConfig#resourceUri()}.
   *
   * @param rolesClaim the claim holding roles/groups (list or space-separated string)
   * @param agentClaim the claim naming the agent when the token has no {@code act} claim
   */
  public record Jwt(
      String issuer,
      String jwksUrl,
      Path jwksFile,
      String rolesClaim,
      String agentClaim,
      Duration clockSkew,
      Duration jwksMaxAge,
      Duration jwksMinRefresh) {
    public Jwt {
      Objects.requireNonNull(issuer, "issuer");
      if ((jwksUrl == null) == (jwksFile == null)) {
        throw new IllegalArgumentException("exactly one of jwks and jwks_file must be set");
      }
    }
  }
}
