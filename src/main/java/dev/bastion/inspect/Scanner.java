package dev.bastion.inspect;

import com.google.re2j.Matcher;
import dev.bastion.inspect.Hit.Category;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * All content detectors in one pass over a canonical text. The pass splits the text into runs of
 * token characters (letters, digits and the punctuation credentials, URLs and encodings use) and
 * looks closer only where a run could be something: long runs are matched against the credential
 * rules (each behind a literal hint), runs with {@code @} against the e-mail shape, runs starting
 * with a digit against card, phone and SSN shapes, runs shaped like an IBAN against its checksum,
 * and a few words and characters ({@code ignore}, {@code User:}, {@code <|}, {@code <!--},
 * {@code ](}) open a bounded window for the prompt-injection patterns. Runs that look encoded
 * (base64, hex, percent, HTML entities) are decoded and the decoded text scanned again, to
 * {@link #MAX_DEPTH} levels; what is found inside is reported on the encoded span, with an extra
 * {@code encoded_payload} obfuscation hit.
 *
 * <p>Every step is bounded (windows, run lengths, decode sizes, hit count), so the whole scan is
 * linear in the input. Instances are immutable and thread-safe.
 */
public final class Scanner {
  static final int MAX_DEPTH = 2;
  static final int MAX_HITS = 1000;

  /**
   * Whether the cheap necessary-condition checks run before each regular expression and decoder
   * (see {@link Prefilter}). Always on in production; tests turn them off to prove that they never
   * change a finding.
   */
  private final boolean prefilter;

  private final InjectionScan injection;

  /** @param linkHosts hosts that markdown links and images in tool output may point at with data */
  public Scanner(Set<String> linkHosts) {
    this(linkHosts, true);
  }

  Scanner(Set<String> linkHosts, boolean prefilter) {
    this.prefilter = prefilter;
    this.injection = new InjectionScan(linkHosts, prefilter);
  }

  public static Scanner standard() {
    return new Scanner(Set.of());
  }

  /** Detector hits in {@code text} (already canonical), in order of position. */
  public List<Hit> scan(String text) {
    List<Hit> hits = new ArrayList<>();
    scan(text, AsciiBytes.of(text), 0, hits);
    return hits;
  }

  /** Canonicalises, reports obfuscation, scans the canonical text and any hidden (tag-character) text. */
  public Result inspect(String original) {
    // One byte copy of the text serves the canonicaliser's plain-ASCII check and, when that holds
    // (the text is then its own canonical form), the scan.
    byte[] bytes = AsciiBytes.plainOrNull(original);
    boolean plain = bytes != null;
    Canonicalizer.Canonical c = plain ? Canonicalizer.plain(original) : Canonicalizer.canonicalize(original);
    List<Hit> hits = new ArrayList<>();
    for (Canonicalizer.Obfuscation o : c.obfuscations()) {
      hits.add(new Hit(Category.OBFUSCATION, o.id(), 0, 0));
    }
    scan(c.text(), plain ? bytes : AsciiBytes.of(c.text()), 0, hits);
    if (!c.hidden().isEmpty()) {
      List<Hit> inner = new ArrayList<>();
      scan(c.hidden(), AsciiBytes.of(c.hidden()), 1, inner);
      for (Hit h : inner) {
        hits.add(new Hit(h.category(), h.detector(), 0, 0));
      }
    }
    return new Result(c, hits);
  }

  /** The canonical form of one string and what the detectors found in it. */
  public record Result(Canonicalizer.Canonical canonical, List<Hit> hits) {}

  /**
   * @param a {@code text}'s characters as {@link AsciiBytes}: the hot loops read the array, since
   *     {@link String#charAt} checks the coder and the index per character
   */
  private void scan(String text, byte[] a, int depth, List<Hit> hits) {
    int n = a.length;
    int i = 0;
    int windowEnd = -1;
    while (i < n && hits.size() < MAX_HITS) {
      int c = a[i];
      int f = TokenChars.FLAGS[c & 0xFF];
      if (f != 0) {
        // One pass over the run, OR-ing the flags of its characters (see TokenChars)
        int start = i;
        int flags = 0;
        do {
          flags |= f;
          i++;
        } while (i < n && (f = TokenChars.FLAGS[a[i] & 0xFF]) != 0);
        // whether a letter run in it could be a trigger word or a role word before ':'
        boolean trigger = (flags & TokenChars.NOT_LETTER) == 0 ? InjectionScan.mayTrigger(a, start, i, ' ')
            : (flags & TokenChars.LETTER) != 0 && InjectionScan.letterRunsMayTrigger(a, start, i);
        if (!trigger && i - start < 8 && a[start] >= 'a') {
          continue; // a short word starting in lower case: nothing in token() looks at it
        }
        int skip = token(text, a, start, i, depth, flags, trigger, hits);
        if (skip > i) {
          i = skip;
        }
        continue;
      }
      if (c == '<' || c == '[') {
        if (i >= windowEnd) {
          windowEnd = injection.markup(text, i, hits);
        }
      } else if (c == ']' && i + 1 < n && a[i + 1] == '(') {
        injection.markdownLink(text, i, hits);
      }
      i++;
    }
  }

  /**
   * Looks at one token run {@code a[start, end)} with the {@link TokenChars} {@code flags} (see
   * {@link #scan(String, byte[], int, List)}); returns where scanning should resume (at least
   * {@code end}).
   */
  private int token(String text, byte[] a, int start, int end, int depth, int flags, boolean trigger, List<Hit> hits) {
    int len = end - start;
    char first = (char) a[start]; // token characters are ASCII
    int resume = end;
    if (first >= '0' && first <= '9' || first == '+') {
      resume = Math.max(resume, PiiScan.numbers(text, a, start, hits));
    }
    if (first >= 'A' && first <= 'Z' && len >= 4) {
      resume = Math.max(resume, PiiScan.iban(text, start, hits));
    }
    if (trigger) {
      injection.words(text, a, start, end, hits);
    }
    if (len < 8) {
      return resume;
    }
    if (first == '-' && text.startsWith("-----BEGIN", start)) {
      return Math.max(resume, SecretScan.pem(text, start, hits));
    }
    // Every vendor format and every generic secret has a digit; digit-free tokens (long words, most
    // paths and URLs) skip the rules unless they could be a connection string.
    boolean digit = (flags & TokenChars.DIGIT) != 0;
    boolean rules = len >= 16 && (digit || (flags & COLON_SLASH) == COLON_SLASH && indexOf(text, "://", start, end - 3) >= 0);
    if (prefilter && !rules && !Prefilter.mayNeedToken(flags, depth)
        && !(depth < MAX_DEPTH && TokenChars.hasLongBase64Run(a, start, end, flags)) && SecretScan.keySpan(text, a, start) < 0) {
      return resume; // no key, no '@', nothing decodable: no detector below can fire
    }
    String token = text.substring(start, end);
    int before = hits.size();
    int valueFrom = SecretScan.valueFrom(a, start, end);
    if (rules) {
      SecretScan.vendorFormats(a, token, start, prefilter, hits);
      if (hits.size() == before) {
        SecretScan.genericSecret(text, a, token, start, valueFrom, hits);
      }
      if (hits.size() == before) {
        SecretScan.shortSecret(text, a, token, start, valueFrom, hits);
      }
    } else {
      SecretScan.shortSecret(text, a, token, start, valueFrom, hits);
    }
    if (token.indexOf('@') > 0) {
      PiiScan.emails(token, start, before, hits);
    }
    if (depth < MAX_DEPTH && hits.size() == before) {
      decoded(token, a, start, depth, hits);
    }
    return resume;
  }

  private static final int COLON_SLASH = TokenChars.COLON | TokenChars.SLASH;

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

  private void decoded(String token, byte[] a, int start, int depth, List<Hit> hits) {
    if (token.indexOf('%') >= 0 && EncodedSpans.percentEscapes(token) >= 2) {
      String d = EncodedSpans.percentDecode(token);
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
      byte ch;
      while (k < n && EncodedSpans.isBase64(ch = a[start + k])) {
        hexOnly &= ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F';
        k++;
      }
      int runLen = k - runStart;
      boolean hex = hexOnly && runLen % 2 == 0;
      if (runLen >= 24 && (!prefilter || EncodedSpans.mayDecodeToText(a, start + runStart, start + k, hex))) {
        String run = token.substring(runStart, k);
        String d = hex ? EncodedSpans.hexDecode(run) : EncodedSpans.base64Decode(run);
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
    scan(c.text(), AsciiBytes.of(c.text()), depth + 1, found);
    if (!found.isEmpty()) {
      for (Hit h : found) {
        hits.add(new Hit(h.category(), h.detector(), spanStart, spanEnd));
      }
      hits.add(new Hit(Category.OBFUSCATION, "encoded_payload", spanStart, spanEnd));
    }
  }
}
