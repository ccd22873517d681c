package dev.bastion.config;

import static dev.bastion.config.ConfigTesting.BASE;
import static dev.bastion.config.ConfigTesting.env;
import static dev.bastion.config.ConfigTesting.invalid;
import static dev.bastion.config.ConfigTesting.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvReferenceTest {

  private static ConfigResult parse(String yaml, Map<String, String> vars) {
    return ConfigLoader.parse(yaml, BASE, env(vars));
  }

  @Test
  void aReferenceInAHeaderBecomesASecretMarkedAsFromAReference() {
    var http = (UpstreamConfig.Http) ok(parse(
        "upstreams:\n  r:\n    url: http://127.0.0.1:1/mcp\n    headers: { Authorization: 'Bearer ${env:TOKEN}', X-Static: plain }\n",
        Map.of("TOKEN", "s3cr3t"))).upstreams().get("r");
    assertThat(http.headers().get("Authorization").reveal()).isEqualTo("Bearer s3cr3t");
    assertThat(http.headers().get("Authorization").fromReference()).isTrue();
    assertThat(http.headers().get("X-Static").fromReference()).isFalse();
  }

  @Test
  void referencesResolveAnywhereInStringsIncludingTypedValues() {
    BastionConfig c = ok(parse("""
        listen: ${env:HOST}:${env:PORT}
        limits: { max_sessions: '${env:MAX}', call_timeout: '${env:TIMEOUT}' }
        audit: { fail_open: '${env:FAIL_OPEN}' }
        upstreams:
          s: { command: ['${env:NODE}', server.js], env: { KEY: '${env:KEY}' } }
        """, Map.of("HOST", "127.0.0.1", "PORT", "7000", "MAX", "12", "TIMEOUT", "9s", "FAIL_OPEN", "true",
        "NODE", "/usr/bin/node", "KEY", "k")));
    assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 7000));
    assertThat(c.limits().maxSessions()).isEqualTo(12);
    assertThat(c.limits().callTimeout()).hasSeconds(9);
    assertThat(c.audit().failOpen()).isTrue();
    var s = (UpstreamConfig.Stdio) c.upstreams().get("s");
    assertThat(s.command()).containsExactly("/usr/bin/node", "server.js");
    assertThat(s.env().get("KEY").fromReference()).isTrue();
  }

  @Test
  void aDoubleDollarEscapesALiteralReference() {
    var s = (UpstreamConfig.Stdio) ok(parse("upstreams:\n  s: { command: [sh], env: { T: 'cost $5 and $${env:NOT_A_REF}' } }\n", Map.of()))
        .upstreams().get("s");
    assertThat(s.env().get("T").reveal()).isEqualTo("cost $5 and ${env:NOT_A_REF}");
    assertThat(s.env().get("T").fromReference()).isFalse();
  }

  @Test
  void everyUnsetVariableIsReportedByNameWithPathAndLine() {
    List<ConfigError> errors = invalid(parse("""
        upstreams:
          r:
            url: http://127.0.0.1:1/mcp
            headers:
              Authorization: "Bearer ${env:REMOTE_TOKEN}"
              X-Other: "${env:OTHER} and ${env:THIRD}"
        """, Map.of()));
    assertThat(errors).extracting(ConfigError::path)
        .containsExactly("upstreams.r.headers.Authorization", "upstreams.r.headers.X-Other", "upstreams.r.headers.X-Other");
    assertThat(errors).extracting(ConfigError::line).containsExactly(5, 6, 6);
    assertThat(errors.get(0).message()).isEqualTo(
        "the value references the environment variable REMOTE_TOKEN, which is not set; set it or remove the reference");
    assertThat(errors.get(1).message()).contains("OTHER");
    assertThat(errors.get(2).message()).contains("THIRD");
  }

  @Test
  void unsupportedAndMalformedReferencesAreRejected() {
    List<ConfigError> errors = invalid(parse("""
        upstreams:
          s: { command: [x], env: { A: '${HOME}', B: '${env:1BAD}', C: 'abc ${env:OPEN' } }
        """, Map.of("HOME", "/root")));
    assertThat(errors).extracting(ConfigError::path).containsExactly("upstreams.s.env.A", "upstreams.s.env.B", "upstreams.s.env.C");
    assertThat(errors.get(0).message()).contains("unsupported reference ${HOME}").contains("expected ${env:NAME}");
    assertThat(errors.get(1).message()).contains("not a valid environment variable name");
    assertThat(errors.get(2).message()).contains("unterminated reference");
  }

  @Test
  void aSetButEmptyVariableIsAValue() {
    var s = (UpstreamConfig.Stdio) ok(parse("upstreams:\n  s: { command: [x], env: { E: '${env:EMPTY}' } }\n", Map.of("EMPTY", "")))
        .upstreams().get("s");
    assertThat(s.env().get("E").reveal()).isEmpty();
  }

  @Test
  void valuesFromTheEnvironmentNeverAppearInErrors() {
    String secret = "hunter2-very-secret";
    List<ConfigError> errors = invalid(parse("""
        listen: ${env:S}
        public_url: ${env:S}
        limits: { max_sessions: '${env:S}', call_timeout: '${env:S}' }
        audit: { durability: '${env:S}', store: '${env:S}', fail_open: '${env:S}' }
        upstreams:
          r: { url: 'https://${env:S}:x/${env:S}' }
          d: { builtin: '${env:S}' }
        agents:
          a: { keys: ['${env:S}'], roles: ['${env:S} x'] }
        policy: { default: '${env:S}', rules: [ { id: '${env:S}', effect: '${env:S}', mode: '${env:S}' } ] }
        """, Map.of("S", secret)));
    assertThat(errors).hasSizeGreaterThanOrEqualTo(14);
    assertThat(errors).allSatisfy(e -> assertThat(e.describe()).doesNotContain(secret).doesNotContain("hunter2"));
  }

  @Test
  void secretsNeverAppearInTheConfigsToString() {
    BastionConfig c = ok(parse("""
        upstreams:
          r: { url: http://127.0.0.1:1/mcp, headers: { Authorization: 'Bearer ${env:TOKEN}', X-Literal: literal-secret-value } }
          s: { command: [x], env: { API_KEY: '${env:TOKEN}', OTHER: another-literal-secret } }
        """, Map.of("TOKEN", "tok-abcdef")));
    String all = c.toString() + c.upstreams().get("r") + c.upstreams().get("s")
        + ((UpstreamConfig.Http) c.upstreams().get("r")).headers() + ((UpstreamConfig.Stdio) c.upstreams().get("s")).env();
    assertThat(all).doesNotContain("tok-abcdef").doesNotContain("literal-secret-value").doesNotContain("another-literal-secret")
        .contains("<redacted>");
  }
}
