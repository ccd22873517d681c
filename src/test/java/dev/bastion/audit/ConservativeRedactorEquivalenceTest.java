package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The redactor skips RE2 where a pattern's literal is absent and writes its canonical text without
 * building a redacted copy. {@link Legacy} is the implementation before that change, kept here as
 * the oracle: on the documented vectors and on random, secret-laden and hostile inputs both must
 * give the same text, the same redacted values and the same key verdicts.
 */
class ConservativeRedactorEquivalenceTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** The secret shapes, their near misses and the literals the pre-filter looks for. */
  private static final String[] PIECES = {
      "AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPL", "ABIA0123456789ABCDEF", "ACCAZZZZZZZZZZZZZZZZ", "AKIA", "ASIA",
      "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "gho_" + "a".repeat(40), "ghs_short", "gh", "github_pat_",
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "xoxb-1234567890-abcdefghij", "xoxz-1234567890",
      "xox", "sk_live_abcdefghijklmnop1234", "rk_live_abcdefghijklmnop1234", "k_live_", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
      "sk-proj-abcdefghijklmnopqrstuvwxyz0123", "sk-" + "x".repeat(25), "sk-short", "sk-", "sk-ant-",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl", "eyJ", "eyJabcd.eyJefgh.", "Bearer abcdef123456789",
      "bearer\tZZZZZZZZZZ", "BEARER x", "BeArEr ab.cd~ef+gh/ij=", "bearer", "beare", "Authorization: ",
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\nabc",
      "-----BEGIN PUBLIC KEY-----", "-----BEGIN", "-----END PRIVATE KEY-----", "[REDACTED:jwt]", "#2",
      " ", "-", "_", ".", "/", ":", "\n", "\t", "=", "hello", "world", "path", "/tmp/x", "ſ", "\u212A", "\u212B", "ß",
      "İ", "é", "日本", "\uD83D\uDE00", "\uD800", "\uDC00", "0", "42", "Z", "a"};

  private static final String[] KEY_PARTS = {
      "password", "Passwd", "pwd", "passphrase", "secret", "Secrets", "token", "tokens", "Token", "auth", "AUTH",
      "authorization", "Author", "authority", "credential", "Credentials", "apikey", "APIKEY", "api", "Api", "key",
      "Key", "KEY", "keys", "private", "Private", "access", "Access", "client", "Client", "set", "Set", "cookie",
      "Cookies", "session", "Session", "bearer", "Bearer", "possession", "keyboard", "monkey", "tokenizer", "max", "id",
      "Id", "ID", "x", "X", "2", "v2", "model", "path", "name", "_", "-", ".", " ", "/", "ſ", "\u212A", "é", "İ"};

  private static String join(Random rnd, String[] parts, int max) {
    StringBuilder b = new StringBuilder();
    for (int i = rnd.nextInt(max); i >= 0; i--) {
      b.append(parts[rnd.nextInt(parts.length)]);
    }
    return b.toString();
  }

  private static String randomText(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> join(rnd, PIECES, 6);
      case 1 -> {
        StringBuilder b = new StringBuilder();
        for (int i = rnd.nextInt(40); i >= 0; i--) {
          b.append((char) (rnd.nextBoolean() ? 32 + rnd.nextInt(95) : rnd.nextInt(0x3000)));
        }
        yield b.toString();
      }
      case 2 -> join(rnd, KEY_PARTS, 5);
      default -> "some ordinary text " + rnd.nextInt(1000);
    };
  }

  private static JsonNode randomNode(Random rnd, int depth) {
    int kind = depth > 3 ? 2 + rnd.nextInt(5) : rnd.nextInt(7);
    switch (kind) {
      case 0 -> {
        ObjectNode o = F.objectNode();
        for (int i = rnd.nextInt(6); i > 0; i--) {
          String key = rnd.nextInt(3) == 0 ? join(rnd, PIECES, 2) : join(rnd, KEY_PARTS, 3);
          o.set(key, randomNode(rnd, depth + 1));
        }
        if (rnd.nextInt(4) == 0) { // keys that redaction makes equal, and one already named like the result
          o.put("AKIAIOSFODNN7EXAMPLE", 1);
          o.put("AKIAIOSFODNN7EXAMPLF", 2);
          o.put("[REDACTED:aws-access-key]#2", 3);
          o.put("[REDACTED:aws-access-key]", 4);
        }
        return o;
      }
      case 1 -> {
        ArrayNode a = F.arrayNode();
        for (int i = rnd.nextInt(5); i > 0; i--) {
          a.add(randomNode(rnd, depth + 1));
        }
        return a;
      }
      case 2, 3 -> {
        return F.stringNode(randomText(rnd));
      }
      case 4 -> {
        return rnd.nextBoolean() ? F.numberNode(rnd.nextLong()) : F.numberNode(new java.math.BigDecimal("1.50"));
      }
      case 5 -> {
        return F.booleanNode(rnd.nextBoolean());
      }
      default -> {
        return F.nullNode();
      }
    }
  }

  @Test
  void randomAndSecretLadenValuesAreRedactedExactlyAsBefore() {
    Random rnd = new Random(8);
    for (int i = 0; i < 20_000; i++) {
      String s = randomText(rnd);
      assertThat(ConservativeRedactor.redactValue(s)).as(s).isEqualTo(Legacy.redactValue(s));
    }
  }

  @Test
  void randomKeysGetTheSameVerdictAsBefore() {
    Random rnd = new Random(9);
    for (int i = 0; i < 20_000; i++) {
      String k = i % 2 == 0 ? join(rnd, KEY_PARTS, 4) : randomText(rnd);
      assertThat(ConservativeRedactor.isSecretKey(k)).as(k).isEqualTo(Legacy.isSecretKey(k));
    }
  }

  @Test
  void randomArgumentTreesGiveTheSameTextAsBefore() {
    Random rnd = new Random(10);
    ConservativeRedactor now = new ConservativeRedactor();
    Legacy before = new Legacy(4096, 65536);
    ConservativeRedactor small = new ConservativeRedactor(16, 200);
    Legacy smallBefore = new Legacy(16, 200);
    for (int i = 0; i < 3000; i++) {
      JsonNode args = randomNode(rnd, 0);
      assertThat(now.redact(args)).as(args.toString()).isEqualTo(before.redact(args));
      assertThat(small.redact(args)).as(args.toString()).isEqualTo(smallBefore.redact(args));
    }
    assertThat(now.redact(null)).isEqualTo(before.redact(null)).isEqualTo("null");
  }

  @Test
  void theDocumentedVectorsAndHostileInputGiveTheSameTextAsBefore() {
    List<String> vectors = new ArrayList<>(List.of(PIECES));
    vectors.add("sk-" + "a".repeat(200_000) + "!" + "eyJ".repeat(50_000));
    vectors.add("Authorization: Bearer abcdef123456789 and AKIAIOSFODNN7EXAMPLE and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig");
    vectors.add("task-manager-for-the-whole-organisation");
    vectors.add("the tokenizer is bpe");
    for (String v : vectors) {
      assertThat(ConservativeRedactor.redactValue(v)).isEqualTo(Legacy.redactValue(v));
    }
    ObjectNode args = F.objectNode();
    args.put("password", "hunter2").put("tokenizer_model", "bpe").put("author", "Ada").put("text", "x".repeat(10_000));
    args.putArray("cmd").add("curl").add("-H").add("Authorization: Bearer abcdefghijk12345");
    args.putObject("auth").put("user", "u");
    assertThat(new ConservativeRedactor().redact(args)).isEqualTo(new Legacy(4096, 65536).redact(args));
  }

  /** ConservativeRedactor as it was before the pre-filter (the oracle). */
  static final class Legacy {
    private static final Set<String> SECRET_WORDS = Set.of(
        "password", "passwords", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "auth",
        "authorization", "credential", "credentials", "apikey", "apikeys", "privatekey", "cookie", "cookies",
        "session", "bearer");
    private static final Set<String> SECRET_PAIRS = Set.of(
        "api key", "api keys", "private key", "access key", "secret key", "client secret", "set cookie");
    private static final List<Map.Entry<String, Pattern>> VALUE_PATTERNS = List.of(
        Map.entry("private-key", Pattern.compile(
            "(?s)-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)")),
        Map.entry("jwt", Pattern.compile("\\beyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*")),
        Map.entry("bearer-token", Pattern.compile("(?i)\\bbearer[ \\t]+[A-Za-z0-9._~+/=-]{8,}")),
        Map.entry("aws-access-key", Pattern.compile("\\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\\b")),
        Map.entry("github-token", Pattern.compile("\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})")),
        Map.entry("slack-token", Pattern.compile("\\bxox[abposr]-[A-Za-z0-9-]{10,}")),
        Map.entry("stripe-key", Pattern.compile("\\b[sr]k_live_[A-Za-z0-9]{16,}")),
        Map.entry("anthropic-key", Pattern.compile("\\bsk-ant-[A-Za-z0-9_-]{20,}")),
        Map.entry("openai-key", Pattern.compile("\\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")));

    private final int maxStringChars;
    private final int maxTotalChars;

    Legacy(int maxStringChars, int maxTotalChars) {
      this.maxStringChars = maxStringChars;
      this.maxTotalChars = maxTotalChars;
    }

    String redact(JsonNode arguments) {
      JsonNode copy = redactNode(arguments == null ? JsonNodeFactory.instance.nullNode() : arguments);
      String text = CanonicalJson.write(copy);
      if (text.length() <= maxTotalChars) {
        return text;
      }
      ObjectNode marker = JsonNodeFactory.instance.objectNode();
      ObjectNode inner = marker.putObject("_truncated");
      inner.put("chars", text.length());
      inner.put("bytes", text.getBytes(StandardCharsets.UTF_8).length);
      inner.put("prefix", text.substring(0, Math.max(0, maxTotalChars / 2)));
      return CanonicalJson.write(marker);
    }

    static boolean isSecretKey(String key) {
      List<String> words = words(key);
      for (int i = 0; i < words.size(); i++) {
        if (SECRET_WORDS.contains(words.get(i))) {
          return true;
        }
        if (i + 1 < words.size() && SECRET_PAIRS.contains(words.get(i) + " " + words.get(i + 1))) {
          return true;
        }
      }
      return false;
    }

    static String redactValue(String s) {
      String out = s;
      for (Map.Entry<String, Pattern> p : VALUE_PATTERNS) {
        Matcher m = p.getValue().matcher(out);
        if (m.find()) {
          out = m.replaceAll("[REDACTED:" + p.getKey() + "]");
        }
      }
      return out;
    }

    static List<String> words(String key) {
      List<String> words = new ArrayList<>();
      StringBuilder word = new StringBuilder();
      char prev = 0;
      for (int i = 0; i < key.length(); i++) {
        char c = key.charAt(i);
        boolean letterOrDigit = c < 128 && Character.isLetterOrDigit(c);
        boolean boundary = !letterOrDigit
            || (Character.isLowerCase(prev) && Character.isUpperCase(c))
            || (Character.isUpperCase(prev) && Character.isUpperCase(c)
                && i + 1 < key.length() && Character.isLowerCase(key.charAt(i + 1)))
            || (Character.isLetter(prev) && Character.isDigit(c))
            || (Character.isDigit(prev) && Character.isLetter(c));
        if (boundary && !word.isEmpty()) {
          words.add(word.toString().toLowerCase(Locale.ROOT));
          word.setLength(0);
        }
        if (letterOrDigit) {
          word.append(c);
        }
        prev = letterOrDigit ? c : 0;
      }
      if (!word.isEmpty()) {
        words.add(word.toString().toLowerCase(Locale.ROOT));
      }
      return words;
    }

    private JsonNode redactNode(JsonNode node) {
      if (node.isObject()) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          String key = uniqueKey(out, redactValue(e.getKey()));
          if (isSecretKey(e.getKey())) {
            out.put(key, "[REDACTED:key-name]");
          } else {
            out.set(key, redactNode(e.getValue()));
          }
        }
        return out;
      }
      if (node.isArray()) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode element : node.values()) {
          out.add(redactNode(element));
        }
        return out;
      }
      if (node.isString()) {
        return JsonNodeFactory.instance.stringNode(truncate(redactValue(node.stringValue())));
      }
      return node;
    }

    private String truncate(String s) {
      if (s.length() <= maxStringChars) {
        return s;
      }
      int cut = maxStringChars;
      if (Character.isHighSurrogate(s.charAt(cut - 1))) {
        cut--;
      }
      return s.substring(0, cut) + "…[TRUNCATED:" + s.length() + " chars]";
    }

    private static String uniqueKey(ObjectNode out, String key) {
      String k = key;
      for (int i = 2; out.has(k); i++) {
        k = key + "#" + i;
      }
      return k;
    }
  }
}
