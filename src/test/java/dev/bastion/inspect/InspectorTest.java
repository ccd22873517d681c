package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.FirewallConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Actions over JSON trees: typed placeholders, canonical rewrites, limits, audit copies. */
class InspectorTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Inspector DEFAULT = new Inspector(FirewallConfig.DEFAULT);

  static JsonNode json(String s) {
    return JSON.readTree(s);
  }

  @Test
  void responseSecretsBecomeTypedPlaceholdersInTextAndStructuredContent() {
    JsonNode result = json("{\"content\":[{\"type\":\"text\",\"text\":\"key AKIAQ3EXAMPLE7KEY4ZZ here\"}],"
        + "\"structuredContent\":{\"env\":{\"token\":\"ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\"}}}");
    Inspector.Inspection i = DEFAULT.inspect(result, Direction.RESPONSE, "/result");
    assertThat(i.blocked()).isFalse();
    assertThat(i.rewritten().path("content").path(0).path("text").asString()).isEqualTo("key [REDACTED:aws_access_key] here");
    assertThat(i.rewritten().path("structuredContent").path("env").path("token").asString()).isEqualTo("[REDACTED:github_token]");
    assertThat(i.findings()).extracting(f -> f.detector() + "@" + f.location())
        .containsExactlyInAnyOrder("aws_access_key@/result/content/0/text", "github_token@/result/structuredContent/env/token");
    JsonNode clean = json("{\"content\":[{\"type\":\"text\",\"text\":\"key rotation is monthly\"}]}");
    assertThat(DEFAULT.inspect(clean, Direction.RESPONSE, "/result").findings()).isEmpty();
  }

  @Test
  void requestSecretsBlockByDefault() {
    Inspector.Inspection i = DEFAULT.inspect(json("{\"body\":\"use AKIAQ3EXAMPLE7KEY4ZZ\"}"), Direction.REQUEST, "/arguments");
    assertThat(i.blocked()).isTrue();
    assertThat(i.describe()).contains("aws_access_key at /arguments/body").doesNotContain("AKIA");
  }

  @Test
  void invisibleCharactersAreStrippedFromOutputAndAnsiToo() {
    JsonNode r = json("{\"text\":\"he\\u200bllo \\u001b[31mred\\u001b[0m\"}");
    Inspector.Inspection i = DEFAULT.inspect(r, Direction.RESPONSE, "");
    assertThat(i.rewritten().path("text").asString()).isEqualTo("hello red");
    assertThat(i.findings()).extracting(f -> f.detector()).contains("zero_width", "ansi_escape");
  }

  @Test
  void longLinesAndLargeResultsAreTruncatedWithAMarkerOrBlocked() {
    FirewallConfig small = new FirewallConfig(true, FirewallConfig.DEFAULT_ACTIONS, List.of(), true, 2048, 100, FirewallConfig.Oversize.TRUNCATE, Map.of());
    String line = "word ".repeat(100);
    Inspector.Inspection i = new Inspector(small).inspect(json("{\"text\":\"" + line + "\\nshort\"}"), Direction.RESPONSE, "");
    assertThat(i.rewritten().path("text").asString()).contains("…[TRUNCATED: 400 chars over max_line_chars]\nshort");
    FirewallConfig blocking = new FirewallConfig(true, FirewallConfig.DEFAULT_ACTIONS, List.of(), true, 2048, 100, FirewallConfig.Oversize.BLOCK, Map.of());
    assertThat(new Inspector(blocking).inspect(json("{\"text\":\"" + "x".repeat(3000) + "\"}"), Direction.RESPONSE, "").blocked()).isTrue();
    assertThat(new Inspector(blocking).inspect(json("{\"text\":\"short text\"}"), Direction.RESPONSE, "").blocked()).isFalse();
  }

  @Test
  void auditCopiesAreRedactedWhateverTheAction() {
    String audit = new FirewallRedactor(DEFAULT).redact(json("{\"note\":\"card 4111 1111 1111 1111, key AKIAQ3EXAMPLE7KEY4ZZ\",\"path\":\"notes/a.md\"}"));
    assertThat(audit).contains("[REDACTED:card_number]", "[REDACTED:aws_access_key]", "notes/a.md").doesNotContain("4111", "AKIAQ3");
  }
}
