package dev.bastion.flow;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content fingerprints flow control compares: <em>windows</em> (hashes of every run of
 * {@link #WINDOW} letters and digits of the NFKC-normalised, lower-cased text with everything else
 * removed, so that re-spacing, punctuation and line breaks do not hide a copy) and <em>tokens</em>
 * (identifiers worth following on their own: e-mail addresses, hosts, URLs, account numbers, keys —
 * whole words that contain a digit, an {@code @} or a dot between letters; file-system paths; and
 * parameters spelled out as {@code name=value} or {@code name: value}, kept as that pair so that a
 * plain word such as {@code all} only matches an argument of that name).
 *
 * <p>Arguments are also <em>decoded</em> before matching: URL-decoding, base64 (standard and
 * URL-safe), hex, and the leading labels of a host name joined (DNS exfiltration), recursively to a
 * bounded depth, so that re-encoded data still matches its origin. All work is bounded by the
 * length caps below.
 */
public final class Fingerprints {
  /** Letters and digits per window: long enough that ordinary phrases rarely collide. */
  public static final int WINDOW = 20;
  /** Longest text (in chars) one value contributes. */
  static final int MAX_TEXT = 256 * 1024;
  /** Decoded variants produced for one argument value. */
  static final int MAX_VARIANTS = 32;
  static final int MAX_DEPTH = 2;

  /** Shortest run of base64 characters (standard or URL-safe alphabet) tried as base64. */
  private static final int MIN_BASE64_RUN = 16;
  /** Shortest run of hex digits (an even count) tried as hex. */
  private static final int MIN_HEX_RUN = 16;
  private static final Pattern URL = Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]{1,15}://[^\\s\"'<>()]+");
  private static final Pattern IBAN = Pattern.compile("\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\\b");
  private static final Pattern URL_HOST = Pattern.compile("://([^/?#:@\\s]+)");
  /** {@code name=value} or {@code name: value} — the way an error or a page spells out a parameter. */
  private static final Pattern PAIR = Pattern.compile("(?<![\\p{L}\\p{N}_.])([A-Za-z][A-Za-z0-9_.-]{0,63})\\s?[=:]\\s?[\"']?(?!//)([\\p{L}\\p{N}_./@+-]{1,128})");
  private static final Pattern ANGLE = Pattern.compile("<([^<>]{3,320})>");
  // The three patterns above are the only regexes left, and each runs only when the text has what
  // its match must contain (see Scan): on most texts (prose, ids, short values) no matcher is made.
  // Words, their trimming and the path, domain and dotted-name shapes are single linear scans that
  // accept exactly what these patterns did (FingerprintsEquivalenceTest compares them with the
  // regex versions on random and attack inputs):
  //   word separators  [\s"'<>()\[\]{},;|`]+
  //   token trim       ^[^\p{L}\p{N}]+|[^\p{L}\p{N}/]+$
  //   dotted name      .*[\p{L}\p{N}]\.[\p{L}]{2,}.*
  //   domain           [\p{L}\p{N}.-]+\.[\p{L}]{2,}
  //   path             (?:~|\.{1,2})?/[\p{L}\p{N}._@+-]+(?:/[\p{L}\p{N}._@+-]*)*|[A-Za-z]:\\[\p{L}\p{N}._ \\-]+
  /** Parameter pairs taken from one text. */
  static final int MAX_PAIRS = 256;

  private Fingerprints() {}

  /** NFKC, lower case, letters and digits only (the text windows are taken over). */
  public static String compact(String text) {
    String s = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
    if (isAscii(s)) {
      // NFKC leaves ASCII as it is, and lower-casing it is one subtraction
      StringBuilder out = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
          out.append(c);
        } else if (c >= 'A' && c <= 'Z') {
          out.append((char) (c + ('a' - 'A')));
        }
      }
      return out.toString();
    }
    s = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (Character.isLetterOrDigit(cp)) {
        out.appendCodePoint(cp);
      }
      i += Character.charCount(cp);
    }
    return out.toString();
  }

  /** The hash of every window of a compacted text, in order (empty when shorter than a window). */
  public static long[] windows(String compacted) {
    int n = compacted.length() - WINDOW + 1;
    if (n <= 0) {
      return new long[0];
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = hash(compacted, i, i + WINDOW);
    }
    return out;
  }

  /** 64-bit FNV-1a over the chars of {@code s[from, to)}. */
  static long hash(CharSequence s, int from, int to) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      h ^= c & 0xff;
      h *= 0x100000001b3L;
      h ^= c >>> 8;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** The normalised form a token or a key argument is compared in. */
  public static String normaliseToken(String raw) {
    String s = raw.strip();
    if (!isAscii(s)) {
      s = Normalizer.normalize(s, Normalizer.Form.NFKC);
    }
    s = trim(s.toLowerCase(Locale.ROOT));
    if (s.startsWith("mailto:")) {
      s = s.substring("mailto:".length());
    }
    return s;
  }

  /** The tokens worth following in a text: URLs and their hosts, e-mail addresses, IBANs, identifiers. */
  public static Set<String> tokens(String text) {
    String s = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
    Set<String> out = new LinkedHashSet<>();
    int scan = scan(s);
    if ((scan & IBAN_START) != 0) {
      Matcher iban = IBAN.matcher(s);
      while (iban.find()) {
        out.add(iban.group().replace(" ", "").toLowerCase(Locale.ROOT));
      }
    }
    if ((scan & SCHEME) != 0) {
      Matcher url = URL.matcher(s);
      while (url.find()) {
        String u = normaliseToken(url.group());
        out.add(u);
        String host = host(u);
        if (host != null) {
          out.add(host);
        }
      }
    }
    if ((scan & PAIR_MARK) != 0) {
      Matcher pair = PAIR.matcher(s);
      for (int n = 0; n < MAX_PAIRS && pair.find(); n++) {
        String value = normaliseToken(pair.group(2));
        if (!value.isEmpty()) {
          out.add(pairForm(pair.group(1), value));
        }
      }
    }
    int n = s.length();
    for (int i = 0; i < n; ) {
      while (i < n && separates(s.charAt(i))) {
        i++;
      }
      int start = i;
      boolean slashed = false;
      while (i < n && !separates(s.charAt(i))) {
        char c = s.charAt(i);
        slashed |= c == '/' || c == '\\';
        i++;
      }
      if (i > start) {
        word(s.substring(start, i), slashed, out);
      }
    }
    return out;
  }

  /** The tokens of one word (a run of non-separators): a path, and the word itself when interesting. */
  private static void word(String word, boolean slashed, Set<String> out) {
    if (slashed && word.length() >= 4 && isPath(word)) {
      String p = pathForm(word);
      if (p.length() >= 3) {
        out.add(p);
      }
    }
    if (word.length() < 6 && isAscii(word)) {
      return; // an ASCII word keeps its length or shrinks when normalised: too short to be a token
    }
    String t = normaliseToken(word);
    if (t.length() >= 6 && t.length() <= 512 && interesting(t)) {
      out.add(t);
      int at = t.indexOf('@');
      if (at > 0 && t.indexOf(':') < 0) {
        out.add(t.substring(at + 1));
      }
    }
  }

  private static final int IBAN_START = 1;
  private static final int SCHEME = 2;
  private static final int PAIR_MARK = 4;

  /**
   * One pass over a text for what the remaining patterns need to match at all: two capitals and two
   * digits in a row (an IBAN's start), {@code ://} (a URL), {@code =} or {@code :} (a parameter pair).
   */
  private static int scan(String s) {
    int found = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == ':') {
        found |= PAIR_MARK;
        if (i + 2 < n && s.charAt(i + 1) == '/' && s.charAt(i + 2) == '/') {
          found |= SCHEME;
        }
      } else if (c == '=') {
        found |= PAIR_MARK;
      } else if (c >= 'A' && c <= 'Z' && i + 3 < n && isUpper(s.charAt(i + 1)) && isDigit(s.charAt(i + 2)) && isDigit(s.charAt(i + 3))) {
        found |= IBAN_START;
      }
    }
    return found;
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The word separators: {@code [\s"'<>()\[\]{},;|`]} ({@code \s} being regex's ASCII white space). */
  private static boolean separates(char c) {
    return switch (c) {
      case ' ', '\t', '\n', '\u000B', '\f', '\r', '"', '\'', '<', '>', '(', ')', '[', ']', '{', '}', ',', ';', '|', '`' -> true;
      default -> false;
    };
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** {@code \p{L}} or {@code \p{N}}: a letter, or a number of any kind (decimal, letter-like, other). */
  private static boolean letterOrNumber(int cp) {
    if (cp < 0x80) {
      return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    }
    if (Character.isLetter(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
  }

  /** Drops the leading code points that are not letters or numbers and the trailing ones that are not that or {@code /}. */
  private static String trim(String s) {
    int from = 0;
    int to = s.length();
    while (from < to) {
      int cp = s.codePointAt(from);
      if (letterOrNumber(cp)) {
        break;
      }
      from += Character.charCount(cp);
    }
    while (to > from) {
      int cp = s.codePointBefore(to);
      if (letterOrNumber(cp) || cp == '/') {
        break;
      }
      to -= Character.charCount(cp);
    }
    return from == 0 && to == s.length() ? s : s.substring(from, to);
  }

  /** A path character: {@code [\p{L}\p{N}._@+-]}. */
  private static boolean pathChar(int cp) {
    return cp == '.' || cp == '_' || cp == '@' || cp == '+' || cp == '-' || letterOrNumber(cp);
  }

  /** A file-system path: absolute, home- or dot-relative ({@code ~/}, {@code ./}, {@code ../}), or with a drive letter. */
  static boolean isPath(String w) {
    int n = w.length();
    if (n >= 4 && w.charAt(1) == ':' && w.charAt(2) == '\\' && ((w.charAt(0) >= 'A' && w.charAt(0) <= 'Z') || (w.charAt(0) >= 'a' && w.charAt(0) <= 'z'))) {
      for (int i = 3; i < n; ) {
        int cp = w.codePointAt(i);
        if (!(cp == ' ' || cp == '\\' || cp == '.' || cp == '_' || cp == '-' || letterOrNumber(cp))) {
          return false;
        }
        i += Character.charCount(cp);
      }
      return true;
    }
    int slash = w.startsWith("/") ? 0 : w.startsWith("~/") || w.startsWith("./") ? 1 : w.startsWith("../") ? 2 : -1;
    if (slash < 0 || slash + 1 >= n) {
      return false;
    }
    int first = w.codePointAt(slash + 1);
    if (!pathChar(first)) {
      return false;
    }
    for (int i = slash + 1 + Character.charCount(first); i < n; ) {
      int cp = w.codePointAt(i);
      if (cp != '/' && !pathChar(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  /** A line terminator, which regex's {@code .} does not match. */
  private static boolean lineTerminator(int cp) {
    return cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
  }

  /** {@code .*[\p{L}\p{N}]\.[\p{L}]{2,}.*} over the whole text: a letter or number, a dot and two letters, on one line. */
  private static boolean dottedName(String t) {
    boolean found = false;
    int prev = -1;
    for (int i = 0; i < t.length(); ) {
      int cp = t.codePointAt(i);
      if (lineTerminator(cp)) {
        return false;
      }
      int next = i + Character.charCount(cp);
      if (!found && cp == '.' && prev >= 0 && letterOrNumber(prev) && next < t.length()) {
        int a = t.codePointAt(next);
        int after = next + Character.charCount(a);
        found = Character.isLetter(a) && after < t.length() && Character.isLetter(t.codePointAt(after));
      }
      prev = cp;
      i = next;
    }
    return found;
  }

  /** {@code [\p{L}\p{N}.-]+\.[\p{L}]{2,}}: a domain name ending in a label of two or more letters. */
  private static boolean isDomain(String d) {
    int dot = d.lastIndexOf('.');
    if (dot < 1) {
      return false;
    }
    int letters = 0;
    for (int i = dot + 1; i < d.length(); ) {
      int cp = d.codePointAt(i);
      if (!Character.isLetter(cp)) {
        return false;
      }
      letters++;
      i += Character.charCount(cp);
    }
    if (letters < 2) {
      return false;
    }
    for (int i = 0; i < dot; ) {
      int cp = d.codePointAt(i);
      if (cp != '.' && cp != '-' && !letterOrNumber(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  /** The forms a key argument value is looked up in: itself, its host if it is a URL or an address, without spaces. */
  public static Set<String> keyForms(String value) {
    Set<String> out = new LinkedHashSet<>();
    String t = normaliseToken(value);
    if (t.isEmpty()) {
      return out;
    }
    out.add(t);
    out.add(t.replace(" ", ""));
    if (value.indexOf('<') >= 0) {
      Matcher angle = ANGLE.matcher(value);
      if (angle.find()) {
        out.add(normaliseToken(angle.group(1))); // "Ana <ana@example.com>": the address
      }
    }
    if (isPath(value.strip())) {
      out.add(pathForm(value.strip()));
    }
    String host = host(t);
    if (host != null) {
      out.add(host);
    }
    return out;
  }

  /**
   * The token for a parameter spelled out in text ({@code scope=all}, {@code scope: all}) or passed
   * as argument {@code name} with value {@code value}: both compare equal.
   */
  public static String pairForm(String name, String value) {
    return name.toLowerCase(Locale.ROOT) + "=" + normaliseToken(value);
  }

  /** A path token: normalised like any token, without a trailing separator. */
  static String pathForm(String path) {
    String t = normaliseToken(path.replace('\\', '/'));
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  private static boolean interesting(String t) {
    boolean digit = false;
    boolean letter = false;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      digit |= Character.isDigit(c);
      letter |= Character.isLetter(c);
    }
    return digit || t.indexOf('@') >= 0 || (letter && dottedName(t));
  }

  /** The lower-cased host of a URL or the domain of an e-mail address, or null. */
  public static String host(String value) {
    String v = value.strip();
    int at = v.indexOf('@');
    if (at > 0 && !v.contains("://") && v.indexOf('@', at + 1) < 0) {
      String d = v.substring(at + 1).toLowerCase(Locale.ROOT);
      return isDomain(d) ? d : null;
    }
    if (!v.contains("://")) {
      return null;
    }
    try {
      URI uri = new URI(v.replace(" ", "%20"));
      return uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
    } catch (Exception e) {
      Matcher m = URL_HOST.matcher(v);
      return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }
  }

  /**
   * The value and what it decodes to: URL-decoded, base64 and hex runs decoded (when they decode to
   * text), a URL's host labels joined and decoded, recursively up to {@link #MAX_DEPTH}.
   */
  public static List<String> decodedVariants(String value) {
    List<String> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    expand(value.length() > MAX_TEXT ? value.substring(0, MAX_TEXT) : value, 0, out, seen);
    return out;
  }

  private static void expand(String v, int depth, List<String> out, Set<String> seen) {
    if (out.size() >= MAX_VARIANTS || v.isEmpty() || !seen.add(v)) {
      return;
    }
    out.add(v);
    if (depth >= MAX_DEPTH) {
      return;
    }
    if (v.indexOf('%') >= 0 || v.indexOf('+') >= 0) {
      try {
        expand(URLDecoder.decode(v, StandardCharsets.UTF_8), depth + 1, out, seen);
      } catch (IllegalArgumentException ignored) {
        // not URL-encoded after all
      }
    }
    String host = host(v);
    if (host != null) {
      String[] labels = host.split("\\.");
      if (labels.length > 2) {
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < labels.length - 2; i++) {
          joined.append(labels[i]);
        }
        decodeRuns(joined.toString(), depth, out, seen);
      }
    }
    decodeRuns(v, depth, out, seen);
  }

  /**
   * Decodes the hex runs (from the start of each run of at least {@link #MIN_HEX_RUN} hex digits, an
   * even count) and then the base64 runs (each run of at least {@link #MIN_BASE64_RUN} characters of
   * the base64 alphabets, with up to two {@code =} after it). One linear scan per kind: this runs on
   * every argument and on the session's egress tail for every call, under the session's lock.
   */
  private static void decodeRuns(String v, int depth, List<String> out, Set<String> seen) {
    int n = v.length();
    for (int i = 0; i < n && out.size() < MAX_VARIANTS; ) {
      int end = i;
      while (end < n && isHex(v.charAt(end))) {
        end++;
      }
      int even = (end - i) & ~1;
      if (even >= MIN_HEX_RUN) {
        text(HexFormat.of().parseHex(v, i, i + even)).ifPresent(t -> expand(t, depth + 1, out, seen));
      }
      i = end == i ? i + 1 : end;
    }
    for (int i = 0; i < n && out.size() < MAX_VARIANTS; ) {
      int end = i;
      while (end < n && isBase64(v.charAt(end))) {
        end++;
      }
      if (end - i >= MIN_BASE64_RUN) {
        int stop = end;
        while (stop < n && stop - end < 2 && v.charAt(stop) == '=') {
          stop++;
        }
        byte[] bytes = base64(v.substring(i, stop));
        if (bytes != null) {
          text(bytes).ifPresent(t -> expand(t, depth + 1, out, seen));
        }
        end = stop;
      }
      i = end == i ? i + 1 : end;
    }
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isBase64(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '_' || c == '-';
  }

  private static byte[] base64(String run) {
    String r = run.replace('-', '+').replace('_', '/');
    String unpadded = r.replace("=", "");
    int pad = (4 - unpadded.length() % 4) % 4;
    if (pad == 3) {
      unpadded = unpadded.substring(0, unpadded.length() - 1);
      pad = 0;
    }
    try {
      return Base64.getDecoder().decode(unpadded + "=".repeat(pad));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Bytes as text when they are valid UTF-8 and mostly printable. */
  private static java.util.Optional<String> text(byte[] bytes) {
    if (bytes.length < 4) {
      return java.util.Optional.empty();
    }
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
      long printable = s.codePoints().filter(c -> !Character.isISOControl(c) || c == '\n' || c == '\t' || c == '\r').count();
      return printable * 10 >= s.codePointCount(0, s.length()) * 9L ? java.util.Optional.of(s) : java.util.Optional.empty();
    } catch (CharacterCodingException e) {
      return java.util.Optional.empty();
    }
  }
}
