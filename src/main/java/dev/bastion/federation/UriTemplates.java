package dev.bastion.federation;

import com.google.re2j.Pattern;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Matching of a concrete URI against an RFC 6570 template, enough to route a resource read: literal
 * parts match exactly; a simple {@code {var}} matches one or more characters other than '/', a
 * reserved or path expression ({@code {+var}}, {@code {/var}}, {@code {#var}}, {@code {var*}}) may
 * span '/'. Templates compile to RE2/J patterns (linear time, whatever the URI) once and are cached.
 */
final class UriTemplates {
  private static final int MAX_LENGTH = 4096;
  private static final int MAX_CACHED = 10_000;
  private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();

  static boolean matches(String template, String uri) {
    if (template.isEmpty() || template.length() > MAX_LENGTH || uri.length() > MAX_LENGTH) {
      return false;
    }
    Pattern p = CACHE.get(template);
    if (p == null) {
      p = compile(template);
      if (CACHE.size() < MAX_CACHED) {
        CACHE.put(template, p);
      }
    }
    return p.matches(uri);
  }

  static Pattern compile(String template) {
    StringBuilder re = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      int open = template.indexOf('{', i);
      if (open < 0) {
        re.append(Pattern.quote(template.substring(i)));
        break;
      }
      if (open > i) {
        re.append(Pattern.quote(template.substring(i, open)));
      }
      int close = template.indexOf('}', open);
      if (close < 0) {
        re.append(Pattern.quote(template.substring(open)));
        break;
      }
      String expr = template.substring(open + 1, close);
      boolean spansSlash = expr.startsWith("+") || expr.startsWith("/") || expr.startsWith("#") || expr.endsWith("*");
      re.append(spansSlash ? ".+" : "[^/]+");
      i = close + 1;
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  private UriTemplates() {}
}
