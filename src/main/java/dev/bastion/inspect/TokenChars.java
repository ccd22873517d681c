package dev.bastion.inspect;

/**
 * The characters of a token run — letters, digits and the punctuation credentials, URLs and
 * encodings use — and, per character, the flags the scanner's prefilters ask about. The scan ORs
 * one table entry per character into a token's flags; the full set of its characters
 * (a bit per ASCII character, {@link SecretScan#vendorFormats}) is computed only for the few tokens
 * the credential rules look at.
 */
final class TokenChars {
  private TokenChars() {}

  static final int LETTER = 1;
  /** A token character other than a letter. */
  static final int NOT_LETTER = 1 << 1;
  static final int DIGIT = 1 << 2;
  static final int COLON = 1 << 3;
  static final int SLASH = 1 << 4;
  static final int PERCENT = 1 << 5;
  static final int AT = 1 << 6;
  static final int EQUALS = 1 << 7;
  static final int AMPERSAND = 1 << 8;
  static final int SEMICOLON = 1 << 9;
  /** The letters of the password key words, either case (see {@link Prefilter#mayNeedToken}). */
  static final int P = 1 << 10;
  static final int S = 1 << 11;
  static final int W = 1 << 12;
  static final int D = 1 << 13;
  /** A token character outside both base64 alphabets. */
  static final int NOT_BASE64 = 1 << 14;

  /** Per byte (index {@code b & 0xFF}): the token character's flags, or 0 for any other character. */
  static final int[] FLAGS = new int[256];
  /** Base64 characters of either alphabet, and '='. */
  static final boolean[] BASE64 = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      BASE64[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
          || c == '_' || c == '-';
    }
    for (char c = 'a'; c <= 'z'; c++) {
      FLAGS[c] = LETTER;
      FLAGS[c - 32] = LETTER;
    }
    for (char c = '0'; c <= '9'; c++) {
      FLAGS[c] = NOT_LETTER | DIGIT;
    }
    for (char c : "_-+/=.:@%~&#;?".toCharArray()) {
      FLAGS[c] = NOT_LETTER;
    }
    FLAGS[':'] |= COLON;
    FLAGS['/'] |= SLASH;
    FLAGS['%'] |= PERCENT;
    FLAGS['@'] |= AT;
    FLAGS['='] |= EQUALS;
    FLAGS['&'] |= AMPERSAND;
    FLAGS[';'] |= SEMICOLON;
    for (char c : "pP".toCharArray()) {
      FLAGS[c] |= P;
    }
    for (char c : "sS".toCharArray()) {
      FLAGS[c] |= S;
    }
    for (char c : "wW".toCharArray()) {
      FLAGS[c] |= W;
    }
    for (char c : "dD".toCharArray()) {
      FLAGS[c] |= D;
    }
    for (char c = 0; c < 128; c++) {
      if (FLAGS[c] != 0 && !BASE64[c]) {
        FLAGS[c] |= NOT_BASE64;
      }
    }
  }

  static boolean isToken(byte c) {
    return FLAGS[c & 0xFF] != 0;
  }

  /**
   * Whether the token run {@code a[start, end)} (with the {@code flags}) has a base64-alphabet run
   * of at least 24 characters, the shortest the decoder looks at: the whole run if it has no token
   * character outside that alphabet.
   */
  static boolean hasLongBase64Run(byte[] a, int start, int end, int flags) {
    if (end - start < 24) {
      return false;
    }
    return (flags & NOT_BASE64) == 0 || longestBase64Run(a, start, end) >= 24;
  }

  private static int longestBase64Run(byte[] a, int start, int end) {
    int run = 0;
    int longest = 0;
    for (int k = start; k < end; k++) {
      run = BASE64[a[k]] ? run + 1 : 0; // token characters are ASCII
      longest = Math.max(longest, run);
    }
    return longest;
  }
}
