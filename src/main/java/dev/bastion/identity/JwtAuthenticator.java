package dev.bastion.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Principal;
import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Authenticates {@code Authorization: Bearer <JWT>}: signature against the JWKS, algorithm,
 * {@code exp}/{@code nbf} (with clock skew; {@code exp} required), {@code iss}, and {@code aud}
 * containing Bastion's own resource URI. Abstains on credentials that are not shaped like a JWS, so
 * it goes before the API-key authenticator. See docs/policy.md for how the principal is formed.
 */
public final class JwtAuthenticator implements Authenticator {

  public static final String AUTH_METHOD = "jwt";
  private static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final Set<JWSAlgorithm> ALLOWED = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
      JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

  private final JwtSettings settings;
  private final JwksSource keys;
  private final Clock clock;
  private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

  public JwtAuthenticator(JwtSettings settings) {
    this(settings, Clock.systemUTC());
  }

  public JwtAuthenticator(JwtSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.keys = new JwksSource(settings.jwks(), settings.jwksMaxAge(), settings.jwksMinRefresh(), clock);
  }

  @Override
  public String name() {
    return AUTH_METHOD;
  }

  /** How many times the key set has been (re)loaded; for tests and diagnostics. */
  int jwksFetches() {
    return keys.fetches();
  }

  @Override
  public AuthResult authenticate(Exchange.Credential credential) {
    if (credential == null || !credential.present() || !"Bearer".equalsIgnoreCase(credential.scheme()) || !looksLikeJws(credential.secret())) {
      return AuthResult.ABSTAINED;
    }
    String token = credential.secret();
    if (token.length() > MAX_TOKEN_CHARS) {
      return invalid("token longer than " + MAX_TOKEN_CHARS + " characters");
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | RuntimeException e) {
      return invalid("token does not parse as a signed JWT");
    }
    JWSHeader header = jwt.getHeader();
    if (!ALLOWED.contains(header.getAlgorithm())) {
      return invalid("token algorithm " + header.getAlgorithm() + " is not accepted");
    }
    if (!verified(jwt, header)) {
      return invalid("token signature does not verify against any key of the JWKS (kid " + header.getKeyID() + ")");
    }
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      return invalid("token has no exp");
    }
    if (now.isAfter(exp.toInstant().plus(settings.clockSkew()))) {
      return invalid("token expired at " + exp.toInstant());
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(settings.clockSkew()).isBefore(nbf.toInstant())) {
      return invalid("token not valid before " + nbf.toInstant());
    }
    if (!settings.issuer().equals(claims.getIssuer())) {
      return invalid("token issuer is not the configured issuer");
    }
    List<String> audience = claims.getAudience();
    if (audience == null || !audience.contains(settings.audience())) {
      return invalid("token audience does not include this gateway's resource URI");
    }
    return principalOf(claims);
  }

  private boolean verified(SignedJWT jwt, JWSHeader header) {
    for (JWK jwk : keys.candidates(header.getKeyID())) {
      try {
        Key key = switch (jwk) {
          case RSAKey rsa when JWSAlgorithm.Family.RSA.contains(header.getAlgorithm()) -> rsa.toRSAPublicKey();
          case ECKey ec when JWSAlgorithm.Family.EC.contains(header.getAlgorithm()) -> ec.toECPublicKey();
          default -> null;
        };
        if (key == null) {
          continue;
        }
        JWSVerifier verifier = verifiers.createJWSVerifier(header, key);
        if (jwt.verify(verifier)) {
          return true;
        }
      } catch (JOSEException | RuntimeException e) {
        // a key that can't verify this token: try the next
      }
    }
    return false;
  }

  private AuthResult principalOf(JWTClaimsSet claims) {
    String subject = claims.getSubject();
    String actor = null;
    if (claims.getClaim("act") instanceof Map<?, ?> act && act.get("sub") instanceof String s && !s.isEmpty()) {
      actor = s;
    }
    String agent = actor != null ? actor
        : firstString(claims, settings.agentIdClaim(), "azp", "sub");
    if (agent == null || agent.isEmpty()) {
      return invalid("token names no agent (no act.sub, " + settings.agentIdClaim() + ", azp or sub)");
    }
    String user = subject != null && !subject.isEmpty() && !subject.equals(agent) ? subject : null;
    Map<String, Object> claimMap = new LinkedHashMap<>();
    claims.getClaims().forEach((k, v) -> {
      if (v != null) {
        claimMap.put(k, v);
      }
    });
    return new AuthResult.Authenticated(new Principal(agent, roles(claims), user, AUTH_METHOD, claimMap));
  }

  private List<String> roles(JWTClaimsSet claims) {
    Object value = claims.getClaim(settings.rolesClaim());
    List<String> roles = new ArrayList<>();
    switch (value) {
      case null -> {}
      case String s -> {
        for (String part : s.trim().split("\\s+")) {
          if (!part.isEmpty()) {
            roles.add(part);
          }
        }
      }
      case List<?> list -> list.forEach(v -> {
        if (v instanceof String s) {
          roles.add(s);
        }
      });
      default -> {}
    }
    return roles;
  }

  private static String firstString(JWTClaimsSet claims, String... names) {
    for (String name : names) {
      if (claims.getClaim(name) instanceof String s && !s.isEmpty()) {
        return s;
      }
    }
    return null;
  }

  private static boolean looksLikeJws(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    return first > 0 && second > first + 1 && token.indexOf('.', second + 1) < 0 && second < token.length() - 1;
  }

  private static AuthResult invalid(String detail) {
    return new AuthResult.Rejected(AuthResult.Rejection.INVALID_CREDENTIAL, "jwt: " + detail);
  }
}
