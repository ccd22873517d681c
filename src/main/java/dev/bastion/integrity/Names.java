package dev.bastion.integrity;

import java.util.Optional;

/**
 * Look-alike names (SH-02, TP-04): two different names that fold to the same skeleton (Cyrillic
 * letters, {@code rn}/{@code m}, {@code 0}/{@code o}, separators), or that are one or two edits
 * apart. Names that differ only in digits ({@code pg1}, {@code pg2}) are treated as distinct.
 */
final class Names {
  private static final int MAX_COMPARED = 64;

  private Names() {}

  /** Why {@code later} looks like {@code earlier}, or empty when they are clearly distinct (or identical). */
  static Optional<String> lookalike(String earlier, String later, boolean nearDuplicates) {
    if (earlier.equals(later)) {
      return Optional.empty();
    }
    String a = Folding.nameKey(earlier);
    String b = Folding.nameKey(later);
    if (a.equals(b)) {
      return Optional.of("'" + Excerpts.clip(later) + "' is confusable with '" + Excerpts.clip(earlier) + "'");
    }
    if (!nearDuplicates || digitsOnly(earlier, later)) {
      return Optional.empty();
    }
    int shorter = Math.min(a.length(), b.length());
    int allowed = shorter >= 9 ? 2 : shorter >= 4 ? 1 : 0;
    if (allowed > 0 && distance(a, b, allowed) <= allowed) {
      return Optional.of("'" + Excerpts.clip(later) + "' is a near-duplicate of '" + Excerpts.clip(earlier) + "'");
    }
    return Optional.empty();
  }

  /** Both names plain ASCII and equal once their digits are removed ({@code pg1}/{@code pg2}). */
  private static boolean digitsOnly(String a, String b) {
    return a.matches("[\\x20-\\x7e]*") && b.matches("[\\x20-\\x7e]*") && a.replaceAll("[0-9]", "").equals(b.replaceAll("[0-9]", ""));
  }

  /** Optimal string alignment distance (edits incl. adjacent transpositions), capped at {@code cap + 1}. */
  static int distance(String a, String b, int cap) {
    if (a.length() > MAX_COMPARED || b.length() > MAX_COMPARED) {
      a = a.substring(0, Math.min(a.length(), MAX_COMPARED));
      b = b.substring(0, Math.min(b.length(), MAX_COMPARED));
    }
    if (Math.abs(a.length() - b.length()) > cap) {
      return cap + 1;
    }
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return Math.min(d[a.length()][b.length()], cap + 1);
  }
}
