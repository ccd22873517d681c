package dev.bastion.attacksim;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * The run's own authorization server, for scenarios that send JWT bearer tokens (CD-01): an RSA
 * key generated per run, its public half written as a JWKS file the gateway is configured with
 * ({@code identity.jwt.jwks_file}), and tokens minted with whatever claims a step names — including
 * a foreign audience.
 */
final class TokenIssuer {
  static final String ISSUER = "https://issuer.attack-sim.invalid";

  private final RSAKey key;
  private final Path jwksFile;

  private TokenIssuer(RSAKey key, Path jwksFile) {
    this.key = key;
    this.jwksFile = jwksFile;
  }

  static TokenIssuer create(Path work) throws IOException {
    try {
      RSAKey key = new RSAKeyGenerator(2048).keyID("attack-sim").algorithm(JWSAlgorithm.RS256).generate();
      Path file = work.resolve("jwks.json");
      Files.writeString(file, new JWKSet(key.toPublicJWK()).toString(), StandardCharsets.UTF_8);
      return new TokenIssuer(key, file);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the run's signing key", e);
    }
  }

  Path jwksFile() {
    return jwksFile;
  }

  /**
   * A signed token valid for five minutes; {@code claims} are set as given (a list value becomes a
   * JSON array), {@code ${resource}} in a string claim is replaced by {@code resource}. Without
   * {@code iss} the run's issuer is used.
   */
  String mint(Map<String, Object> claims, String resource) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    claims.forEach((name, value) -> b.claim(name, value instanceof String s ? s.replace("${resource}", resource)
        : value instanceof List<?> l ? l.stream().map(Object::toString).toList() : value));
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), b.build());
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
    return jwt.serialize();
  }
}
