package dev.bastion.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Principal;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtAuthenticatorTest {

  private static final String ISSUER = "https://idp.example.test";
  private static final String RESOURCE = "https://gw.example.test/mcp";
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private static RSAKey k1;
  private static RSAKey k2;
  private static ECKey ec;

  @TempDir
  Path dir;

  /** A clock the test moves by hand. */
  static final class TestClock extends Clock {
    Instant now = NOW;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final TestClock clock = new TestClock();

  @BeforeAll
  static void keys() throws JOSEException {
    k1 = new RSAKeyGenerator(2048).keyID("k1").generate();
    k2 = new RSAKeyGenerator(2048).keyID("k2").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
  }

  private Path writeJwks(Path file, com.nimbusds.jose.jwk.JWK... keys) throws IOException {
    Files.writeString(file, new JWKSet(List.of(keys)).toPublicJWKSet().toString());
    return file;
  }

  private JwtAuthenticator authenticator(Path jwks, Duration minRefresh) {
    return new JwtAuthenticator(new JwtSettings(ISSUER, RESOURCE, new JwtSettings.JwksLocation.File(jwks),
        "roles", null, Duration.ofSeconds(30), Duration.ofMinutes(10), minRefresh), clock);
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(RESOURCE)
        .subject("alice")
        .claim("client_id", "copilot")
        .claim("roles", List.of("dev", "reader"))
        .issueTime(Date.from(NOW.minusSeconds(60)))
        .expirationTime(Date.from(NOW.plusSeconds(300)));
  }

  private static String sign(RSAKey key, Consumer<JWTClaimsSet.Builder> edit) throws JOSEException {
    JWTClaimsSet.Builder builder = claims();
    edit.accept(builder);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), builder.build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static Exchange.Credential bearer(String token) {
    return new Exchange.Credential("Bearer", token);
  }

  private static AuthResult.Rejected rejected(AuthResult result) {
    assertThat(result).isInstanceOf(AuthResult.Rejected.class);
    AuthResult.Rejected r = (AuthResult.Rejected) result;
    assertThat(r.reason()).isEqualTo(AuthResult.Rejection.INVALID_CREDENTIAL);
    return r;
  }

  @Test
  void aValidTokenIdentifiesTheAgentItsRolesAndTheUserItActsFor() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));

    AuthResult result = jwt.authenticate(bearer(sign(k1, b -> {})));

    assertThat(result).isInstanceOfSatisfying(AuthResult.Authenticated.class, a -> {
      Principal p = a.principal();
      assertThat(p.agentId()).isEqualTo("copilot");
      assertThat(p.userId()).isEqualTo("alice");
      assertThat(p.roles()).containsExactly("dev", "reader");
      assertThat(p.authMethod()).isEqualTo("jwt");
      assertThat(p.claims()).containsEntry("iss", ISSUER);
    });
  }

  @Test
  void aDelegationTokenNamesTheActorAsAgentAndTheSubjectAsUser() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));

    AuthResult result = jwt.authenticate(bearer(sign(k1, b -> b.claim("act", Map.of("sub", "sub-agent")).claim("roles", "triage email"))));

    assertThat(result).isInstanceOfSatisfying(AuthResult.Authenticated.class, a -> {
      assertThat(a.principal().agentId()).isEqualTo("sub-agent");
      assertThat(a.principal().userId()).isEqualTo("alice");
      assertThat(a.principal().roles()).containsExactly("triage", "email");
    });
  }

  @Test
  void aTokenMintedForAnotherAudienceIsRejected() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));

    AuthResult result = jwt.authenticate(bearer(sign(k1, b -> b.audience("https://other-api.example.test"))));

    assertThat(rejected(result).logDetail()).contains("audience");
  }

  @Test
  void anExpiredTokenIsRejectedButClockSkewIsTolerated() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));

    assertThat(rejected(jwt.authenticate(bearer(sign(k1, b -> b.expirationTime(Date.from(NOW.minusSeconds(31)))))))
        .logDetail()).contains("expired");
    assertThat(jwt.authenticate(bearer(sign(k1, b -> b.expirationTime(Date.from(NOW.minusSeconds(20)))))))
        .isInstanceOf(AuthResult.Authenticated.class);
    assertThat(rejected(jwt.authenticate(bearer(sign(k1, b -> b.expirationTime(null))))).logDetail()).contains("no exp");
  }

  @Test
  void aTokenNotYetValidIsRejected() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));

    assertThat(rejected(jwt.authenticate(bearer(sign(k1, b -> b.notBeforeTime(Date.from(NOW.plusSeconds(120)))))))
        .logDetail()).contains("not valid before");
  }

  @Test
  void aTokenFromAnotherIssuerIsRejected() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));

    assertThat(rejected(jwt.authenticate(bearer(sign(k1, b -> b.issuer("https://evil.example.test"))))).logDetail()).contains("issuer");
  }

  @Test
  void aTokenSignedByAKeyOutsideTheJwksIsRejected() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));
    RSAKey forged = new RSAKeyGenerator(2048).keyID("k1").generate();

    assertThat(rejected(jwt.authenticate(bearer(sign(forged, b -> {})))).logDetail()).contains("signature");
  }

  @Test
  void hmacAndUnsignedTokensAreRejected() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));
    SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
    hmac.sign(new MACSigner(new byte[32]));
    String header = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    String payload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(claims().build().toString().getBytes(StandardCharsets.UTF_8));

    assertThat(rejected(jwt.authenticate(bearer(hmac.serialize()))).logDetail()).contains("HS256");
    assertThat(jwt.authenticate(bearer(header + "." + payload + ".x"))).isInstanceOf(AuthResult.Rejected.class);
  }

  @Test
  void anEcSignedTokenVerifies() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1, ec), Duration.ofSeconds(30));
    SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("e1").build(), claims().build());
    token.sign(new ECDSASigner(ec));

    assertThat(jwt.authenticate(bearer(token.serialize()))).isInstanceOf(AuthResult.Authenticated.class);
  }

  @Test
  void aRotatedKeyIsPickedUpWhenATokenNamesItsKid() throws Exception {
    Path jwks = writeJwks(dir.resolve("jwks.json"), k1);
    JwtAuthenticator jwt = authenticator(jwks, Duration.ofSeconds(30));
    assertThat(jwt.authenticate(bearer(sign(k1, b -> {})))).isInstanceOf(AuthResult.Authenticated.class);

    writeJwks(jwks, k2);
    clock.now = NOW.plusSeconds(31);

    assertThat(jwt.authenticate(bearer(sign(k2, b -> b.expirationTime(Date.from(NOW.plusSeconds(600)))))))
        .isInstanceOf(AuthResult.Authenticated.class);
    assertThat(jwt.jwksFetches()).isEqualTo(2);
  }

  @Test
  void tokensWithUnknownKidsCannotCauseAFetchStorm() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("nobody").generate();

    for (int i = 0; i < 20; i++) {
      rejected(jwt.authenticate(bearer(sign(stranger, b -> {}))));
    }

    assertThat(jwt.jwksFetches()).isEqualTo(1);
  }

  @Test
  void credentialsThatAreNotJwtsAreLeftToTheNextAuthenticator() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));

    assertThat(jwt.authenticate(bearer("bk_plain_api_key"))).isInstanceOf(AuthResult.Abstained.class);
    assertThat(jwt.authenticate(bearer("a.b"))).isInstanceOf(AuthResult.Abstained.class);
    assertThat(jwt.authenticate(new Exchange.Credential("Basic", "a.b.c"))).isInstanceOf(AuthResult.Abstained.class);
    assertThat(jwt.authenticate(bearer("not.a.jwt"))).isInstanceOf(AuthResult.Rejected.class);
  }

  @Test
  void jwksFromALoopbackUrlIsFetchedOnceAndCached() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    byte[] body = new JWKSet(k1).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/jwks", ex -> {
      hits.incrementAndGet();
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
      JwtAuthenticator jwt = new JwtAuthenticator(JwtSettings.of(ISSUER, RESOURCE, new JwtSettings.JwksLocation.Url(uri)), clock);

      assertThat(jwt.authenticate(bearer(sign(k1, b -> {})))).isInstanceOf(AuthResult.Authenticated.class);
      assertThat(jwt.authenticate(bearer(sign(k1, b -> b.subject("bob"))))).isInstanceOf(AuthResult.Authenticated.class);
      assertThat(hits).hasValue(1);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anIdentifyStageWithJwtFirstStillAcceptsApiKeys() throws Exception {
    JwtAuthenticator jwt = authenticator(writeJwks(dir.resolve("jwks.json"), k1), Duration.ofSeconds(30));
    ApiKeyAuthenticator keys = new ApiKeyAuthenticator(List.of(new dev.bastion.config.AgentConfig("legacy-bot",
        List.of(ApiKeyAuthenticator.sha256("bk_legacy".getBytes(StandardCharsets.UTF_8))), List.of("old"))));
    IdentifyStage stage = new IdentifyStage(List.of(jwt, keys));

    assertThat(stage.authenticate(bearer("bk_legacy")))
        .isInstanceOfSatisfying(AuthResult.Authenticated.class, a -> assertThat(a.principal().agentId()).isEqualTo("legacy-bot"));
    assertThat(stage.authenticate(bearer(sign(k1, b -> {}))))
        .isInstanceOfSatisfying(AuthResult.Authenticated.class, a -> assertThat(a.principal().agentId()).isEqualTo("copilot"));
    assertThat(stage.authenticate(bearer(sign(k1, b -> b.audience("https://elsewhere.test"))))).isInstanceOf(AuthResult.Rejected.class);
  }

  @Test
  void aJwksUrlMustBeHttpsUnlessLoopback() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new JwtSettings.JwksLocation.Url(URI.create("http://idp.example.test/jwks")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https");
  }
}
