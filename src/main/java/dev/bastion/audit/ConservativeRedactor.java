package dev.bastion.audit;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
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


  /**
   * A value pattern with the literal text every match of it contains ({@code mayMatch}): a string
   * without that text cannot match, so the RE2 matcher is not run on it. Most strings contain none
   * of these literals, which makes redaction of ordinary text a few {@code indexOf} scans.
   */
  private record ValuePattern(String kind, Pattern pattern, String replacement, Predicate<String> mayMatch) {
    ValuePattern(String kind, String regex, Predicate<String> mayMatch) {
      this(kind, Pattern.compile(regex), "[REDACTED:" + kind + "]", mayMatch);
    }
  }

  /** Value patterns, applied in this order (Anthropic before OpenAI: both start {@code sk-}). */
  private static final List<ValuePattern> VALUE_PATTERNS = List.of(
      new ValuePattern("private-key",
          "(?s)-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)",
          s -> s.contains("-----BEGIN")),
      new ValuePattern("jwt", "\\beyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*", s -> s.contains("eyJ")),
      // (?i) folds b, e, a and r only to their ASCII capitals (no other Unicode case orbit)
      new ValuePattern("bearer-token", "(?i)\\bbearer[ \\t]+[A-Za-z0-9._~+/=-]{8,}", s -> containsAsciiIgnoreCase(s, "bearer")),
      new ValuePattern("aws-access-key", "\\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\\b",
          s -> s.contains("AKIA") || s.contains("ASIA") || s.contains("ABIA") || s.contains("ACCA")),
      new ValuePattern("github-token", "\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
          s -> s.contains("gh") || s.contains("github_pat_")),
      new ValuePattern("slack-token", "\\bxox[abposr]-[A-Za-z0-9-]{10,}", s -> s.contains("xox")),
      new ValuePattern("stripe-key", "\\b[sr]k_live_[A-Za-z0-9]{16,}", s -> s.contains("k_live_")),
      new ValuePattern("anthropic-key", "\\bsk-ant-[A-Za-z0-9_-]{20,}", s -> s.contains("sk-ant-")),
      new ValuePattern("openai-key", "\\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", s -> s.contains("sk-")));

  /**
   * Lower-case ASCII text that every secret key contains (ignoring ASCII case): each secret word
   * and each word of each secret pair contains one of them. A key without any is not secret, and
   * its words need not be split out.
   */
  private static final List<String> KEY_NEEDLES =
      List.of("pass", "pwd", "secret", "token", "auth", "credential", "key", "cookie", "session", "bearer");

  private static final String KEY_NAME_REDACTED = "[REDACTED:key-name]";

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
    JsonNode in = arguments == null ? JsonNodeFactory.instance.nullNode() : arguments;
    String text = CanonicalJson.write(g -> writeRedacted(g, in));
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
    if (!mayNameSecret(key)) {
      return false;
    }
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
    for (ValuePattern p : VALUE_PATTERNS) {
      if (!p.mayMatch().test(out)) {
        continue; // cannot match: the literal every match contains is absent
      }
      Matcher m = p.pattern().matcher(out);
      if (m.find()) {
        out = m.replaceAll(p.replacement());
      }
    }
    return out;
  }

  private static boolean mayNameSecret(String key) {
    for (String needle : KEY_NEEDLES) {
      if (containsAsciiIgnoreCase(key, needle)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code s} contains {@code lower} (lower-case ASCII), ignoring the case of ASCII letters only. */
  static boolean containsAsciiIgnoreCase(String s, String lower) {
    int n = lower.length();
    char first = lower.charAt(0);
    for (int i = 0, last = s.length() - n; i <= last; i++) {
      if (asciiLower(s.charAt(i)) != first) {
        continue;
      }
      int j = 1;
      while (j < n && asciiLower(s.charAt(i + j)) == lower.charAt(j)) {
        j++;
      }
      if (j == n) {
        return true;
      }
    }
    return false;
  }

  private static char asciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
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

  /**
   * Writes the canonical JSON of the redacted copy of {@code node} without building the copy: the
   * same text as {@code CanonicalJson.write} of a tree in which every key went through {@link
   * #redactValue} (made unique with {@code #2}, {@code #3}… in the original order when two became
   * equal), every value under a secret key became {@code "[REDACTED:key-name]"}, and every string
   * was redacted and truncated.
   */
  private void writeRedacted(JsonGenerator g, JsonNode node) {
    if (node.isObject()) {
      List<Member> members = new ArrayList<>(node.size());
      boolean renamed = false;
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String key = redactValue(e.getKey());
        renamed |= !key.equals(e.getKey());
        members.add(new Member(key, isSecretKey(e.getKey()) ? null : e.getValue()));
      }
      if (renamed) {
        uniqueKeys(members);
      }
      members.sort(Comparator.comparing(Member::key));
      g.writeStartObject();
      for (Member m : members) {
        g.writeName(m.key());
        if (m.value() == null) {
          g.writeString(KEY_NAME_REDACTED);
        } else {
          writeRedacted(g, m.value());
        }
      }
      g.writeEndObject();
    } else if (node.isArray()) {
      g.writeStartArray();
      for (JsonNode element : node.values()) {
        writeRedacted(g, element);
      }
      g.writeEndArray();
    } else if (node.isString()) {
      g.writeString(truncate(redactValue(node.stringValue())));
    } else {
      CanonicalJson.writeNode(g, node);
    }
  }

  /** An object member of the redacted copy; {@code value} null when the key names a secret. */
  private record Member(String key, JsonNode value) {}

  /** Keys that redaction made equal get {@code #2}, {@code #3}…, first come first kept. */
  private static void uniqueKeys(List<Member> members) {
    Set<String> placed = new HashSet<>();
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      String k = m.key();
      for (int n = 2; placed.contains(k); n++) {
        k = m.key() + "#" + n;
      }
      placed.add(k);
      if (!k.equals(m.key())) {
        members.set(i, new Member(k, m.value()));
      }
    }
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
}
