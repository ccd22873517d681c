package dev.bastion.inspect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Replaces detector spans by typed placeholders ({@code [REDACTED:<detector>]}). */
public final class Redaction {
  private Redaction() {}

  public static String placeholder(String detector) {
    return "[REDACTED:" + detector + "]";
  }

  /** {@code text} with each span replaced; overlapping spans merge (the earliest-starting one names the placeholder). */
  public static String apply(String text, List<Hit> spans) {
    if (spans.isEmpty()) {
      return text;
    }
    List<Hit> sorted = new ArrayList<>(spans);
    sorted.sort(Comparator.comparingInt(Hit::start).thenComparing(Comparator.comparingInt(Hit::end).reversed()));
    StringBuilder out = new StringBuilder(text.length());
    int pos = 0;
    for (Hit h : sorted) {
      int start = Math.max(h.start(), 0);
      int end = Math.min(h.end(), text.length());
      if (end <= pos || start >= end) {
        continue;
      }
      if (start < pos) {
        // overlaps the previous placeholder: extend it over the rest
        pos = end;
        continue;
      }
      out.append(text, pos, start).append(placeholder(h.detector()));
      pos = end;
    }
    out.append(text, pos, text.length());
    return out.toString();
  }

  /** Cuts every line longer than {@code max} characters, with a marker saying how much was cut. */
  public static String truncateLines(String s, int max) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 1 << 20));
    int start = 0;
    int n = s.length();
    for (int i = 0; i <= n; i++) {
      if (i == n || s.charAt(i) == '\n') {
        int len = i - start;
        if (len > max) {
          out.append(s, start, start + max).append("…[TRUNCATED: ").append(len - max).append(" chars over max_line_chars]");
        } else {
          out.append(s, start, i);
        }
        if (i < n) {
          out.append('\n');
        }
        start = i + 1;
      }
    }
    return out.toString();
  }
}
