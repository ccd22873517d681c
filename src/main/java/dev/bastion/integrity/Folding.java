package dev.bastion.integrity;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.text.SpoofChecker;
import java.util.Locale;

/**
 * Unicode folding that look-alike and invisible-character tricks cannot get through: invisible
 * format characters removed, NFKC, lower case, then the UTS #39 confusable skeleton (so Cyrillic
 * {@code е}, full-width letters, {@code 0} for {@code o} and {@code rn} for {@code m} all fold to
 * the same text as the plain spelling). Patterns and inspected text go through the same fold, so a
 * match on folded text is a match on what a reader (or a model) would see.
 */
final class Folding {
  private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();
  private static final SpoofChecker SPOOF = new SpoofChecker.Builder().setChecks(SpoofChecker.CONFUSABLE).build();

  private Folding() {}

  /** True for code points a reader cannot see: format characters (zero-width, bidi, tags), variation selectors. */
  static boolean invisible(int cp) {
    return UCharacter.getType(cp) == UCharacterCategory.FORMAT
        || (cp >= 0xFE00 && cp <= 0xFE0F)
        || (cp >= 0xE0100 && cp <= 0xE01EF)
        || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 // Hangul fillers render blank
        || cp == 0x034F; // combining grapheme joiner
  }

  /** Unicode tag characters (U+E0000 block): invisible, and carrying ASCII that a model can read. */
  static boolean tag(int cp) {
    return cp >= 0xE0000 && cp <= 0xE007F;
  }

  /** The ASCII text smuggled in tag characters, or "" if there is none. */
  static String decodeTags(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().filter(cp -> cp >= 0xE0020 && cp <= 0xE007E).forEach(cp -> out.append((char) (cp - 0xE0000)));
    return out.toString();
  }

  /** Without invisible characters. */
  static String visible(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().filter(cp -> !invisible(cp) && !tag(cp)).forEach(out::appendCodePoint);
    return out.toString();
  }

  /** Invisible characters removed, NFKC, lower case, confusable skeleton, lower case again. */
  static String fold(String s) {
    String n = NFKC.normalize(visible(s)).toLowerCase(Locale.ROOT);
    return SPOOF.getSkeleton(n).toLowerCase(Locale.ROOT);
  }

  /** {@link #fold} with every run of non-letters and non-digits turned into one space, padded with spaces. */
  static String words(String folded) {
    StringBuilder out = new StringBuilder(folded.length() + 2).append(' ');
    boolean space = true;
    for (int i = 0; i < folded.length(); ) {
      int cp = folded.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isLetterOrDigit(cp)) {
        out.appendCodePoint(cp);
        space = false;
      } else if (!space) {
        out.append(' ');
        space = true;
      }
    }
    if (!space) {
      out.append(' ');
    }
    return out.toString();
  }

  /** A name folded for comparison: {@link #fold} without separators ({@code - _ . space}). */
  static String nameKey(String name) {
    return fold(name).replaceAll("[-_. ]", "");
  }
}
