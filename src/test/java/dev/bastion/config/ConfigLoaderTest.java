package dev.bastion.config;

import static dev.bastion.config.ConfigTesting.BASE;
import static dev.bastion.config.ConfigTesting.invalid;
import static dev.bastion.config.ConfigTesting.ok;
import static dev.bastion.config.ConfigTesting.onlyError;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  static final String DIGEST = "090d1548c9d65f413a1a2c828a0bee3a7ae02d2137caf51e6029e6c3cb1f1fa4";

  static final String FULL = """
      listen: 0.0.0.0:8443
      admin: "[::1]:9999"
      data_dir: ./state
      public_url: https://bastion.example.com/mcp
      security:
        allowed_origins: [https://console.example.com]
        allowed_hosts: [bastion.example.com, "localhost:8443"]
      limits:
        max_body_bytes: 1000
        max_json_depth: 10
        max_string_length: 500
        max_response_bytes: 2000
        call_timeout: 15s
        max_sessions: 7
        session_idle_timeout: 2h
      upstreams:
        everything:
          command: [npx, -y, "@modelcontextprotocol/server-everything"]
          env: { LOG_LEVEL: debug, PORT: 3000 }
          cwd: work
        remote:
          url: http://127.0.0.1:3001/mcp
          headers: { Authorization: "Bearer ${env:REMOTE_TOKEN}" }
          timeout: 500ms
        demo:
          builtin: demo
          root: /srv/demo
      agents:
        ci-bot:
          keys: ["sha256:%s"]
          roles: [reader, "team:ci"]
      policy:
        default: ask
        rules:
          - { id: readers-read, effect: allow, when: '"reader" in agent.roles', mode: enforce, description: "Readers read" }
          - id: shadowed
            effect: deny
            mode: shadow
      audit:
        store: "sqlite:/var/lib/bastion/audit.db"
        durability: batch
        batch_window: 20ms
        checkpoint_interval: 5m
        fail_open: true
      """.formatted(DIGEST);

  @Test
  void aFullValidFileBindsEveryField() {
    BastionConfig c = ok(ConfigLoader.parse(FULL, BASE, ConfigTesting.env(Map.of("REMOTE_TOKEN", "tok-123"))));

    assertThat(c.listen()).isEqualTo(new HostPort("0.0.0.0", 8443));
    assertThat(c.admin()).isEqualTo(new HostPort("::1", 9999));
    assertThat(c.dataDir()).isEqualTo(Path.of("/etc/bastion/state"));
    assertThat(c.publicUrl()).isEqualTo("https://bastion.example.com/mcp");
    assertThat(c.security().allowedOrigins()).containsExactly("https://console.example.com");
    assertThat(c.security().allowedHosts()).containsExactly("bastion.example.com", "localhost:8443");
    assertThat(c.limits()).isEqualTo(new LimitsConfig(1000, 10, 500, 2000, Duration.ofSeconds(15), 7, Duration.ofHours(2)));

    assertThat(c.upstreams()).containsOnlyKeys("everything", "remote", "demo");
    var stdio = (UpstreamConfig.Stdio) c.upstreams().get("everything");
    assertThat(stdio.name()).isEqualTo("everything");
    assertThat(stdio.command()).containsExactly("npx", "-y", "@modelcontextprotocol/server-everything");
    assertThat(stdio.env()).containsOnlyKeys("LOG_LEVEL", "PORT");
    assertThat(stdio.env().get("PORT").reveal()).isEqualTo("3000");
    assertThat(stdio.env().get("LOG_LEVEL").fromReference()).isFalse();
    assertThat(stdio.cwd()).isEqualTo(Path.of("/etc/bastion/work"));
    assertThat(stdio.timeout()).as("falls back to limits.call_timeout").isEqualTo(Duration.ofSeconds(15));

    var http = (UpstreamConfig.Http) c.upstreams().get("remote");
    assertThat(http.url()).isEqualTo(URI.create("http://127.0.0.1:3001/mcp"));
    assertThat(http.headers().get("Authorization").reveal()).isEqualTo("Bearer tok-123");
    assertThat(http.headers().get("Authorization").fromReference()).isTrue();
    assertThat(http.timeout()).isEqualTo(Duration.ofMillis(500));

    var demo = (UpstreamConfig.Builtin) c.upstreams().get("demo");
    assertThat(demo.builtin()).isEqualTo("demo");
    assertThat(demo.root()).isEqualTo(Path.of("/srv/demo"));

    AgentConfig agent = c.agents().get("ci-bot");
    assertThat(agent.id()).isEqualTo("ci-bot");
    assertThat(agent.keyDigests()).singleElement().isEqualTo(HexFormat.of().parseHex(DIGEST));
    assertThat(agent.roles()).containsExactly("reader", "team:ci");

    assertThat(c.policy().defaultEffect()).isEqualTo(PolicyConfig.Effect.ASK);
    assertThat(c.policy().rules()).containsExactly(
        new PolicyConfig.Rule("readers-read", PolicyConfig.Effect.ALLOW, "\"reader\" in agent.roles", PolicyConfig.Mode.ENFORCE, "Readers read", 35),
        new PolicyConfig.Rule("shadowed", PolicyConfig.Effect.DENY, "true", PolicyConfig.Mode.SHADOW, "", 36));

    assertThat(c.audit()).isEqualTo(new AuditConfig(
        "sqlite:/var/lib/bastion/audit.db", AuditConfig.Durability.BATCH, Duration.ofMillis(20), Duration.ofMinutes(5), true));
  }

  @Test
  void anEmptyFileIsAGatewayWithDefaultsAndNothingBehindIt() {
    BastionConfig c = ok("");
    assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 8080));
    assertThat(c.admin()).isEqualTo(new HostPort("127.0.0.1", 9090));
    assertThat(c.dataDir()).isEqualTo(Path.of("/etc/bastion/data"));
    assertThat(c.publicUrl()).isNull();
    assertThat(c.security()).isEqualTo(SecurityConfig.DEFAULT);
    assertThat(c.limits()).isEqualTo(LimitsConfig.DEFAULT);
    assertThat(c.upstreams()).isEmpty();
    assertThat(c.agents()).isEmpty();
    assertThat(c.policy()).isEqualTo(PolicyConfig.DENY_ALL);
    assertThat(c.audit()).isEqualTo(new AuditConfig(
        "sqlite:/etc/bastion/data/audit.db", AuditConfig.Durability.SYNC, Duration.ofMillis(5), Duration.ofMinutes(1), false));
  }

  @Test
  void emptyListsAndSectionsMeanTheirDefaults() {
    BastionConfig c = ok("security:\nlimits:\nupstreams:\nagents:\n  bot:\n    keys:\n    roles:\npolicy:\n  rules:\naudit:\n");
    assertThat(c.policy()).isEqualTo(PolicyConfig.DENY_ALL);
    assertThat(c.agents().get("bot").keyDigests()).isEmpty();
    assertThat(c.agents().get("bot").roles()).isEmpty();
  }

  @Test
  void aConfigWithoutUpstreamsIsValid() {
    assertThat(ok("listen: 127.0.0.1:0\n").upstreams()).isEmpty();
  }

  @Test
  void aBuiltinWithoutRootServesFromItsDirectoryUnderDataDir() {
    var demo = (UpstreamConfig.Builtin) ok("data_dir: /var/b\nupstreams:\n  demo: { builtin: demo }\n").upstreams().get("demo");
    assertThat(demo.root()).isEqualTo(Path.of("/var/b/demo"));
  }

  @Test
  void aStdioUpstreamWithoutCwdRunsInTheConfigDirectory() {
    var s = (UpstreamConfig.Stdio) ok("upstreams:\n  a: { command: [node, server.js] }\n").upstreams().get("a");
    assertThat(s.cwd()).isEqualTo(BASE);
    assertThat(s.timeout()).isEqualTo(LimitsConfig.DEFAULT.callTimeout());
  }

  @Test
  void loadingAFileResolvesRelativePathsAgainstItsDirectory(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("conf/bastion.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "data_dir: ../state\naudit: { store: 'sqlite:db/audit.db' }\n");
    BastionConfig c = ok(ConfigLoader.load(file, name -> null));
    assertThat(c.dataDir()).isEqualTo(dir.resolve("state").toAbsolutePath().normalize());
    assertThat(c.audit().store()).isEqualTo("sqlite:" + dir.resolve("conf/db/audit.db").toAbsolutePath().normalize());
  }

  @Test
  void aMissingFileIsReportedNotThrown(@TempDir Path dir) {
    ConfigError e = invalid(ConfigLoader.load(dir.resolve("nope.yaml"))).getFirst();
    assertThat(e.message()).contains("does not exist").contains("nope.yaml");
    assertThat(e.line()).isZero();
  }

  @Test
  void aFileThatIsNotUtf8IsRejected(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("b.yaml");
    Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28});
    assertThat(invalid(ConfigLoader.load(file)).getFirst().message()).contains("not valid UTF-8");
  }

  @Test
  void aByteOrderMarkIsIgnored() {
    assertThat(ok("\uFEFFlisten: 127.0.0.1:1234\n").listen().port()).isEqualTo(1234);
  }

  @Nested
  class SyntaxAndStructure {
    @Test
    void aYamlSyntaxErrorIsReportedWithItsLine() {
      ConfigError e = onlyError("listen: 127.0.0.1:8080\nupstreams:\n  a: [unclosed\n  b: 1\n");
      assertThat(e.message()).startsWith("YAML syntax error");
      assertThat(e.line()).isEqualTo(4);
      assertThat(e.path()).isEmpty();
    }

    @Test
    void aTabIndentIsASyntaxErrorOnItsLine() {
      ConfigError e = onlyError("listen: 127.0.0.1:8080\nlimits:\n\tmax_sessions: 3\n");
      assertThat(e.message()).startsWith("YAML syntax error");
      assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void aTopLevelThatIsNotAMappingIsRejected() {
      ConfigError e = onlyError("- listen\n- admin\n");
      assertThat(e.message()).contains("expected the top level of the file to be a mapping").contains("got a list");
      assertThat(e.line()).isEqualTo(1);
    }

    @Test
    void twoDocumentsAreRejected() {
      ConfigError e = onlyError("listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n");
      assertThat(e.message()).contains("more than one YAML document");
      assertThat(e.line()).isEqualTo(2);
    }

    @Test
    void aDuplicateKeyIsReportedAtTheSecondOccurrenceNamingTheFirst() {
      ConfigError e = onlyError("listen: 127.0.0.1:1\nadmin: 127.0.0.1:2\nlisten: 127.0.0.1:3\n");
      assertThat(e.path()).isEqualTo("listen");
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.column()).isEqualTo(1);
      assertThat(e.message()).contains("duplicate key 'listen'").contains("first at line 1");
    }

    @Test
    void aDuplicateUpstreamNameIsReported() {
      ConfigError e = onlyError("upstreams:\n  a: { builtin: demo }\n  a: { builtin: demo }\n");
      assertThat(e.path()).isEqualTo("upstreams.a");
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.message()).contains("duplicate key 'a'");
    }

    @Test
    void anAdminAddressEqualToListenIsRejectedButADifferentHostOrPortOrPortZeroIsNot() {
      ConfigError e = onlyError("listen: 127.0.0.1:8080\nadmin: 127.0.0.1:8080\n");
      assertThat(e.path()).isEqualTo("admin");
      assertThat(e.message()).contains("admin must differ from listen");
      ok("listen: 127.0.0.1:8080\nadmin: 127.0.0.1:8081\n");
      ok("listen: 127.0.0.1:8080\nadmin: 0.0.0.0:8080\n");
      ok("listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\n");
    }

    @Test
    void anUnknownKeySuggestsTheClosestKnownKey() {
      ConfigError e = onlyError("upstreams:\n  files:\n    comand: [node, x.js]\n    url: http://127.0.0.1:1/mcp\n");
      assertThat(e.path()).isEqualTo("upstreams.files.comand");
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.column()).isEqualTo(5);
      assertThat(e.message()).contains("unknown key 'comand'").contains("did you mean command?").contains("expected one of");
    }

    @Test
    void anUnknownKeyFarFromAnyKnownKeyGetsNoSuggestion() {
      ConfigError e = onlyError("frobnicate: 1\n");
      assertThat(e.path()).isEqualTo("frobnicate");
      assertThat(e.message()).doesNotContain("did you mean").contains("expected one of listen, admin");
    }

    @Test
    void anUnknownTopLevelKeyWithATypoIsSuggested() {
      assertThat(onlyError("upstream:\n  a: { builtin: demo }\n").message()).contains("did you mean upstreams?");
    }

    @Test
    void aWrongTypeSaysWhatWasExpectedAndWhatWasFound() {
      ConfigError e = onlyError("limits:\n  max_sessions: lots\n");
      assertThat(e.path()).isEqualTo("limits.max_sessions");
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.column()).isEqualTo(17);
      assertThat(e.message()).isEqualTo("expected a whole number from 1 to 2147483647; got text");
    }

    @Test
    void aSectionThatIsNotAMappingIsRejected() {
      ConfigError e = onlyError("limits: [1, 2]\n");
      assertThat(e.path()).isEqualTo("limits");
      assertThat(e.message()).contains("expected a mapping with keys max_body_bytes").contains("got a list");
    }

    @Test
    void aCustomYamlTagIsRejected() {
      ConfigError e = onlyError("listen: !hostport 127.0.0.1:1\n");
      assertThat(e.path()).isEqualTo("listen");
      assertThat(e.message()).contains("tags are not supported");
    }

    @Test
    void aCommandGivenAsOneStringIsRejectedWithAnExample() {
      ConfigError e = onlyError("upstreams:\n  a:\n    command: npx -y server\n");
      assertThat(e.path()).isEqualTo("upstreams.a.command");
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.message()).contains("expected the command as a list");
    }

    @Test
    void aCommandArgumentThatIsAMappingIsReportedWithItsIndex() {
      ConfigError e = onlyError("upstreams:\n  files:\n    command:\n      - node\n      - { a: 1 }\n");
      assertThat(e.path()).isEqualTo("upstreams.files.command[1]");
      assertThat(e.line()).isEqualTo(5);
      assertThat(e.message()).contains("got a mapping");
    }
  }

  @Nested
  class MissingAndInvalidValues {
    @Test
    void aRuleWithoutIdOrEffectIsReportedTwice() {
      List<ConfigError> errors = invalid("policy:\n  rules:\n    - when: 'true'\n");
      assertThat(errors).extracting(ConfigError::path).containsExactly("policy.rules[0]", "policy.rules[0]");
      assertThat(errors).extracting(ConfigError::message).anyMatch(m -> m.contains("missing required key id"))
          .anyMatch(m -> m.contains("missing required key effect"));
      assertThat(errors).extracting(ConfigError::line).containsOnly(3);
    }

    @Test
    void anEmptyValueIsMissing() {
      ConfigError e = onlyError("listen:\n");
      assertThat(e.path()).isEqualTo("listen");
      assertThat(e.message()).startsWith("missing value; expected an address");
    }

    @ParameterizedTest(name = "{0} is not a valid address")
    @CsvSource(delimiter = '|', value = {"8080", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:-1", ":8080", "127.0.0.1:http", "a b:80"})
    void badListenAddressesAreRejected(String value) {
      ConfigError e = onlyError("listen: '" + value + "'\n");
      assertThat(e.path()).isEqualTo("listen");
      assertThat(e.message()).contains("expected host:port");
    }

    @Test
    void adminOnTheListenAddressIsRejected() {
      ConfigError e = onlyError("listen: 127.0.0.1:8080\nadmin: 127.0.0.1:8080\n");
      assertThat(e.path()).isEqualTo("admin");
      assertThat(e.line()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} is not a duration")
    @CsvSource({"30", "30sec", "1.5s", "-1s", "1d", "s", "0s"})
    void badDurationsAreRejected(String value) {
      ConfigError e = onlyError("limits:\n  call_timeout: " + value + "\n");
      assertThat(e.path()).isEqualTo("limits.call_timeout");
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.message()).containsAnyOf("expected a duration", "greater than zero");
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({"500ms,PT0.5S", "30s,PT30S", "5m,PT5M", "1h,PT1H"})
    void durationsInEveryUnitAreAccepted(String value, String iso) {
      assertThat(ok("limits:\n  call_timeout: " + value + "\n").limits().callTimeout()).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest(name = "{0} is not an upstream URL")
    @CsvSource({"ftp://127.0.0.1/mcp", "127.0.0.1:3001/mcp", "http:///mcp", "http://user:pw@host/mcp", "'http://exa mple.com/'", "file:///etc/passwd"})
    void upstreamUrlsMustBeHttpOrHttps(String value) {
      ConfigError e = onlyError("upstreams:\n  r:\n    url: " + value + "\n");
      assertThat(e.path()).isEqualTo("upstreams.r.url");
      assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void publicUrlMustBeHttpOrHttps() {
      assertThat(onlyError("public_url: ws://x/mcp\n").path()).isEqualTo("public_url");
    }

    @ParameterizedTest(name = "{0} is not a key digest")
    @CsvSource({
      "demo-key-change-me",
      "sha256:abc",
      "sha1:090d1548c9d65f413a1a2c828a0bee3a7ae02d2137caf51e6029e6c3cb1f1fa4",
      "sha256:090d1548c9d65f413a1a2c828a0bee3a7ae02d2137caf51e6029e6c3cb1f1fzz"
    })
    void keyDigestsMustBeSha256Hex(String value) {
      ConfigError e = onlyError("agents:\n  bot:\n    keys: [\"" + value + "\"]\n");
      assertThat(e.path()).isEqualTo("agents.bot.keys[0]");
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.message()).contains("sha256: followed by 64 hex digits").doesNotContain(value);
    }

    @Test
    void theSameKeyDigestOnTwoAgentsIsRejected() {
      ConfigError e = onlyError("agents:\n  a: { keys: ['sha256:" + DIGEST + "'] }\n  b: { keys: ['sha256:" + DIGEST.toUpperCase() + "'] }\n");
      assertThat(e.path()).isEqualTo("agents.b.keys[0]");
      assertThat(e.message()).contains("already listed for agent a");
    }

    @Test
    void effectsModesAndDurabilityAcceptOnlyTheirWords() {
      List<ConfigError> errors = invalid("""
          policy:
            default: permit
            rules:
              - { id: r, effect: allow, mode: audit }
          audit:
            durability: async
          """);
      assertThat(errors).extracting(ConfigError::path, ConfigError::line)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("policy.default", 2),
              org.assertj.core.groups.Tuple.tuple("policy.rules[0].mode", 4),
              org.assertj.core.groups.Tuple.tuple("audit.durability", 6));
      assertThat(errors.get(0).message()).isEqualTo("expected one of allow, deny, ask; got \"permit\"");
      assertThat(errors.get(1).message()).isEqualTo("expected one of enforce, shadow; got \"audit\"");
      assertThat(errors.get(2).message()).isEqualTo("expected one of sync, batch; got \"async\"");
    }

    @Test
    void failOpenMustBeABooleanNotYes() {
      ConfigError e = onlyError("audit:\n  fail_open: yes\n");
      assertThat(e.path()).isEqualTo("audit.fail_open");
      assertThat(e.message()).isEqualTo("expected true or false; got text");
    }

    @Test
    void duplicateRuleIdsAreRejectedNamingTheFirstRule() {
      ConfigError e = onlyError("""
          policy:
            rules:
              - { id: same, effect: allow }
              - { id: other, effect: deny }
              - { id: same, effect: deny }
          """);
      assertThat(e.path()).isEqualTo("policy.rules[2].id");
      assertThat(e.line()).isEqualTo(5);
      assertThat(e.message()).contains("duplicate rule id same").contains("line 3");
    }

    @Test
    void anEmptyConditionIsRejected() {
      assertThat(onlyError("policy:\n  rules:\n    - { id: r, effect: allow, when: '  ' }\n").path()).isEqualTo("policy.rules[0].when");
    }

    @Test
    void anUnknownBuiltinIsADanglingReference() {
      ConfigError e = onlyError("upstreams:\n  d:\n    builtin: shell\n");
      assertThat(e.path()).isEqualTo("upstreams.d.builtin");
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.message()).isEqualTo("unknown builtin \"shell\"; the builtins are: demo");
    }

    @ParameterizedTest(name = "upstream name {0} is rejected")
    @CsvSource({"Files", "1files", "files.v2", "a-name-that-is-much-too-long-for-a-prefix", "_x"})
    void upstreamNamesMustBeUsableAsToolPrefixes(String name) {
      ConfigError e = onlyError("upstreams:\n  " + name + ": { builtin: demo }\n");
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.column()).isEqualTo(3);
      assertThat(e.message()).contains("upstream name '" + name + "' is not valid");
    }

    @Test
    void agentIdsMustBeLowercaseIdentifiers() {
      ConfigError e = onlyError("agents:\n  CI Bot: { roles: [reader] }\n");
      assertThat(e.path()).isEqualTo("agents[\"CI Bot\"]");
      assertThat(e.message()).contains("agent id 'CI Bot' is not valid");
    }

    @Test
    void anUpstreamWithNoTransportIsRejected() {
      ConfigError e = onlyError("upstreams:\n  x:\n    timeout: 5s\n");
      assertThat(e.path()).isEqualTo("upstreams.x");
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.column()).isEqualTo(3);
      assertThat(e.message()).contains("exactly one of command").contains("found none of them");
    }

    @Test
    void anUpstreamWithTwoTransportsIsRejected() {
      ConfigError e = onlyError("upstreams:\n  x:\n    command: [node]\n    url: http://127.0.0.1:1/mcp\n");
      assertThat(e.path()).isEqualTo("upstreams.x");
      assertThat(e.message()).contains("found command and url");
    }

    @Test
    void aSettingOfAnotherTransportIsRejected() {
      ConfigError e = onlyError("upstreams:\n  x:\n    url: http://127.0.0.1:1/mcp\n    env: { A: b }\n");
      assertThat(e.path()).isEqualTo("upstreams.x.env");
      assertThat(e.line()).isEqualTo(4);
      assertThat(e.message()).isEqualTo("env applies only to command upstreams, but this one is a url upstream; remove it");
    }

    @Test
    void headersThatTheClientManagesCannotBeSet() {
      ConfigError e = onlyError("upstreams:\n  x:\n    url: http://127.0.0.1:1/mcp\n    headers: { Host: evil }\n");
      assertThat(e.path()).isEqualTo("upstreams.x.headers.Host");
      assertThat(e.line()).isEqualTo(4);
    }

    @Test
    void environmentVariableNamesAreChecked() {
      ConfigError e = onlyError("upstreams:\n  x:\n    command: [node]\n    env: { 'BAD-NAME': v }\n");
      assertThat(e.path()).isEqualTo("upstreams.x.env.BAD-NAME");
    }

    @Test
    void anOriginWithAPathIsRejected() {
      ConfigError e = onlyError("security:\n  allowed_origins: [https://a.example, https://b.example/app]\n");
      assertThat(e.path()).isEqualTo("security.allowed_origins[1]");
      assertThat(e.message()).contains("expected an origin");
    }

    @Test
    void anUnsupportedAuditStoreIsRejected() {
      ConfigError e = onlyError("audit:\n  store: postgres://db/audit\n");
      assertThat(e.path()).isEqualTo("audit.store");
      assertThat(e.message()).contains("expected sqlite:PATH");
    }

    @Test
    void outOfRangeNumbersAreRejected() {
      List<ConfigError> errors = invalid("limits:\n  max_body_bytes: 0\n  max_sessions: 99999999999999999999999\n  max_json_depth: 1.5\n");
      assertThat(errors).extracting(ConfigError::path).containsExactly("limits.max_body_bytes", "limits.max_sessions", "limits.max_json_depth");
    }
  }

  @Test
  void manyErrorsAreReportedAtOnceInFileOrder() {
    List<ConfigError> errors = invalid("""
        listen: nowhere
        limits:
          call_timeout: forever
          max_sesions: 3
        upstreams:
          Bad: { builtin: demo }
          both: { command: [x], url: http://h/mcp }
          web: { url: gopher://h }
        agents:
          bot: { keys: [nope] }
        policy:
          default: maybe
          rules:
            - { id: a, effect: allow }
            - { id: a, effect: sometimes }
        audit:
          batch_window: 5
        """);
    assertThat(errors).extracting(ConfigError::path).containsExactly(
        "listen",
        "limits.call_timeout",
        "limits.max_sesions",
        "upstreams.Bad",
        "upstreams.both",
        "upstreams.web.url",
        "agents.bot.keys[0]",
        "policy.default",
        "policy.rules[1].id",
        "policy.rules[1].effect",
        "audit.batch_window");
    assertThat(errors).extracting(ConfigError::line).containsExactly(1, 3, 4, 6, 7, 8, 10, 12, 15, 15, 17);
    assertThat(errors).allSatisfy(e -> assertThat(e.column()).isPositive());
  }

  @Test
  void aHugeNumberOfErrorsIsCappedWithANote() {
    StringBuilder sb = new StringBuilder("upstreams:\n");
    for (int i = 0; i < 300; i++) {
      sb.append("  u").append(i).append(": { builtin: nope }\n");
    }
    List<ConfigError> errors = invalid(sb.toString());
    assertThat(errors).hasSize(Errors.MAX_ERRORS + 1);
    assertThat(errors.getLast().message()).contains("only the first 100 are listed");
  }

  @Test
  void anErrorDescribesItselfWithPositionAndPath() {
    assertThat(new ConfigError("limits.call_timeout", 3, 17, "bad").describe()).isEqualTo("3:17 limits.call_timeout: bad");
    assertThat(new ConfigError("", 0, 0, "bad").toString()).isEqualTo("bad");
  }

  @Test
  void theErrorExampleInTheDocumentationIsWhatTheLoaderSays() throws Exception {
    String doc = Files.readString(Path.of("docs/configuration.md"));
    int from = doc.indexOf("Printed as `line:column path: message`");
    String yaml = doc.substring(doc.indexOf("```yaml\n", from) + 8, doc.indexOf("```", doc.indexOf("```yaml\n", from) + 8));
    int out = doc.indexOf("the loader reports", from);
    String expected = doc.substring(doc.indexOf("```\n", out) + 4, doc.indexOf("```", doc.indexOf("```\n", out) + 4)).strip();
    List<ConfigError> errors = invalid(ConfigLoader.parse(yaml, BASE, name -> null));
    assertThat(String.join("\n", errors.stream().map(ConfigError::describe).toList())).isEqualTo(expected);
  }
}
