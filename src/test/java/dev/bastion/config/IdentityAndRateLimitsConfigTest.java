package dev.bastion.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityAndRateLimitsConfigTest {

  @Test
  void jwtSettingsBindWithDefaultsAndTheIssuerAsAuthorizationServer() {
    BastionConfig c = ConfigTesting.ok("""
        public_url: https://gw.example.com/mcp
        identity:
          jwt: { issuer: "https://idp.example.com", jwks: "https://idp.example.com/jwks.json", roles_claim: groups }
        """);
    IdentityConfig.Jwt jwt = c.identity().jwt();
    assertThat(jwt.issuer()).isEqualTo("https://idp.example.com");
    assertThat(jwt.jwksUrl()).isEqualTo("https://idp.example.com/jwks.json");
    assertThat(jwt.rolesClaim()).isEqualTo("groups");
    assertThat(jwt.agentClaim()).isEqualTo("client_id");
    assertThat(jwt.clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.identity().authorizationServers()).containsExactly("https://idp.example.com");
    assertThat(c.resourceUri()).isEqualTo("https://gw.example.com/mcp");
  }

  @Test
  void aJwksFileResolvesAgainstTheConfigDirectory() {
    BastionConfig c = ConfigTesting.ok("identity:\n  jwt: { issuer: i, jwks_file: keys/jwks.json }\n");
    assertThat(c.identity().jwt().jwksFile()).isEqualTo(Path.of("/etc/bastion/keys/jwks.json"));
  }

  @Test
  void jwtMistakesAreReportedPrecisely() {
    assertThat(ConfigTesting.onlyError("identity:\n  jwt: { issuer: i }\n").message()).contains("exactly one of jwks");
    assertThat(ConfigTesting.onlyError("identity:\n  jwt: { issuer: i, jwks: http://idp.example.com/k }\n").message()).contains("https");
    assertThat(ConfigTesting.onlyError("identity:\n  jwt: { jwks_file: k.json }\n").message()).contains("issuer");
    assertThat(ConfigTesting.onlyError("identity:\n  jwt: { issuer: i, jwks_file: k.json, audience: x }\n").message())
        .contains("unknown key 'audience'");
  }

  @Test
  void rateLimitsBindWithAgentOverridesInheritingTheDefaults() {
    BastionConfig c = ConfigTesting.ok("""
        agents:
          bot: { roles: [a] }
        rate_limits:
          calls_per_minute: 60
          loop_repeats: 5
          loop_window: 30s
          agents:
            bot: { calls_per_minute: 10 }
          tools:
            mail__send: 2
        """);
    RateLimitsConfig r = c.rateLimits();
    assertThat(r.defaults().callsPerMinute()).isEqualTo(60);
    assertThat(r.quotaFor("bot").callsPerMinute()).isEqualTo(10);
    assertThat(r.quotaFor("bot").loopRepeats()).isEqualTo(5);
    assertThat(r.quotaFor("bot").loopWindow()).isEqualTo(Duration.ofSeconds(30));
    assertThat(r.quotaFor("other")).isEqualTo(r.defaults());
    assertThat(r.tools()).containsEntry("mail__send", 2);
    assertThat(ConfigTesting.ok("listen: 127.0.0.1:8080\n").rateLimits().any()).isFalse();
  }

  @Test
  void rateLimitMistakesAreReportedPrecisely() {
    List<ConfigError> errors = ConfigTesting.invalid("""
        agents:
          bot: {}
        rate_limits:
          calls_per_minute: -1
          loop_repeats: 1
          agents:
            bto: { calls_per_minute: 1 }
        """);
    assertThat(errors).extracting(ConfigError::path)
        .containsExactlyInAnyOrder("rate_limits.calls_per_minute", "rate_limits.loop_repeats", "rate_limits.agents.bto");
    assertThat(errors).anySatisfy(e -> assertThat(e.message()).contains("no agent 'bto' is configured"));
  }
}
