package dev.bastion.config;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${env:NAME}} references in a string; {@code $${} writes a literal {@code ${}.
 * Problems are reported naming the variable, never showing any value.
 */
final class Interpolation {
  private static final Pattern VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  /** A resolved string; {@code fromReference} when any part came from the environment. */
  record Text(String value, boolean fromReference) {
    @Override
    public String toString() {
      return fromReference ? "<from environment>" : value;
    }
  }

  private Interpolation() {}

  /** The resolved text, or null when a reference is malformed or unset (each problem is added to errors). */
  static Text resolve(String raw, Function<String, String> env, Problems problems) {
    if (raw.indexOf('$') < 0) {
      return new Text(raw, false);
    }
    StringBuilder out = new StringBuilder(raw.length());
    boolean fromReference = false;
    boolean ok = true;
    int i = 0;
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (c == '$' && raw.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (c == '$' && raw.startsWith("${", i)) {
        int close = raw.indexOf('}', i + 2);
        if (close < 0) {
          problems.report("has an unterminated reference starting '${'; expected ${env:NAME}, or $${ for a literal ${");
          return null;
        }
        String inner = raw.substring(i + 2, close);
        if (!inner.startsWith("env:")) {
          problems.report("has an unsupported reference ${" + shorten(inner)
              + "}; expected ${env:NAME}, or $${ for a literal ${");
          ok = false;
        } else {
          String name = inner.substring(4);
          if (!VAR_NAME.matcher(name).matches()) {
            problems.report("has a reference ${env:" + shorten(name)
                + "} whose name is not a valid environment variable name (letters, digits, _; not starting with a digit)");
            ok = false;
          } else {
            String value = env.apply(name);
            if (value == null) {
              problems.report("references the environment variable " + name + ", which is not set; set it or remove the reference");
              ok = false;
            } else {
              out.append(value);
              fromReference = true;
            }
          }
        }
        i = close + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return ok ? new Text(out.toString(), fromReference) : null;
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  /** Where resolution problems go; the binder attaches path and position. */
  @FunctionalInterface
  interface Problems {
    void report(String message);
  }
}
