package dev.bastion.inspect;

import com.google.re2j.Matcher;
import dev.bastion.inspect.Hit.Category;
import java.util.List;
import java.util.Locale;

/**
 * Secrets without a vendor format, for {@link Scanner}: a long, high-entropy value after a key word
 * ({@code token=…}, {@code "secret": "…"}, {@code Bearer …}), a short value after a password key
 * word, PEM private keys, and the vendor formats of {@link SecretRules} on one token.
 */
final class SecretScan {
  private SecretScan() {}

  /** The vendor formats ({@link SecretRules}) in one token that starts at {@code start} of the text {@code a}. */
  static void vendorFormats(byte[] a, String token, int start, boolean prefilter, List<Hit> hits) {
    int end = start + token.length();
    // the token's characters, a bit each: 0..63 in lo, 64..127 in hi (token characters are ASCII)
    long lo = 0;
    long hi = 0;
    for (int k = prefilter ? start : end; k < end; k++) {
      int c = a[k];
      long bit = 1L << c; // shifts are mod 64
      long below64 = (c - 64) >> 31; // all ones if c < 64
      lo |= bit & below64;
      hi |= bit & ~below64;
    }
    if (!prefilter) {
      for (SecretRules.Rule rule : SecretRules.RULES) {
        if (rule.hinted(token)) {
          match(rule, token, start, hits);
        }
      }
      return;
    }
    // Every hint of every rule, in rule order: a rule whose characters for one hint are all in the
    // token gets its substring search (and, if hinted, its pattern) once, where the first such hint is.
    long[] masks = SecretRules.HINT_MASKS;
    int[] ruleOf = SecretRules.HINT_RULE;
    int last = -1;
    for (int h = 0; h < ruleOf.length; h++) {
      int r = ruleOf[h];
      if (r != last && (lo & masks[2 * h]) == masks[2 * h] && (hi & masks[2 * h + 1]) == masks[2 * h + 1]) {
        last = r;
        SecretRules.Rule rule = SecretRules.RULES.get(r);
        if (rule.hinted(token)) {
          match(rule, token, start, hits);
        }
      }
    }
  }

  private static void match(SecretRules.Rule rule, String token, int start, List<Hit> hits) {
    Matcher m = rule.pattern().matcher(token);
    while (m.find()) {
      if (SecretRules.accept(rule, token, m)) {
        hits.add(new Hit(Category.SECRET, rule.detector(), start + m.start(), start + m.end()));
      }
    }
  }

  private static final String[] KEYWORDS = {
    "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key", "access_key",
    "private_key", "client_secret", "credential", "auth", "bearer", "aws_secret_access_key"
  };

  /**
   * Where the value of a {@code key=value} or {@code key:value} token starts, relative to the
   * token: after its last {@code =} or {@code :}, or 0 when there is none or it is the token's last
   * character; read from the text's bytes {@code a[start, end)}.
   */
  static int valueFrom(byte[] a, int start, int end) {
    if (a[end - 1] == '=' || a[end - 1] == ':') {
      return 0; // the last separator ends the token: no value after it
    }
    for (int k = end - 2; k >= start; k--) {
      if (a[k] == '=' || a[k] == ':') {
        return k + 1 - start;
      }
    }
    return 0;
  }

  /** A long, high-entropy value right after a key word ({@code token=…}, {@code "secret": "…"}, {@code Bearer …}). */
  static void genericSecret(String text, byte[] a, String token, int start, int valueFrom, List<Hit> hits) {
    int valueLen = token.length() - valueFrom;
    if (valueLen < 16 || token.startsWith("http", valueFrom) || token.indexOf("://") >= 0) {
      return;
    }
    String key = valueFrom > 0 ? token.substring(0, valueFrom) : keyBefore(text, a, start);
    if (key == null || !namesSecret(key)) {
      return;
    }
    if (SecretRules.entropy(token, valueFrom, token.length()) >= 3.0 && SecretRules.hasDigitAndLetter(token, valueFrom, token.length())) {
      hits.add(new Hit(Category.SECRET, "generic_secret", start + valueFrom, start + token.length()));
    }
  }

