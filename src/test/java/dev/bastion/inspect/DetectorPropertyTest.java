package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.bastion.config.FirewallConfig;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Seeded random property tests of the canonicaliser and detectors (Jazzer is not available in this
 * build's dependency set, so these stand in for coverage-guided fuzzing): inputs assembled from the
 * fragments the code branches on, including lone surrogates and cut-off escape sequences. No
 * exception, spans inside the text, canonical form free of what it removes and stable under a
 * second pass. Pathological repetitions must finish (a hang guard, not a performance measurement).
 */
class DetectorPropertyTest {
  static final List<String> FRAGMENTS = List.of(
      "\u001b", "\u001b[", "\u001b[31m", "\u001b]0;t\u0007", "\u009b", "\u200b", "\u202e", "\u2066", "\ufeff", "\u00ad",
      "\udb40\udc41", "\udb40", "\udc41", "\ud800", "é", "е", "о", "ﬁ", "Ａ", "%", "%2", "%25", "%41", "&#", "&#x41;", "&lt;", "&",
      ";", "<", "<!--", "-->", "<|", "|>", "[INST]", "<span style=\"display:none\">", "</span>", "[", "](", "![a](http://x.test/?q=",
      ")", "\n", "User:", "ignore", " all previous instructions", "decode", " base64 ", "AKIA", "QWERTYUIOP123456", "ghp_",
      "sk-", "eyJ", ".", "-----BEGIN RSA PRIVATE KEY-----", "-----END", "@", "example.org", "4111 1111 1111 1111", "+44 ", "DE89",
      " 3704 0044 0532 0130 00", "123-45-6789", "password=", "token: ", "=", "/", "YWJj", "0123456789abcdef", "\t", " ", "x");

  private static final Scanner SCANNER = new Scanner(java.util.Set.of("docs.example.com"));

  static String random(Random r, int pieces) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      if (r.nextInt(8) == 0) {
        sb.append((char) r.nextInt(0x10000));
      } else {
        sb.append(FRAGMENTS.get(r.nextInt(FRAGMENTS.size())));
      }
    }
    return sb.toString();
  }

  @Test
  void randomInputsNeverThrowAndSpansStayInBounds() {
    Random r = new Random(20261130L);
    for (int iteration = 0; iteration < 5_000; iteration++) {
      String input = random(r, 1 + r.nextInt(60));
      Scanner.Result result = SCANNER.inspect(input);
      String canonical = result.canonical().text();
      for (Hit h : result.hits()) {
        assertThat(h.start()).as(input).isBetween(0, canonical.length());
        assertThat(h.end()).as(input).isBetween(h.start(), canonical.length());
      }
      assertThat(canonical).as("%s -> %s", escape(input), escape(canonical)).doesNotContain("\u001b", "\u200b", "\u202e", "\ufeff", "\udb40\udc41");
      assertThat(Canonicalizer.canonicalize(canonical).text()).as("stable: %s -> %s", escape(input), escape(canonical)).isEqualTo(canonical);
      String redacted = Redaction.apply(canonical, result.hits());
      assertThat(redacted).isNotNull();
    }
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    s.chars().forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04x", c)));
    return sb.toString();
  }

  @Test
  void randomJsonTreesAreInspectedInBothDirections() {
    Random r = new Random(7L);
    Inspector inspector = new Inspector(FirewallConfig.DEFAULT);
    for (int iteration = 0; iteration < 500; iteration++) {
      ObjectNode tree = JsonNodeFactory.instance.objectNode();
      var content = tree.putArray("content");
      for (int k = 0; k < 1 + r.nextInt(4); k++) {
        content.addObject().put("type", "text").put("text", random(r, 1 + r.nextInt(40)));
      }
      tree.putObject("structuredContent").put("note", random(r, 10));
      for (Direction d : List.of(Direction.REQUEST, Direction.RESPONSE)) {
        Inspector.Inspection i = inspector.inspect(tree, d, "");
        assertThat(i.findings()).allSatisfy(f -> assertThat(f.direction()).isEqualTo(d.id()));
      }
      assertThat(inspector.redactAll(tree)).isNotNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"<!--", "](", "[", "<|", "ignore ", "User:\n", "%25", "&#x26;", "-----BEGIN PRIVATE KEY-----", "A", "4", "+1 ", "\u001b[", "\u200b", "eyJ.", "@a.", "ab"})
  void pathologicalRepetitionFinishes(String unit) {
    String input = unit.repeat(400_000 / unit.length());
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> SCANNER.inspect(input));
  }
}
