package dev.bastion.inspect;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.bastion.inspect.Hit.Category;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The oracle of {@code ScannerEquivalenceTest}: a frozen copy of {@link Scanner} as it was at commit
 * db9cb4c (before the third performance round and the split into focused classes), always run
 * with its prefilters removed (the switch that turned them off, and every check behind it) and without
 * the plain-ASCII fast path, so that it uses none of the fast paths being tested. Otherwise only its
 * class name, constructor and this comment differ from that commit;
 * it shares the regular expressions' companions ({@link SecretRules}, {@link Canonicalizer#canonicalize},
 * {@link Entities}, {@link IbanLengths}, {@link HostMatch}) with production code, whose own tests pin them.
 * Do not optimise or "fix" this class: it is the old behaviour the scanner must keep.
 */
final class ReferenceScanner {
  static final int MAX_DEPTH = 2;
  static final int MAX_HITS = 1000;
  private static final int WINDOW = 240;
  static final int HIDDEN_ELEMENT_REACH = 4700;

  private static final boolean[] TOKEN = new boolean[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
    }
    for (char c = 'A'; c <= 'Z'; c++) {
      TOKEN[c] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (char c : "_-+/=.:@%~&#;?".toCharArray()) {
      TOKEN[c] = true;
    }
  }

  private static final boolean[] BASE64 = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      BASE64[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
    }
  }

  private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}");
  private static final Pattern OVERRIDE = Pattern.compile(
      "(?i)\\b(?:ignore|disregard|forget|override|bypass|skip)\\b[^.\\n]{0,40}?\\b(?:previous|prior|above|earlier|all|any|your|system|safety|original)\\b"
          + "[^.\\n]{0,40}?\\b(?:instructions?|prompts?|rules|guidelines|directions|directives|context|messages?|polic(?:y|ies)|restrictions|guardrails)\\b");
  private static final Pattern NEW_INSTRUCTIONS = Pattern.compile(
      "(?i)\\b(?:new|updated|real|actual|hidden|secret|system|admin|developer)\\s+(?:instructions?|directives?|prompt)\\s*[:\\-]");
  private static final Pattern DECODE_LURE = Pattern.compile(
      "(?i)\\b(?:decode|base64|rot13|deobfuscate|unscramble|hex-decode)\\b[^.\\n]{0,80}?\\b(?:follow|execute|run|obey|carry out|perform|do what|act on|instructions?)\\b");
  private static final Pattern HIDDEN_ELEMENT = Pattern.compile(
      "(?is)<(?:span|div|p|font|section|small|a)\\b[^>]{0,300}?(?:display\\s*:\\s*none|visibility\\s*:\\s*hidden|font-size\\s*:\\s*0(?:px|pt|em)?\\s*[;\"']|opacity\\s*:\\s*0(?:\\.0+)?\\s*[;\"']|\\shidden[\\s>=])[^>]{0,300}>.*?</(?:span|div|p|font|section|small|a)\\s*>");
  private static final Pattern IMPERATIVE = Pattern.compile(
      "(?i)\\b(?:ignore|disregard|instruction|instructions|assistant|model|agent|you must|you should|please|read|send|call|run|execute|fetch|upload|credential|credentials|password|secret|token|api key|ssh|tool|do not tell|don't tell)\\b|\\.ssh|\\.env|\\.aws");
  private static final Pattern MD_LINK = Pattern.compile("(!?)\\[[^\\]\\n]{0,200}\\]\\(\\s*<?(https?://[^)\\s>]+)");

  private static final List<String> TEMPLATE_TOKENS = List.of(
      "<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|endoftext|>", "<|begin_of_text|>",
      "<|start_header_id|>", "<|eot_id|>", "<start_of_turn>", "<end_of_turn>", "<<SYS>>", "<</SYS>>", "[INST]", "[/INST]",
      "<system>", "</system>", "<important>", "<IMPORTANT>", "<instructions>");
  private static final Set<String> ROLE_WORDS = Set.of("user", "assistant", "system", "human", "ai", "model", "developer");

  private final Set<String> linkHosts;

  /** @param linkHosts hosts that markdown links and images in tool output may point at with data */
  ReferenceScanner(Set<String> linkHosts) {
    this.linkHosts = Set.copyOf(linkHosts);
  }

  static ReferenceScanner standard() {
    return new ReferenceScanner(Set.of());
  }

  /** Detector hits in {@code text} (already canonical), in order of position. */
  public List<Hit> scan(String text) {
    List<Hit> hits = new ArrayList<>();
    scan(text, text.toCharArray(), 0, hits);
    return hits;
  }

  /** Canonicalises, reports obfuscation, scans the canonical text and any hidden (tag-character) text. */
  public Result inspect(String original) {
    Canonicalizer.Canonical c = Canonicalizer.canonicalize(original);
    List<Hit> hits = new ArrayList<>();
    for (Canonicalizer.Obfuscation o : c.obfuscations()) {
      hits.add(new Hit(Category.OBFUSCATION, o.id(), 0, 0));
    }
    scan(c.text(), c.text().toCharArray(), 0, hits);
    if (!c.hidden().isEmpty()) {
      List<Hit> inner = new ArrayList<>();
      scan(c.hidden(), c.hidden().toCharArray(), 1, inner);
      for (Hit h : inner) {
        hits.add(new Hit(h.category(), h.detector(), 0, 0));
      }
    }
    return new Result(c, hits);
  }

  /** The canonical form of one string and what the detectors found in it. */
  public record Result(Canonicalizer.Canonical canonical, List<Hit> hits) {}

  /**
   * @param a {@code text}'s characters: the hot loops read the array, since {@link String#charAt}
   *     checks the coder and the index per character
   */
  private void scan(String text, char[] a, int depth, List<Hit> hits) {
    int n = a.length;
    int i = 0;
    int windowEnd = -1;
    while (i < n && hits.size() < MAX_HITS) {
      char c = a[i];
      if (c < 128 && TOKEN[c]) {
        // One pass over the run: which characters it has (a bit per ASCII character, for the
        // rules' literal hints and the prefilters), and whether a letter run in it could be a
        // trigger word or a role word before ':'.
        int start = i;
        long lo = 0;
        long hi = 0;
        int letters = -1;
        boolean trigger = false;
        do {
          long bit = 1L << c; // shifts are mod 64: bit (c - 64) for c >= 64
          long below64 = (c - 64) >> 31; // all ones if c < 64
          lo |= bit & below64;
          hi |= bit & ~below64;
          if ((char) ((c | 0x20) - 'a') < 26) {
            if (letters < 0) {
              letters = i;
            }
          } else if (letters >= 0) {
            trigger |= mayTrigger(a, letters, i, c);
            letters = -1;
          }
          i++;
        } while (i < n && (c = a[i]) < 128 && TOKEN[c]);
        if (letters >= 0) {
          trigger |= mayTrigger(a, letters, i, ' ');
        }
        int skip = token(text, a, start, i, depth, lo, hi, trigger, hits);
        if (skip > i) {
          i = skip;
        }
        continue;
      }
      if (c == '<' || c == '[') {
        if (i >= windowEnd) {
          windowEnd = markup(text, i, hits);
        }
      } else if (c == ']' && i + 1 < n && a[i + 1] == '(') {
        markdownLink(text, i, hits);
      }
      i++;
    }
  }

  /** Token characters outside the base64 alphabets, as bit sets (see {@link #TOKEN}, {@link #BASE64}). */
  private static final long NOT_BASE64_LO;
  private static final long NOT_BASE64_HI;

  static {
    long lo = 0;
    long hi = 0;
    for (char c = 0; c < 128; c++) {
      if (TOKEN[c] && !BASE64[c]) {
        if (c < 64) {
          lo |= 1L << c;
        } else {
          hi |= 1L << (c - 64);
        }
      }
    }
    NOT_BASE64_LO = lo;
    NOT_BASE64_HI = hi;
  }

  /**
   * Whether the token run {@code a[start, end)} (with the characters {@code lo}, {@code hi}) has a
   * base64-alphabet run of at least 24 characters, the shortest the decoder looks at: the whole run
   * if it has no token character outside that alphabet.
   */
  private static boolean hasLongBase64Run(char[] a, int start, int end, long lo, long hi) {
    if (end - start < 24) {
      return false;
    }
    return (lo & NOT_BASE64_LO) == 0 && (hi & NOT_BASE64_HI) == 0 || longestBase64Run(a, start, end) >= 24;
  }

  private static int longestBase64Run(char[] a, int start, int end) {
    int run = 0;
    int longest = 0;
    for (int k = start; k < end; k++) {
      run = BASE64[a[k]] ? run + 1 : 0; // token characters are ASCII
      longest = Math.max(longest, run);
    }
    return longest;
  }

  /**
   * A necessary condition for {@link #word} to do anything with the letter run {@code a[start, w)}
   * followed by {@code next} (inside the token) or the token's end: a role word before ':', or a
   * trigger word's first letter and length.
   */
  private static boolean mayTrigger(char[] a, int start, int w, char next) {
    int wl = w - start;
    if (wl < 2 || wl > 12) {
      return false;
    }
    return next == ':' && wl <= 9 || (TRIGGER_LENGTHS[(a[start] | 0x20) - 'a'] & 1 << wl) != 0;
  }

  /** Per first letter, a bit for each length of a trigger word starting with it (see {@link #trigger}). */
  private static final int[] TRIGGER_LENGTHS = new int[26];

  static {
    for (String t : List.of("ignore", "instructions", "instruction", "disregard", "directive", "directives", "decode",
        "deobfuscate", "forget", "override", "bypass", "base64", "skip", "prompt", "rot13", "unscramble")) {
      TRIGGER_LENGTHS[t.charAt(0) - 'a'] |= 1 << t.length();
    }
  }

  /**
   * Looks at one token run {@code a[start, end)} with the characters {@code lo}, {@code hi} (see
   * {@link #scan(String, char[], int, List)}); returns where scanning should resume (at least
   * {@code end}).
   */
  private int token(String text, char[] a, int start, int end, int depth, long lo, long hi, boolean trigger, List<Hit> hits) {
    int len = end - start;
    char first = a[start];
    int resume = end;
    if (first >= '0' && first <= '9' || first == '+') {
      resume = Math.max(resume, numbers(text, a, start, hits));
    }
    if (first >= 'A' && first <= 'Z' && len >= 4) {
      resume = Math.max(resume, iban(text, start, hits));
    }
    if (trigger) {
      words(text, a, start, end, hits);
    }
    if (len < 8) {
      return resume;
    }
    if (first == '-' && text.startsWith("-----BEGIN", start)) {
      return Math.max(resume, pem(text, start, hits));
    }
    // Every vendor format and every generic secret has a digit; digit-free tokens (long words, most
    // paths and URLs) skip the rules unless they could be a connection string.
    boolean digit = (lo & DIGITS) != 0;
    boolean rules = len >= 16 && (digit || (lo & COLON_SLASH) == COLON_SLASH && indexOf(text, "://", start, end - 3) >= 0);
    String token = text.substring(start, end);
    int before = hits.size();
    if (rules) {
      for (SecretRules.Rule rule : SecretRules.RULES) {
        if (rule.hinted(token)) {
          Matcher m = rule.pattern().matcher(token);
          while (m.find()) {
            if (SecretRules.accept(rule, token, m)) {
              hits.add(new Hit(Category.SECRET, rule.detector(), start + m.start(), start + m.end()));
            }
          }
        }
      }
      if (hits.size() == before) {
        genericSecret(text, a, token, start, hits);
      }
      if (hits.size() == before) {
        shortSecret(text, a, token, start, hits);
      }
    } else {
      shortSecret(text, a, token, start, hits);
    }
    if (token.indexOf('@') > 0) {
      Matcher m = EMAIL.matcher(token);
      while (m.find()) {
        if (!overlaps(hits, before, start + m.start(), start + m.end())) {
          hits.add(new Hit(Category.PII, "email", start + m.start(), start + m.end()));
        }
      }
    }
    if (depth < MAX_DEPTH && hits.size() == before) {
      decoded(token, a, start, depth, hits);
    }
    return resume;
  }

  private static final long DIGITS = 0x3FFL << '0';
  private static final long COLON_SLASH = 1L << ':' | 1L << '/';

  /** {@code text.indexOf(needle, from)} restricted to matches starting before {@code limit}. */
  static int indexOf(String text, String needle, int from, int limit) {
    int last = Math.min(limit, text.length() - needle.length());
    char first = needle.charAt(0);
    for (int k = Math.max(0, from); k <= last; k++) {
      if (text.charAt(k) == first && text.startsWith(needle, k)) {
        return k;
      }
    }
    return -1;
  }

  private static boolean overlaps(List<Hit> hits, int from, int start, int end) {
    for (int k = from; k < hits.size(); k++) {
      Hit h = hits.get(k);
      if (h.start() < end && start < h.end()) {
        return true;
      }
    }
    return false;
  }

  // --- secrets without a vendor format -------------------------------------------------------

  private static final String[] KEYWORDS = {
    "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key", "access_key",
    "private_key", "client_secret", "credential", "auth", "bearer", "aws_secret_access_key"
  };

  /** A long, high-entropy value right after a key word ({@code token=…}, {@code "secret": "…"}, {@code Bearer …}). */
  private static void genericSecret(String text, char[] a, String token, int start, List<Hit> hits) {
    int sep = Math.max(token.lastIndexOf('='), token.lastIndexOf(':'));
    int valueFrom = sep >= 0 && sep < token.length() - 1 ? sep + 1 : 0;
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
  private static void shortSecret(String text, char[] a, String token, int start, List<Hit> hits) {
    int sep = Math.max(token.lastIndexOf('='), token.lastIndexOf(':'));
    int valueFrom = sep >= 0 && sep < token.length() - 1 ? sep + 1 : 0;
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
  private static String keyBefore(String text, char[] a, int start) {
    long span = keySpan(text, a, start);
    return span < 0 ? null : text.substring((int) (span >>> 32), (int) span);
  }

  /** {@link #keyBefore} as {@code from << 32 | to}, or -1: no substring for the common "no key" answer. */
  private static long keySpan(String text, char[] a, int start) {
    int j = start - 1;
    int limit = Math.max(0, start - 8);
    boolean sawSeparator = false;
    while (j >= limit) {
      char c = a[j];
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
    // without a separator only "bearer" counts, so the walk back can stop after seven characters
    int reach = sawSeparator ? 40 : 8;
    int k = j;
    while (k >= 0 && wordEnd - k < reach) {
      if (!isKeyChar(a[k])) {
        break;
      }
      k--;
    }
    if (!sawSeparator && !(wordEnd - (k + 1) == 6 && text.regionMatches(true, k + 1, "bearer", 0, 6))) {
      return -1;
    }
    return (long) (k + 1) << 32 | wordEnd;
  }

  private static boolean isKeyChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '-';
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

  private static int pem(String text, int start, List<Hit> hits) {
    int lineEnd = text.indexOf('\n', start);
    String header = text.substring(start, lineEnd < 0 ? Math.min(text.length(), start + 80) : Math.min(lineEnd, start + 80));
    if (!header.contains("PRIVATE KEY-----")) {
      return start + 10;
    }
    int endMarker = indexOf(text, "-----END", start + 10, start + 64 * 1024);
    int end;
    if (endMarker < 0) {
      end = Math.min(text.length(), start + 64 * 1024);
    } else {
      int close = indexOf(text, "-----", endMarker + 8, endMarker + 120);
      end = close < 0 ? Math.min(text.length(), endMarker + 120) : close + 5;
    }
    hits.add(new Hit(Category.SECRET, "private_key", start, end));
    return end;
  }

  // --- PII -------------------------------------------------------------------------------------

  /** Cards (Luhn and issuer prefix), phone numbers, US SSNs, starting at a digit or '+'. */
  private static int numbers(String text, char[] a, int start, List<Hit> hits) {
    if (start > 0) {
      char p = a[start - 1];
      if (Character.isLetterOrDigit(p) || p == '_' || p == '.' || p == '/' || p == '-') {
        return start;
      }
      if (p == '(') {
        start--;
      }
    }
    int n = a.length;
    int limit = Math.min(n, start + 40);
    int digits = 0;
    int j = start;
    char[] ds = new char[24];
    boolean plus = a[start] == '+';
    if (plus || a[start] == '(') {
      j++;
    }
    int lastDigit = -1;
    while (j < limit) {
      char c = a[j];
      if (c >= '0' && c <= '9') {
        if (digits < ds.length) {
          ds[digits] = c;
        }
        digits++;
        lastDigit = j;
      } else if (!(c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') || j + 1 < n && !isDigitOrSep(a[j + 1])) {
        break;
      }
      j++;
    }
    if (lastDigit < 0) {
      return start;
    }
    int end = lastDigit + 1;
    if (end < n && (Character.isLetterOrDigit(a[end]))) {
      return start;
    }
    if (digits >= 13 && digits <= 19 && !plus && luhn(ds, digits) && cardPrefix(ds, digits)) {
      hits.add(new Hit(Category.PII, "card_number", start, end));
      return end;
    }
    if (digits == 9 && end - start == 11 && SSN.matcher(text.substring(start, end)).matches() && ssnValid(text.substring(start, end))) {
      hits.add(new Hit(Category.PII, "us_ssn", start, end));
      return end;
    }
    // PHONE has exactly ten digits
    if (plus && digits >= 8 && digits <= 15 || !plus && digits == 10 && phoneLength(a[start], end - start)
        && PHONE.matcher(text.substring(start, end)).matches()) {
      hits.add(new Hit(Category.PII, "phone_number", start, end));
      return end;
    }
    return start;
  }

  /** {@link #PHONE} matches 12 characters, or 13 or 14 when it starts with '('. */
  private static boolean phoneLength(char first, int length) {
    return first == '(' ? length == 13 || length == 14 : length == 12;
  }

  private static final Pattern SSN = Pattern.compile("\\d{3}-\\d{2}-\\d{4}");
  private static final Pattern PHONE = Pattern.compile("(?:\\(\\d{3}\\)\\s?|\\d{3}[-.])\\d{3}[-.]\\d{4}");

  private static boolean isDigitOrSep(char c) {
    return c >= '0' && c <= '9' || c == '(' || c == ' ' || c == '-';
  }

  static boolean luhn(char[] ds, int count) {
    int sum = 0;
    boolean dbl = false;
    for (int k = count - 1; k >= 0; k--) {
      int d = ds[k] - '0';
      if (dbl) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      dbl = !dbl;
    }
    return sum % 10 == 0;
  }

  private static boolean cardPrefix(char[] ds, int count) {
    int two = (ds[0] - '0') * 10 + (ds[1] - '0');
    int four = two * 100 + (ds[2] - '0') * 10 + (ds[3] - '0');
    return ds[0] == '4' && (count == 13 || count == 16 || count == 19)
        || two >= 51 && two <= 55 && count == 16
        || four >= 2221 && four <= 2720 && count == 16
        || (two == 34 || two == 37) && count == 15
        || (four == 6011 || two == 65 || four >= 6440 && four <= 6499) && count >= 16
        || two == 35 && count >= 16
        || (two == 36 || two == 38 || two == 30) && count >= 14;
  }

  private static boolean ssnValid(String s) {
    String area = s.substring(0, 3);
    return !area.equals("000") && !area.equals("666") && area.charAt(0) != '9' && !s.startsWith("00", 4) && !s.startsWith("0000", 7);
  }

  /** IBAN: country code, check digits, then up to 30 alphanumerics, optionally in groups of 4; mod-97 must be 1. */
  private static int iban(String text, int start, List<Hit> hits) {
    int n = text.length();
    if (start + 4 > n || !Character.isUpperCase(text.charAt(start + 1)) || !isAsciiDigit(text.charAt(start + 2)) || !isAsciiDigit(text.charAt(start + 3))) {
      return start;
    }
    if (start > 0 && Character.isLetterOrDigit(text.charAt(start - 1))) {
      return start;
    }
    StringBuilder compact = new StringBuilder(34);
    int j = start;
    int end = start;
    while (j < n && compact.length() < 34) {
      char c = text.charAt(j);
      if (isAsciiDigit(c) || c >= 'A' && c <= 'Z') {
        compact.append(c);
        j++;
        end = j;
      } else if (c == ' ' && j + 1 < n && (isAsciiDigit(text.charAt(j + 1)) || text.charAt(j + 1) >= 'A' && text.charAt(j + 1) <= 'Z')) {
        j++;
      } else {
        break;
      }
    }
    Integer expected = IbanLengths.of(compact.substring(0, 2));
    if (expected == null || compact.length() < expected) {
      return start;
    }
    String iban = compact.substring(0, expected);
    if (!mod97(iban)) {
      return start;
    }
    // end of the IBAN in the text: walk again to the expected count of characters
    int count = 0;
    int k = start;
    while (k < n && count < expected) {
      if (text.charAt(k) != ' ') {
        count++;
      }
      k++;
    }
    hits.add(new Hit(Category.PII, "iban", start, k));
    return k;
  }

  static boolean mod97(String iban) {
    String r = iban.substring(4) + iban.substring(0, 4);
    int mod = 0;
    for (int i = 0; i < r.length(); i++) {
      char c = r.charAt(i);
      int v = isAsciiDigit(c) ? c - '0' : c - 'A' + 10;
      mod = v >= 10 ? (mod * 100 + v) % 97 : (mod * 10 + v) % 97;
    }
    return mod == 1;
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  // --- prompt injection -------------------------------------------------------------------------

  private void words(String text, char[] a, int start, int end, List<Hit> hits) {
    int k = start;
    while (k < end) {
      char c = a[k];
      if (isAsciiLetter(c)) {
        int w = k + 1;
        while (w < end && isAsciiLetter(a[w])) { // token runs are ASCII
          w++;
        }
        word(text, a, k, w, end, hits);
        k = w;
      } else {
        k++;
      }
    }
  }

  /** Trigger words: an override verb opens a window for the override patterns, a role word at a line start is a fake turn. */
  private void word(String text, char[] a, int start, int w, int end, List<Hit> hits) {
    int wl = w - start;
    if (wl < 2 || wl > 12) {
      return;
    }
    char f = (char) (a[start] | 0x20);
    switch (f) {
      case 'i', 'd', 'f', 'o', 'b', 's', 'n', 'u', 'r', 'a', 'h', 'm', 'c', 'e', 'p' -> {}
      default -> {
        return;
      }
    }
    if (w < end && a[w] == ':' && wl <= 9 && atLineStart(a, start)) {
      String role = text.substring(start, w).toLowerCase(Locale.ROOT);
      if (ROLE_WORDS.contains(role)) {
        int lineEnd = indexOf(text, "\n", w, w + 1000);
        hits.add(new Hit(Category.INJECTION, "fake_chat_turn", start, lineEnd < 0 ? Math.min(text.length(), w + 1000) : lineEnd));
        return;
      }
    }
    int trigger = trigger(a, start, wl, f);
    if (trigger == OVERRIDE_VERB) {
      window(text, start, OVERRIDE, "instruction_override", hits);
    } else if (trigger == INSTRUCTION_NOUN) {
      windowBack(text, start, NEW_INSTRUCTIONS, "instruction_override", hits);
    } else if (trigger == DECODE_VERB) {
      window(text, start, DECODE_LURE, "decode_and_follow", hits);
    }
  }

  private static final int OVERRIDE_VERB = 1;
  private static final int INSTRUCTION_NOUN = 2;
  private static final int DECODE_VERB = 3;

  /**
   * Which trigger word (case-insensitive) a letter run of length {@code wl} starting with the
   * lower-case letter {@code f} is: an override verb, an instruction noun, a decode verb, or none (0).
   * ("base64" and "rot13" are listed for completeness; a letter run cannot contain their digits.)
   */
  private static int trigger(char[] a, int start, int wl, char f) {
    return switch (f) {
      case 'i' -> is(a, start, wl, "ignore") ? OVERRIDE_VERB
          : is(a, start, wl, "instructions") || is(a, start, wl, "instruction") ? INSTRUCTION_NOUN : 0;
      case 'd' -> is(a, start, wl, "disregard") ? OVERRIDE_VERB
          : is(a, start, wl, "directive") || is(a, start, wl, "directives") ? INSTRUCTION_NOUN
          : is(a, start, wl, "decode") || is(a, start, wl, "deobfuscate") ? DECODE_VERB : 0;
      case 'f' -> is(a, start, wl, "forget") ? OVERRIDE_VERB : 0;
      case 'o' -> is(a, start, wl, "override") ? OVERRIDE_VERB : 0;
      case 'b' -> is(a, start, wl, "bypass") ? OVERRIDE_VERB : is(a, start, wl, "base64") ? DECODE_VERB : 0;
      case 's' -> is(a, start, wl, "skip") ? OVERRIDE_VERB : 0;
      case 'p' -> is(a, start, wl, "prompt") ? INSTRUCTION_NOUN : 0;
      case 'r' -> is(a, start, wl, "rot13") ? DECODE_VERB : 0;
      case 'u' -> is(a, start, wl, "unscramble") ? DECODE_VERB : 0;
      default -> 0;
    };
  }

  private static boolean isAsciiLetter(char c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
  }

  /** Whether the ASCII letter run {@code a[start, start + len)} is {@code word} (lower case) ignoring case. */
  private static boolean is(char[] a, int start, int len, String word) {
    if (len != word.length()) {
      return false;
    }
    for (int k = 0; k < len; k++) {
      if ((a[start + k] | 0x20) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean atLineStart(char[] a, int start) {
    int j = start - 1;
    while (j >= 0 && start - j < 12) {
      char c = a[j];
      if (c == '\n') {
        return true;
      }
      if (c != ' ' && c != '\t' && c != '*' && c != '#' && c != '>' && c != '-') {
        return false;
      }
      j--;
    }
    return j < 0;
  }

  private static void window(String text, int start, Pattern p, String detector, List<Hit> hits) {
    int end = Math.min(text.length(), start + WINDOW);
    Matcher m = p.matcher(text.substring(start, end));
    if (m.lookingAt()) {
      addOnce(hits, new Hit(Category.INJECTION, detector, start, start + m.end()));
    }
  }

  private static void windowBack(String text, int wordStart, Pattern p, String detector, List<Hit> hits) {
    int from = Math.max(0, wordStart - 40);
    int end = Math.min(text.length(), wordStart + 20);
    Matcher m = p.matcher(text.substring(from, end));
    if (m.find()) {
      addOnce(hits, new Hit(Category.INJECTION, detector, from + m.start(), from + m.end()));
    }
  }

  private static void addOnce(List<Hit> hits, Hit h) {
    for (int k = hits.size() - 1; k >= 0 && k >= hits.size() - 4; k--) {
      Hit o = hits.get(k);
      if (o.detector().equals(h.detector()) && o.start() < h.end() && h.start() < o.end()) {
        return;
      }
    }
    hits.add(h);
  }

  /** At a {@code <} or {@code [}: chat-template tokens, HTML comments and hidden elements. Returns the end of what it consumed. */
  private int markup(String text, int i, List<Hit> hits) {
    int n = text.length();
    if (i + 1 >= n) {
      return i;
    }
    char next = text.charAt(i + 1);
    if (next == '|' || next == '<' || next == 's' || next == 'S' || next == 'e' || next == 'i' || next == 'I' || next == '/' || next == 'e') {
      for (String t : TEMPLATE_TOKENS) {
        if (text.startsWith(t, i)) {
          hits.add(new Hit(Category.INJECTION, "chat_template_token", i, i + t.length()));
          return i + t.length();
        }
      }
      if (next == '|') {
        int close = text.indexOf("|>", i + 2);
        if (close > 0 && close - i < 40 && isIdent(text, i + 2, close)) {
          hits.add(new Hit(Category.INJECTION, "chat_template_token", i, close + 2));
          return close + 2;
        }
      }
    }
    if (text.charAt(i) != '<') {
      return i;
    }
    if (next == '!' && text.startsWith("<!--", i)) {
      int close = indexOf(text, "-->", i + 4, i + 8192);
      int end = close < 0 ? Math.min(n, i + 8192) : close + 3;
      if (IMPERATIVE.matcher(text.substring(i + 4, Math.max(i + 4, Math.min(end, n) - (close < 0 ? 0 : 3)))).find()) {
        hits.add(new Hit(Category.INJECTION, "hidden_html", i, end));
      }
      return end;
    }
    if (next == 's' || next == 'd' || next == 'p' || next == 'f' || next == 'a' || next == 'S' || next == 'D' || next == 'P') {
      Matcher m = HIDDEN_ELEMENT.matcher(text.substring(i, Math.min(n, i + HIDDEN_ELEMENT_REACH)));
      if (m.lookingAt()) {
        hits.add(new Hit(Category.INJECTION, "hidden_html", i, i + m.end()));
        return i + m.end();
      }
    }
    return i;
  }

  private static boolean isIdent(String text, int from, int to) {
    for (int k = from; k < to; k++) {
      char c = text.charAt(k);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
        return false;
      }
    }
    return to > from;
  }

  /** At {@code ](}: a markdown link or image whose URL carries data to a host not on the allowlist. */
  private void markdownLink(String text, int i, List<Hit> hits) {
    int open = -1;
    for (int k = i - 1; k >= 0 && i - k <= 201; k--) {
      if (text.charAt(k) == '[') {
        open = k;
        break;
      }
    }
    if (open < 0) {
      return;
    }
    int from = open > 0 && text.charAt(open - 1) == '!' ? open - 1 : open;
    Matcher m = MD_LINK.matcher(text.substring(from, Math.min(text.length(), i + 2060)));
    if (!m.lookingAt()) {
      return;
    }
    boolean image = !m.group(1).isEmpty();
    String url = m.group(2);
    java.net.URI uri;
    try {
      uri = java.net.URI.create(url);
    } catch (IllegalArgumentException e) {
      hits.add(new Hit(Category.INJECTION, image ? "markdown_image_exfiltration" : "markdown_link_exfiltration", from, from + m.end()));
      return;
    }
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    if (HostMatch.allowed(host, linkHosts)) {
      return;
    }
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    boolean carriesData = image ? !query.isEmpty() || path.length() > 64 : query.length() >= 32 || longSegment(path);
    if (carriesData) {
      int urlStart = from + m.start(2);
      hits.add(new Hit(Category.INJECTION, image ? "markdown_image_exfiltration" : "markdown_link_exfiltration", urlStart, urlStart + url.length()));
    }
  }

  private static boolean longSegment(String path) {
    for (String seg : path.split("/")) {
      if (seg.length() >= 48) {
        return true;
      }
    }
    return false;
  }

  // --- encoded payloads -------------------------------------------------------------------------

  private void decoded(String token, char[] a, int start, int depth, List<Hit> hits) {
    if (token.indexOf('%') >= 0 && percentEscapes(token) >= 2) {
      String d = percentDecode(token);
      if (d != null && !d.equals(token)) {
        inner(d, start, start + token.length(), depth, hits);
        return;
      }
    }
    if (token.indexOf('&') >= 0 && token.indexOf(';') > 0) {
      String d = Entities.decode(token);
      if (!d.equals(token)) {
        inner(d, start, start + token.length(), depth, hits);
        return;
      }
    }
    // base64 / hex runs inside the token (read from the text's characters, a[start, start + n))
    int n = token.length();
    int k = 0;
    while (k < n) {
      int runStart = k;
      boolean hexOnly = true;
      char ch;
      while (k < n && isBase64(ch = a[start + k])) {
        hexOnly &= ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F';
        k++;
      }
      int runLen = k - runStart;
      if (runLen >= 24) {
        String run = token.substring(runStart, k);
        String d = hexOnly && runLen % 2 == 0 ? hexDecode(run) : base64Decode(run);
        if (d != null) {
          inner(d, start + runStart, start + k, depth, hits);
        }
      }
      k++;
    }
  }

  private void inner(String decoded, int spanStart, int spanEnd, int depth, List<Hit> hits) {
    Canonicalizer.Canonical c = Canonicalizer.canonicalize(decoded);
    List<Hit> found = new ArrayList<>();
    scan(c.text(), c.text().toCharArray(), depth + 1, found);
    if (!found.isEmpty()) {
      for (Hit h : found) {
        hits.add(new Hit(h.category(), h.detector(), spanStart, spanEnd));
      }
      hits.add(new Hit(Category.OBFUSCATION, "encoded_payload", spanStart, spanEnd));
    }
  }

  private static boolean isBase64(char c) {
    return c < 128 && BASE64[c];
  }

  private static int percentEscapes(String s) {
    int count = 0;
    for (int i = 0; i + 2 < s.length(); i++) {
      if (s.charAt(i) == '%' && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
        count++;
      }
    }
    return count;
  }

  static String percentDecode(String s) {
    byte[] out = new byte[s.length()];
    int o = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
        out[o++] = (byte) (Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else if (c < 128) {
        out[o++] = (byte) c;
      } else {
        return null;
      }
    }
    return printableUtf8(out, o);
  }

  static String base64Decode(String run) {
    String r = run;
    int eq = r.indexOf('=');
    if (eq >= 0) {
      r = r.substring(0, eq);
    }
    if (r.length() % 4 == 1) {
      return null;
    }
    boolean url = r.indexOf('-') >= 0 || r.indexOf('_') >= 0;
    if (url && (r.indexOf('+') >= 0 || r.indexOf('/') >= 0)) {
      return null; // both alphabets: the decoder would reject it (and throwing costs a stack trace)
    }
    byte[] bytes;
    try {
      bytes = url
          ? Base64.getUrlDecoder().decode(r)
          : Base64.getDecoder().decode(pad(r));
    } catch (IllegalArgumentException e) {
      return null;
    }
    return printableUtf8(bytes, bytes.length);
  }

  private static String pad(String r) {
    return switch (r.length() % 4) {
      case 2 -> r + "==";
      case 3 -> r + "=";
      default -> r;
    };
  }

  static String hexDecode(String run) {
    byte[] out = new byte[run.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (Character.digit(run.charAt(2 * i), 16) * 16 + Character.digit(run.charAt(2 * i + 1), 16));
    }
    return printableUtf8(out, out.length);
  }

  private static boolean hasReplacementCharacter(byte[] bytes, int len) {
    for (int i = 0; i + 2 < len; i++) {
      if (bytes[i] == (byte) 0xEF && bytes[i + 1] == (byte) 0xBF && bytes[i + 2] == (byte) 0xBD) {
        return true;
      }
    }
    return false;
  }

  /** The bytes as text if they are valid UTF-8 and at least 90% printable, else null. */
  private static String printableUtf8(byte[] bytes, int len) {
    if (len < 6) {
      return null;
    }
    int plausible = 0;
    for (int i = 0; i < len; i++) {
      int b = bytes[i] & 0xFF;
      if (b >= 0x20 && b != 0x7F || b == '\n' || b == '\r' || b == '\t') {
        plausible++;
      }
    }
    if (plausible * 10 < len * 9) {
      return null; // binary: no need to decode it as text
    }
    // Decoding with replacement is cheaper than a strict decoder (and a thrown exception for the
    // malformed input random bytes are): without a U+FFFD in the result the input was well-formed,
    // so the strict decoder would give the same text. Only a U+FFFD that may stand in the input
    // itself (its encoding EF BF BD) needs the strict decoder's answer.
    String s = new String(bytes, 0, len, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') >= 0 && !hasReplacementCharacter(bytes, len)) {
      return null;
    }
    try {
      s = s.indexOf('\uFFFD') < 0 ? s : StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, len))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    int printable = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != 0x7F || c == '\n' || c == '\r' || c == '\t') {
        printable++;
      }
    }
    return printable * 10 >= s.length() * 9 ? s : null;
  }
}
