package dev.bastion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real gateway with {@code identity.jwt} and {@code rate_limits} configured: the protected-resource
 * metadata is served on the agent listener, 401s carry the RFC 9728 challenge, a token minted for
 * Bastion's resource URI is accepted and one minted for anything else is not, and a tool call over
 * its limit gets 429 with {@code Retry-After} and {@code data.retryAfterMs}.
 */
class IdentityAndLimitsGatewayTest {
  private static final String ISSUER = "https://idp.example.test";
  private static final String RESOURCE = "https://gw.example.test/mcp";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path dir;
  private RSAKey key;
  private Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("k1").generate();
    Files.writeString(dir.resolve("jwks.json"), new JWKSet(key).toPublicJWKSet().toString());
    String yaml = """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        public_url: %s
        upstreams:
          demo: { builtin: demo, root: ./sandbox }
        identity:
          jwt: { issuer: "%s", jwks_file: ./jwks.json, roles_claim: groups }
        rate_limits:
          tools:
            demo__echo: 2
        policy:
          default: deny
          rules:
            - { id: devs, effect: allow, when: '"dev" in agent.roles && user.id == "alice"' }
        """.formatted(RESOURCE, ISSUER);
    ConfigResult r = ConfigChecks.check(((ConfigResult.Ok) ConfigLoader.parse(yaml, dir, k -> null)).config());
    BastionConfig config = ((ConfigResult.Ok) r).config();
    gateway = Gateway.start(config);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private String token(String audience) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER).audience(audience).subject("alice").claim("client_id", "copilot").claim("groups", List.of("dev"))
        .expirationTime(Date.from(Instant.now().plusSeconds(300))).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> call(String bearer, int id, String message) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"demo__echo\",\"arguments\":{\"message\":\""
        + message + "\"},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.mcpUrl()))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2026-07-28")
        .header("Mcp-Method", "tools/call")
        .header("Mcp-Name", "demo__echo")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theProtectedResourceMetadataIsServedAtBothWellKnownPaths() throws Exception {
    for (String path : List.of("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp")) {
      HttpResponse<String> r = get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      JsonNode doc = JSON.readTree(r.body());
      assertThat(doc.get("resource").asString()).isEqualTo(RESOURCE);
      assertThat(doc.get("authorization_servers").get(0).asString()).isEqualTo(ISSUER);
    }
  }

  @Test
  void a401PointsToTheMetadataAndSaysInvalidTokenOnlyWhenATokenWasPresented() throws Exception {
    HttpResponse<String> none = call(null, 1, "x");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).contains(
        "Bearer resource_metadata=\"https://gw.example.test/.well-known/oauth-protected-resource/mcp\"");

    HttpResponse<String> wrongAudience = call(token("https://other.example.test/mcp"), 2, "x");
    assertThat(wrongAudience.statusCode()).isEqualTo(401);
    assertThat(wrongAudience.headers().firstValue("WWW-Authenticate")).contains(
        "Bearer error=\"invalid_token\", resource_metadata=\"https://gw.example.test/.well-known/oauth-protected-resource/mcp\"");
  }

  @Test
  void aTokenForThisGatewayIsAcceptedAndItsRolesAndUserReachThePolicyUntilTheToolLimit() throws Exception {
    String token = token(RESOURCE);
    HttpResponse<String> first = call(token, 1, "one");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).contains("one").doesNotContain("\"error\"");
    assertThat(call(token, 2, "two").body()).contains("two").doesNotContain("\"error\"");

    HttpResponse<String> third = call(token, 3, "three");
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    JsonNode error = JSON.readTree(third.body()).get("error");
    assertThat(error.get("data").get("reason").asString()).isEqualTo("rate_limited");
    assertThat(error.get("data").get("retryAfterMs").asLong()).isPositive();
  }
}