  /** A short value after a password key word ({@code password=hunter22}). */
  static void shortSecret(String text, byte[] a, String token, int start, int valueFrom, List<Hit> hits) {
    if (token.length() - valueFrom < 6) {
      return;
    }
    String key = valueFrom > 0 ? token.substring(0, valueFrom) : keyBefore(text, a, start);
    if (key == null || key.length() < 3) {
      return; // shorter than "pwd"
    }
    String k = key.toLowerCase(Locale.ROOT);
    if ((k.contains("password") || k.contains("passwd") || k.contains("passphrase") || k.endsWith("pwd") || k.endsWith("pwd:") || k.endsWith("pwd="))
        && !SecretRules.placeholder(token.substring(valueFrom))) {
      hits.add(new Hit(Category.SECRET, "password", start + valueFrom, start + token.length()));
    }
  }

  /** The word before a value separated by {@code : = "'} and blanks, or null. */
  private static String keyBefore(String text, byte[] a, int start) {
    long span = keySpan(text, a, start);
    return span < 0 ? null : text.substring((int) (span >>> 32), (int) span);
  }

  /** {@link #keyBefore} as {@code from << 32 | to}, or -1: no substring for the common "no key" answer. */
  static long keySpan(String text, byte[] a, int start) {
    int j = start - 1;
    int limit = Math.max(0, start - 8);
    boolean sawSeparator = false;
    while (j >= limit) {
      byte c = a[j];
      if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == ':' || c == '=') {
        sawSeparator |= c != ' ' && c != '\t' || j < start - 1;
        j--;
        continue;
      }
      break;
    }
    if (j < 0 || j == start - 1) {
      return -1;
    }
    int wordEnd = j + 1;
    if (!sawSeparator && a[j] >= 0 && (a[j] | 0x20) != 'r') {
      return -1; // without a separator only "bearer" counts (an ASCII character other than r cannot end it)
    }
    // without a separator only "bearer" counts, so the walk back can stop after seven characters
    int reach = sawSeparator ? 40 : 8;
    int k = j;
    while (k >= 0 && wordEnd - k < reach) {
      if (!isKeyChar(text, a, k)) {
        break;
      }
      k--;
    }
    if (!sawSeparator && !(wordEnd - (k + 1) == 6 && text.regionMatches(true, k + 1, "bearer", 0, 6))) {
      return -1;
    }
    return (long) (k + 1) << 32 | wordEnd;
  }

  private static boolean isKeyChar(String text, byte[] a, int k) {
    byte c = a[k];
    return c == '_' || c == '-' || AsciiBytes.isLetterOrDigit(text, a, k);
  }

  private static boolean namesSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    for (String w : KEYWORDS) {
      if (k.contains(w)) {
        return true;
      }
    }
    return k.endsWith("key") || k.endsWith("key=") || k.endsWith("key:");
  }

  static int pem(String text, int start, List<Hit> hits) {
    int lineEnd = text.indexOf('\n', start);
    String header = text.substring(start, lineEnd < 0 ? Math.min(text.length(), start + 80) : Math.min(lineEnd, start + 80));
    if (!header.contains("PRIVATE KEY-----")) {
      return start + 10;
    }
    int endMarker = Scanner.indexOf(text, "-----END", start + 10, start + 64 * 1024);
    int end;
    if (endMarker < 0) {
      end = Math.min(text.length(), start + 64 * 1024);
    } else {
      int close = Scanner.indexOf(text, "-----", endMarker + 8, endMarker + 120);
      end = close < 0 ? Math.min(text.length(), endMarker + 120) : close + 5;
    }
    hits.add(new Hit(Category.SECRET, "private_key", start, end));
    return end;
  }
}
