package dev.bastion.audit;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A redactor that errs on the side of removing too much, used until the firewall's detectors exist.
 *
 * <p><b>Key rule.</b> An object member's value is replaced whole (whatever its type) by {@code
 * "[REDACTED:key-name]"} when its key names a secret. The key is split into words at {@code _ - .
 * space /}, at lower→upper camel-case boundaries and at digit/letter changes, and lower-cased. It
 * names a secret when one word is one of {@value #WORDS_DOC}, or when two adjacent words form {@code
 * api key}, {@code private key}, {@code access key}, {@code secret key}, {@code client secret} or
 * {@code set cookie}. Whole words only: {@code tokenizer_model}, {@code author}, {@code
 * authority}, {@code possession} and {@code keyboard} are not secret keys; {@code x-api-key},
 * {@code accessToken}, {@code AUTH_HEADER}, {@code sessionId} and {@code private_key} are.
 *
 * <p><b>Value rule.</b> In every string (and object key), spans with the shape of a known
 * credential are replaced by {@code "[REDACTED:<kind>]"}: AWS access key ids, GitHub tokens, Slack
 * tokens, Stripe live keys, Anthropic and OpenAI keys, JWTs, PEM private-key blocks and {@code
 * Bearer} credentials. Patterns are RE2 (linear time), so hostile input cannot make them slow.
 *
 * <p><b>Bounds.</b> After redaction, strings longer than {@code maxStringChars} keep their head and
 * get a {@code …[TRUNCATED:n chars]} marker; if the whole canonical text is still longer than
 * {@code maxTotalChars} it is replaced by {@code {"_truncated":{"chars":n,"prefix":"…"}}}. The
 * record's digest is always of the full original.
 */
public final class ConservativeRedactor implements ArgumentRedactor {
  static final String WORDS_DOC =
      "password(s), passwd, pwd, passphrase, secret(s), token (not tokens: max_tokens counts), auth, authorization, "
          + "credential(s), apikey(s), privatekey, cookie(s), session, bearer";

  private static final Set<String> SECRET_WORDS = Set.of(
      "password", "passwords", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "auth",
      "authorization", "credential", "credentials", "apikey", "apikeys", "privatekey", "cookie", "cookies",
      "session", "bearer");
  private static final Set<String> SECRET_PAIRS = Set.of(
      "api key", "api keys", "private key", "access key", "secret key", "client secret", "set cookie");


  /** Value patterns, applied in this order (Anthropic before OpenAI: both start {@code sk-}). */
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

  /** Defaults: strings up to 4096 chars, the whole copy up to 65536 chars. */
  public ConservativeRedactor() {
    this(4096, 65536);
  }

  public ConservativeRedactor(int maxStringChars, int maxTotalChars) {
    if (maxStringChars < 16 || maxTotalChars < 64) {
      throw new IllegalArgumentException("bounds too small: maxStringChars >= 16 and maxTotalChars >= 64 expected");
    }
    this.maxStringChars = maxStringChars;
    this.maxTotalChars = maxTotalChars;
  }

  @Override
  public String redact(JsonNode arguments) {
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

  /** Whether a key names a secret, by the word rules in the class comment. */
  public static boolean isSecretKey(String key) {
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

  /** The string with every credential-shaped span replaced by {@code [REDACTED:kind]}. */
  public static String redactValue(String s) {
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
