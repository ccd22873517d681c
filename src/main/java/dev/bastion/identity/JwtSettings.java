package dev.bastion.identity;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How JWT bearer tokens are validated. Bound from config by the integrator.
 *
 * @param issuer the required {@code iss}
 * @param audience the required {@code aud}: Bastion's own resource URI
 *     ({@link dev.bastion.config.BastionConfig#resourceUri()})
 * @param jwks where the signing keys are
 * @param rolesClaim the claim holding the agent's roles (a list, or a space-separated string)
 * @param agentIdClaim the claim naming the agent (when there is no {@code act} claim); {@code azp}
 *     then {@code sub} are tried after it
 * @param clockSkew tolerance for {@code exp} and {@code nbf}
 * @param jwksMaxAge how long fetched keys are used before they are fetched again
 * @param jwksMinRefresh the least time between two fetches triggered by an unknown {@code kid}
 */
public record JwtSettings(
    String issuer,
    String audience,
    JwksLocation jwks,
    String rolesClaim,
    String agentIdClaim,
    Duration clockSkew,
    Duration jwksMaxAge,
    Duration jwksMinRefresh) {

  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final Duration DEFAULT_JWKS_MAX_AGE = Duration.ofMinutes(10);
  public static final Duration DEFAULT_JWKS_MIN_REFRESH = Duration.ofSeconds(30);

  public JwtSettings {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(jwks, "jwks");
    rolesClaim = rolesClaim == null ? "roles" : rolesClaim;
    agentIdClaim = agentIdClaim == null ? "client_id" : agentIdClaim;
    clockSkew = clockSkew == null ? DEFAULT_CLOCK_SKEW : clockSkew;
    jwksMaxAge = jwksMaxAge == null ? DEFAULT_JWKS_MAX_AGE : jwksMaxAge;
    jwksMinRefresh = jwksMinRefresh == null ? DEFAULT_JWKS_MIN_REFRESH : jwksMinRefresh;
    if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("clock skew must be between 0 and 5 minutes, got " + clockSkew);
    }
  }

  /** The settings of {@code identity.jwt}, with Bastion's resource URI as audience; null when JWTs are not configured. */
  public static JwtSettings fromConfig(dev.bastion.config.BastionConfig config) {
    dev.bastion.config.IdentityConfig.Jwt jwt = config.identity().jwt();
    if (jwt == null) {
      return null;
    }
    JwksLocation keys = jwt.jwksUrl() != null ? new JwksLocation.Url(URI.create(jwt.jwksUrl())) : new JwksLocation.File(jwt.jwksFile());
    return new JwtSettings(jwt.issuer(), config.resourceUri(), keys, jwt.rolesClaim(), jwt.agentClaim(), jwt.clockSkew(), jwt.jwksMaxAge(), jwt.jwksMinRefresh());
  }

  /** Settings with the defaults for everything but issuer, audience and keys. */
  public static JwtSettings of(String issuer, String audience, JwksLocation jwks) {
    return new JwtSettings(issuer, audience, jwks, null, null, null, null, null);
  }

  /** Where the JSON Web Key Set is read from. */
  public sealed interface JwksLocation {

    /** A local JWKS file, re-read on the same schedule as a URL. */
    record File(Path path) implements JwksLocation {
      public File {
        Objects.requireNonNull(path, "path");
      }
    }

    /** An HTTPS URL (plain HTTP only for a loopback host, for tests and local identity providers). */
    record Url(URI uri) implements JwksLocation {
      public Url {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost();
        boolean loopback = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
        if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
          throw new IllegalArgumentException("a JWKS URL must use https (http only for a loopback host), got " + uri);
        }
      }
    }
  }
}
