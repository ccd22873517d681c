package dev.bastion.inspect;

/**
 * Cheap necessary conditions checked before {@link Scanner} runs a regular expression or a decoder:
 * each returns false only when the expensive step could not find anything, so skipping it never
 * changes a finding ({@code ScannerPrefilterTest} compares every finding with and without them).
 * They look for the literal characters or words a pattern cannot match without, inside the span
 * the pattern could reach. Text with non-ASCII characters in that span is always passed on, so
 * Unicode case folding in the patterns cannot be missed.
 */
final class Prefilter {
  private Prefilter() {}

  /**
   * Whether a token run that the credential rules skip (with the {@link TokenChars} {@code flags}
   * of its characters) can feed the password check, the e-mail shape or the percent and entity
   * decoders. Base64/hex runs and the key word before the run ({@code token = …}) are checked
   * separately.
   */
  static boolean mayNeedToken(int flags, int depth) {
    if ((flags & (TokenChars.PERCENT | TokenChars.AT)) != 0) {
      return true; // an e-mail, or percent escapes
    }
    if ((flags & (TokenChars.EQUALS | TokenChars.COLON)) != 0 && mayNamePassword(flags)) {
      return true; // a password key in the run (password=…): the only key/value check short runs get
    }
    return depth < Scanner.MAX_DEPTH && (flags & TokenChars.AMPERSAND) != 0 && (flags & TokenChars.SEMICOLON) != 0;
  }

  /**
   * Whether a run with these letters can hold a password key word ("password", "passwd",
   * "passphrase" need p and s; "…pwd" needs p, w and d), in any case.
   */
  private static boolean mayNamePassword(int flags) {
    return (flags & TokenChars.P) != 0 && ((flags & TokenChars.S) != 0 || (flags & TokenChars.W) != 0 && (flags & TokenChars.D) != 0);
  }

  /** The objects of the override pattern ({@code … previous instructions}), one of which it must end with. */
  private static final String[] OVERRIDE_OBJECTS = {
    "instruction", "prompt", "rules", "guideline", "direct", "context", "message", "polic", "restrictions", "guardrails"
  };
  private static final String[] LURE_ACTIONS = {
    "follow", "execute", "run", "obey", "carry out", "perform", "do what", "act on", "instruction"
  };

  /** The override pattern cannot cross {@code .} or a line break: one of its object words must occur before them. */
  static boolean mayOverride(byte[] text, int start, int window) {
    return sentenceHasAny(text, start, window, OVERRIDE_BY_FIRST);
  }

  /** The decode-and-follow pattern cannot cross {@code .} or a line break: one of its action words must occur before them. */
  static boolean mayDecodeLure(byte[] text, int start, int window) {
    return sentenceHasAny(text, start, window, LURE_BY_FIRST);
  }

  /** The words of each list by their first letter (index {@code letter - 'a'}), so a word start is compared only with its candidates. */
  private static final String[][] OVERRIDE_BY_FIRST = byFirstLetter(OVERRIDE_OBJECTS);
  private static final String[][] LURE_BY_FIRST = byFirstLetter(LURE_ACTIONS);

  private static String[][] byFirstLetter(String[] words) {
    String[][] table = new String[26][];
    for (char f = 'a'; f <= 'z'; f++) {
      char first = f;
      String[] candidates = java.util.Arrays.stream(words).filter(w -> w.charAt(0) == first).toArray(String[]::new);
      table[f - 'a'] = candidates.length == 0 ? null : candidates;
    }
    return table;
  }

  /** @param text the text as {@link AsciiBytes} (any character outside ASCII is negative) */
  private static boolean sentenceHasAny(byte[] text, int start, int window, String[][] byFirst) {
    int end = Math.min(text.length, start + window);
    int k = start;
    while (k < end) {
      byte c = text[k];
      if (c == '.' || c == '\n') {
        break;
      }
      if (c < 0) {
        return true;
      }
      k++;
    }
    // each word follows a \b in the pattern, so only word starts need a look
    for (int p = start; p < k; p++) {
      if (p > start && isWordChar(text[p - 1]) || !isWordChar(text[p])) {
        continue;
      }
      int first = (text[p] | 0x20) - 'a'; // ASCII: the span has no other character
      String[] candidates = first >= 0 && first < 26 ? byFirst[first] : null;
      if (candidates == null) {
        continue;
      }
      for (String w : candidates) {
        if (p + w.length() <= k && asciiRegionMatchesIgnoreCase(text, p, w)) {
          return true;
        }
      }
    }
    return false;
  }

  /** {@code String.regionMatches(true, …)} for an ASCII span and a lower-case ASCII word. */
  private static boolean asciiRegionMatchesIgnoreCase(byte[] text, int from, String word) {
    for (int k = 0; k < word.length(); k++) {
      byte c = text[from + k];
      char w = word.charAt(k);
      if (c != w && !((char) ((c | 0x20) - 'a') < 26 && (c | 0x20) == w)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isWordChar(byte c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
  }

  /** True if one of {@code a}, {@code b} occurs in {@code [from, to)}. */
  static boolean hasAny(String text, int from, int to, char a, char b) {
    for (int k = from; k < to; k++) {
      char c = text.charAt(k);
      if (c == a || c == b) {
        return true;
      }
    }
    return false;
  }

  private static final String[] HIDING = {"none", "hidden", "font-size", "opacity"};

  /**
   * The hidden-element pattern needs a hiding style or attribute inside the opening tag, which ends
   * at the first {@code >} (the marker may end with that {@code >}).
   */
  static boolean mayHideElement(String text, int lt) {
    int end = Math.min(text.length(), lt + InjectionScan.HIDDEN_ELEMENT_REACH);
    int k = lt + 1;
    while (k < end && text.charAt(k) != '>') {
      if (text.charAt(k) >= 128) {
        return true;
      }
      k++;
    }
    for (String w : HIDING) {
      if (containsIgnoreCase(text, lt, k, w)) {
        return true;
      }
    }
    return false;
  }

  /** After {@code ](}: blanks, an optional {@code <}, then {@code http} (the link pattern needs an http(s) URL). */
  static boolean httpAfter(String text, int from) {
    int n = text.length();
    int k = from;
    while (k < n && isRe2Space(text.charAt(k))) {
      k++;
    }
    if (k < n && text.charAt(k) == '<') {
      k++;
    }
    return text.startsWith("http", k);
  }

  private static boolean isRe2Space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
  }

  static boolean containsIgnoreCase(String text, int from, int to, String word) {
    int last = to - word.length();
    char f = word.charAt(0);
    for (int k = from; k <= last; k++) {
      if ((text.charAt(k) | 0x20) == f && text.regionMatches(true, k, word, 0, word.length())) {
        return true;
      }
    }
    return false;
  }
}
