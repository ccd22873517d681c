package dev.bastion.inspect;

import java.util.Map;

/** Decodes HTML character references (numeric and the few named ones used to hide markup). */
final class Entities {
  private Entities() {}

  private static final Map<String, String> NAMED = Map.of(
      "lt", "<", "gt", ">", "amp", "&", "quot", "\"", "apos", "'", "nbsp", " ", "colon", ":", "sol", "/", "period", ".", "equals", "=");

  static String decode(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == '&') {
        int semi = s.indexOf(';', i + 1);
        if (semi > i + 1 && semi - i <= 12) {
          String ref = s.substring(i + 1, semi);
          String rep = null;
          if (ref.startsWith("#x") || ref.startsWith("#X")) {
            rep = codePoint(ref.substring(2), 16);
          } else if (ref.startsWith("#")) {
            rep = codePoint(ref.substring(1), 10);
          } else {
            rep = NAMED.get(ref.toLowerCase(java.util.Locale.ROOT));
          }
          if (rep != null) {
            out.append(rep);
            i = semi + 1;
            continue;
          }
        }
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  private static String codePoint(String digits, int radix) {
    try {
      int cp = Integer.parseInt(digits, radix);
      return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
