package dev.bastion.inspect;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Brings text into the one form every detector reads: terminal escape sequences and other control
 * characters removed, invisible characters (zero-width, bidi controls, Unicode tag characters,
 * variation selectors, soft hyphens) removed, then Unicode NFKC. Joiners and variation selectors
 * doing their ordinary job — inside emoji sequences, and between letters of scripts that need them
 * (Devanagari, Arabic, Persian …) — are kept and not reported ({@link #legitimateJoiner}). What was removed is reported as an
 * {@link Obfuscation}, because hiding text is itself a finding. Text in tag characters (U+E0020 to
 * U+E007E mirror ASCII) is decoded and returned as {@link Canonical#hidden()} so that it is scanned
 * too.
 *
 * <p>Printable ASCII (plus tab, CR, LF) is already canonical: a first pass checks for it and returns
 * the input unchanged, so clean English text costs one read. Everything else is linear in the input.
 */
public final class Canonicalizer {
  private Canonicalizer() {}

  /** Kinds of obfuscation found while canonicalising. */
  public enum Obfuscation {
    ANSI_ESCAPE("ansi_escape"),
    CONTROL_CHARACTER("control_character"),
    ZERO_WIDTH("zero_width"),
    BIDI_CONTROL("bidi_control"),
    TAG_CHARACTERS("tag_characters"),
    MIXED_SCRIPT("mixed_script");

    private final String id;

    Obfuscation(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }
  }

  /**
   * @param text the canonical text
   * @param obfuscations what was removed or noticed
   * @param hidden ASCII decoded from tag characters, empty if none
   */
  public record Canonical(String text, Set<Obfuscation> obfuscations, String hidden) {
    public boolean changed(String original) {
      return !text.equals(original);
    }
  }

  public static Canonical canonicalize(String s) {
    if (isPlainAscii(s)) {
      return plain(s);
    }
    EnumSet<Obfuscation> found = EnumSet.noneOf(Obfuscation.class);
    StringBuilder out = new StringBuilder(s.length());
    StringBuilder hidden = new StringBuilder();
    int n = s.length();
    int i = 0;
    while (i < n) {
      // copy a run of printable ASCII in one go; only the rest is looked at code point by code point
      int run = i;
      while (run < n && isPlainAscii(s.charAt(run))) {
        run++;
      }
      if (run > i) {
        out.append(s, i, run);
        i = run;
        continue;
      }
      int cp = s.codePointAt(i);
      int len = Character.charCount(cp);
      if (cp == 0x1B || cp == 0x9B) {
        i = skipEscape(s, i);
        found.add(Obfuscation.ANSI_ESCAPE);
        continue;
      }
      if (cp >= 0xE0000 && cp <= 0xE007F) {
        found.add(Obfuscation.TAG_CHARACTERS);
        if (cp >= 0xE0020 && cp <= 0xE007E) {
          hidden.append((char) (cp - 0xE0000));
        }
      } else if (isBidi(cp)) {
        found.add(Obfuscation.BIDI_CONTROL);
      } else if (legitimateJoiner(cp, out, s, i + len)) {
        out.appendCodePoint(cp);
      } else if (isInvisible(cp)) {
        found.add(Obfuscation.ZERO_WIDTH);
      } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        out.append('\uFFFD'); // an unpaired surrogate; never let removals pair it up with another
      } else if (cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t' || cp >= 0x7F && cp < 0xA0) {
        found.add(Obfuscation.CONTROL_CHARACTER);
      } else {
        out.appendCodePoint(cp);
      }
      i += len;
    }
    String text = out.toString();
    if (!isPlainAscii(text)) {
      text = Normalizer.normalize(text, Normalizer.Form.NFKC);
      if (mixesScripts(text)) {
        found.add(Obfuscation.MIXED_SCRIPT);
        text = foldMixedWords(text);
      }
    }
    return new Canonical(text, found.isEmpty() ? Set.of() : Set.copyOf(found), hidden.toString());
  }

  /** The canonical form of text already known to be {@linkplain AsciiBytes#isPlain plain ASCII}: itself. */
  static Canonical plain(String s) {
    return new Canonical(s, Set.of(), "");
  }

  static boolean isPlainAscii(String s) {
    int n = s.length();
    if (n <= 64) {
      for (int i = 0; i < n; i++) {
        if (!isPlainAscii(s.charAt(i))) {
          return false;
        }
      }
      return true;
    }
    // copied out in chunks: a loop over a char[] has no per-character coder and index checks
    char[] chunk = new char[Math.min(n, 2048)];
    for (int from = 0; from < n; from += chunk.length) {
      int len = Math.min(chunk.length, n - from);
      s.getChars(from, from + len, chunk, 0);
      for (int i = 0; i < len; i++) {
        if (!isPlainAscii(chunk[i])) {
          return false;
        }
      }
    }
    return true;
  }

  /** Printable ASCII, tab, CR or LF. */
  private static boolean isPlainAscii(char c) {
    return (char) (c - 0x20) < 0x5F || c == '\n' || c == '\r' || c == '\t';
  }

  /** Skips an ESC/CSI sequence starting at {@code i}; returns the index after it (bounded by the text). */
  private static int skipEscape(String s, int i) {
    int n = s.length();
    char first = s.charAt(i);
    int j = i + 1;
    if (first == 0x9B || j < n && s.charAt(j) == '[') {
      // CSI: parameter and intermediate bytes, then one final byte in 0x40..0x7E
      j = first == 0x9B ? j : j + 1;
      while (j < n && s.charAt(j) >= 0x20 && s.charAt(j) <= 0x3F) {
        j++;
      }
      while (j < n && s.charAt(j) >= 0x20 && s.charAt(j) <= 0x2F) {
        j++;
      }
      return j < n && s.charAt(j) >= 0x40 && s.charAt(j) <= 0x7E ? j + 1 : j;
    }
    if (j < n && (s.charAt(j) == ']' || s.charAt(j) == 'P' || s.charAt(j) == '_' || s.charAt(j) == '^')) {
      // OSC / DCS / APC / PM: up to BEL or ST (ESC \)
      j++;
      while (j < n) {
        char c = s.charAt(j);
        if (c == 0x07) {
          return j + 1;
        }
        if (c == 0x1B && j + 1 < n && s.charAt(j + 1) == '\\') {
          return j + 2;
        }
        j++;
      }
      return n;
    }
    // two-character escape (ESC c, ESC 7, ...)
    return j < n ? j + 1 : j;
  }

  /**
   * Whether an invisible joiner or variation selector is doing its ordinary job and is kept: a
   * zero-width joiner between two pictographs (emoji sequences such as the family emoji), a
   * variation selector 15/16 right after a pictograph (text or emoji presentation), or a zero-width
   * (non-)joiner after a virama or between two letters or marks of one script that uses them — Devanagari and the
   * other Brahmic scripts, Arabic and Persian, and the like (never Latin, Greek, Cyrillic or common
   * characters, where a joiner only serves to split a keyword). Everything else is removed and
   * reported.
   */
  static boolean legitimateJoiner(int cp, StringBuilder before, String s, int next) {
    if (cp != 0x200C && cp != 0x200D && cp != 0xFE0E && cp != 0xFE0F || before.isEmpty()) {
      return false;
    }
    int prev = Character.codePointBefore(before, before.length());
    if (cp == 0xFE0E || cp == 0xFE0F) {
      return pictograph(prev);
    }
    if (joiningScript(prev) != null && com.ibm.icu.lang.UCharacter.getCombiningClass(prev) == 9) {
      return true; // after a virama: a half form or, at the end of a word, a chillu (Malayalam)
    }
    if (next >= s.length()) {
      return false;
    }
    int following = s.codePointAt(next);
    if (cp == 0x200D && (pictograph(prev) || prev == 0xFE0F || isEmojiModifier(prev)) && pictograph(following)) {
      return true;
    }
    Character.UnicodeScript script = joiningScript(prev);
    return script != null && script == joiningScript(following);
  }

  private static boolean pictograph(int cp) {
    return cp > 0x7F && com.ibm.icu.lang.UCharacter.hasBinaryProperty(cp, com.ibm.icu.lang.UProperty.EXTENDED_PICTOGRAPHIC);
  }

  private static boolean isEmojiModifier(int cp) {
    return cp >= 0x1F3FB && cp <= 0x1F3FF;
  }

  /** The script of a letter or mark when that script uses joiners, else null. */
  private static Character.UnicodeScript joiningScript(int cp) {
    int type = Character.getType(cp);
    boolean letterOrMark = Character.isLetter(cp) || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK;
    if (!letterOrMark || cp < 0x0370) {
      return null;
    }
    Character.UnicodeScript script = Character.UnicodeScript.of(cp);
    return switch (script) {
      case LATIN, GREEK, CYRILLIC, COMMON, INHERITED, UNKNOWN -> null;
      default -> script;
    };
  }

  private static boolean isBidi(int cp) {
    return cp >= 0x202A && cp <= 0x202E || cp >= 0x2066 && cp <= 0x2069 || cp == 0x061C || cp == 0x200E || cp == 0x200F;
  }

  private static boolean isInvisible(int cp) {
    return cp >= 0x200B && cp <= 0x200D
        || cp >= 0x2060 && cp <= 0x2064
        || cp == 0xFEFF
        || cp == 0x00AD
        || cp == 0x034F
        || cp == 0x180E
        || cp == 0x115F
        || cp == 0x1160
        || cp == 0x3164
        || cp == 0xFFA0
        || cp >= 0xFE00 && cp <= 0xFE0F
        || cp >= 0xE0100 && cp <= 0xE01EF;
  }

  /** True if one word mixes Latin letters with Cyrillic or Greek ones (a homoglyph tell). */
  static boolean mixesScripts(String text) {
    boolean latin = false;
    boolean other = false;
    for (int i = 0, n = text.length(); i < n; ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (!Character.isLetter(cp)) {
        latin = false;
        other = false;
        continue;
      }
      if (cp < 0x80) {
        latin = true;
      } else {
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        if (script == Character.UnicodeScript.CYRILLIC || script == Character.UnicodeScript.GREEK) {
          other = true;
        } else if (script == Character.UnicodeScript.LATIN) {
          latin = true;
        }
      }
      if (latin && other) {
        return true;
      }
    }
    return false;
  }

  /** Cyrillic and Greek letters that look like Latin ones (TR39 confusables, the single-letter cases). */
  private static final String FOLD_FROM = "аеорсухіѕјԁԛԝӏАВЕКМНОРСТУХІЅЈαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ";
  private static final String FOLD_TO = "aeopcyxisjdqwlABEKMHOPCTYXISJabeikvoptuxABEZHIKMNOPTYX";

  /**
   * In words that mix Latin with Cyrillic or Greek letters, replaces the look-alike letters by their
   * Latin twins, so that "ignоre" (Cyrillic о) reads as "ignore" to the detectors. Words written
   * wholly in another script are left alone.
   */
  static String foldMixedWords(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    int n = text.length();
    while (i < n) {
      int start = i;
      while (i < n && Character.isLetter(text.charAt(i))) {
        i++;
      }
      if (i > start) {
        String word = text.substring(start, i);
        if (mixesScripts(word)) {
          for (int k = 0; k < word.length(); k++) {
            int idx = FOLD_FROM.indexOf(word.charAt(k));
            out.append(idx >= 0 ? FOLD_TO.charAt(idx) : word.charAt(k));
          }
        } else {
          out.append(word);
        }
      }
      if (i < n) {
        out.append(text.charAt(i));
        i++;
      }
    }
    return out.toString();
  }

  /** Compact list of the obfuscation ids, for messages. */
  static List<String> ids(Set<Obfuscation> obfuscations) {
    List<String> ids = new ArrayList<>();
    obfuscations.forEach(o -> ids.add(o.id()));
    return ids;
  }
}
