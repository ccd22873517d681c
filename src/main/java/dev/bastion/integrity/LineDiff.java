package dev.bastion.integrity;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified-style line diff ({@code -} removed, {@code +} added, two lines of context, {@code @@}
 * between hunks) of two pretty-printed definitions, by longest common subsequence. Definitions are
 * small; beyond {@link #MAX_LINES} lines per side the diff falls back to "all removed, all added"
 * rather than spend quadratic memory on hostile input.
 */
final class LineDiff {
  static final int MAX_LINES = 4_000;
  private static final int CONTEXT = 2;

  private LineDiff() {}

  static String unified(String oldText, String newText, String oldLabel, String newLabel) {
    List<String> a = oldText.isEmpty() ? List.of() : List.of(oldText.split("\n", -1));
    List<String> b = newText.isEmpty() ? List.of() : List.of(newText.split("\n", -1));
    List<String> ops = ops(a, b);
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(oldLabel).append('\n').append("+++ ").append(newLabel).append('\n');
    int lastPrinted = -1;
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i).charAt(0) == ' ') {
        continue;
      }
      int from = Math.max(lastPrinted + 1, i - CONTEXT);
      if (lastPrinted >= 0 && from > lastPrinted + 1) {
        out.append("@@\n");
      } else if (lastPrinted < 0 && from > 0) {
        out.append("@@\n");
      }
      int to = i;
      // extend through this change and any change within 2*CONTEXT lines of it
      while (to + 1 < ops.size()) {
        int nextChange = -1;
        for (int j = to + 1; j < ops.size() && j <= to + 1 + 2 * CONTEXT; j++) {
          if (ops.get(j).charAt(0) != ' ') {
            nextChange = j;
            break;
          }
        }
        if (nextChange < 0) {
          break;
        }
        to = nextChange;
      }
      int end = Math.min(ops.size() - 1, to + CONTEXT);
      for (int k = from; k <= end; k++) {
        out.append(ops.get(k)).append('\n');
      }
      lastPrinted = end;
      i = end;
    }
    return out.toString();
  }

  private static List<String> ops(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>();
    if (a.size() > MAX_LINES || b.size() > MAX_LINES) {
      a.forEach(l -> out.add("-" + l));
      b.forEach(l -> out.add("+" + l));
      return out;
    }
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
      if (a.get(i).equals(b.get(j))) {
        out.add(" " + a.get(i++));
        j++;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        out.add("-" + a.get(i++));
      } else {
        out.add("+" + b.get(j++));
      }
    }
    while (i < a.size()) {
      out.add("-" + a.get(i++));
    }
    while (j < b.size()) {
      out.add("+" + b.get(j++));
    }
    return out;
  }
}
