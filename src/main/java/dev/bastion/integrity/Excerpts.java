package dev.bastion.integrity;

/** Printable excerpts of hostile text: clipped, with control and invisible characters shown as {@code \\u{..}}. */
final class Excerpts {
  private static final int MAX = 80;

  private Excerpts() {}

  static String clip(String s) {
    StringBuilder out = new StringBuilder();
    int count = 0;
    for (int i = 0; i < s.length() && count < MAX; count++) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || Folding.invisible(cp) || Folding.tag(cp)) {
        out.append("\\u{").append(Integer.toHexString(cp)).append('}');
      } else {
        out.appendCodePoint(cp);
      }
    }
    if (count >= MAX) {
      out.append('…');
    }
    return out.toString();
  }
}
