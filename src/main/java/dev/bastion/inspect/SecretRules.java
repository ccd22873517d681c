package dev.bastion.inspect;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.List;

/**
 * Credential formats, written from the providers' public token descriptions. Each rule has a literal
 * hint that must occur in a token before its RE2 pattern (linear time) runs, so clean text pays one
 * {@code indexOf} per long token and rule, not a regex.
 */
final class SecretRules {
  private SecretRules() {}

  /**
   * @param hintMasks per hint, a bit for each ASCII character a match must contain: the hint's own
   *     characters plus {@code required} ones the pattern cannot match without
   */
  record Rule(String detector, List<String> hints, Pattern pattern, long[] hintMasks) {
    Rule(String detector, String hints, String regex) {
      this(detector, hints, "", regex);
    }

    Rule(String detector, String hints, String required, String regex) {
      this(detector, List.of(hints.split(",")), Pattern.compile(regex), masks(hints.split(","), required));
    }

    private static long[] masks(String[] hints, String required) {
      long[] masks = new long[hints.length * 2];
      for (int h = 0; h < hints.length; h++) {
        for (char c : (hints[h] + required).toCharArray()) {
          if (c < 64) {
            masks[2 * h] |= 1L << c;
          } else if (c < 128) {
            masks[2 * h + 1] |= 1L << (c - 64);
          }
        }
      }
      return masks;
    }

    /** True if one of the literal hints occurs in the token. */
    boolean hinted(String token) {
      for (String h : hints) {
        if (token.contains(h)) {
          return true;
        }
      }
      return false;
    }
  }

  static final List<Rule> RULES = List.of(
      new Rule("aws_access_key", "AKIA,ASIA,ABIA,ACCA,AIDA,AROA,AIPA,ANPA,ANVA,AGPA", "\\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA)[0-9A-Z]{16}\\b"),
      new Rule("gcp_api_key", "AIza", "\\bAIza[0-9A-Za-z_-]{35}"),
      new Rule("gcp_oauth_token", "ya29.", "\\bya29\\.[0-9A-Za-z_-]{20,}"),
      new Rule("azure_storage_key", "AccountKey=", "AccountKey=[A-Za-z0-9+/]{80,90}={0,2}"),
      new Rule("azure_sas_token", "sig=", "&sv", "[?&]sv=\\d{4}-\\d{2}-\\d{2}&.*?sig=[A-Za-z0-9%+/]{30,}={0,2}"),
      new Rule("github_token", "ghp_,gho_,ghu_,ghs_,ghr_", "\\bgh[pousr]_[A-Za-z0-9]{36,255}"),
      new Rule("github_token", "github_pat_", "\\bgithub_pat_[A-Za-z0-9_]{22,255}"),
      new Rule("gitlab_token", "glpat-,gldt-,glrt-,glptt-,glft-,glsoat-,glcbt-,glimt-,glagent-", "\\bgl(?:pat|dt|rt|ptt|ft|soat|cbt|imt|agent)-[A-Za-z0-9_-]{20,}"),
      new Rule("slack_token", "xox", "\\bxox[abposre]-[A-Za-z0-9-]{10,}"),
      new Rule("slack_webhook", "hooks.slack.com", "hooks\\.slack\\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{16,}"),
      new Rule("stripe_key", "_live_", "\\b(?:sk|rk)_live_[A-Za-z0-9]{16,}"),
      new Rule("anthropic_key", "sk-ant-", "\\bsk-ant-[A-Za-z0-9_-]{20,}"),
      new Rule("openai_key", "sk-", "\\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}"),
      new Rule("npm_token", "npm_", "\\bnpm_[A-Za-z0-9]{36}\\b"),
      new Rule("pypi_token", "pypi-", "\\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
      new Rule("huggingface_token", "hf_", "\\bhf_[A-Za-z]{34}\\b"),
      new Rule("sendgrid_key", "SG.", "\\bSG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}\\b"),
      new Rule("jwt", "eyJ", "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"),
      new Rule("connection_string", "://", "@",
          "\\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\\s:/@\"']{1,64}:([^\\s@/\"']{3,128})@[A-Za-z0-9.-]+"));

  /**
   * The hints of all {@link #RULES}, in rule order, for {@link SecretScan#vendorFormats}: hint
   * {@code h} belongs to rule {@code HINT_RULE[h]}, and {@code HINT_MASKS[2h]}, {@code HINT_MASKS[2h + 1]}
   * have a bit for each ASCII character (0..63, 64..127) a token must contain to hold that hint and a
   * match — a necessary condition for {@link Rule#hinted}, one AND per hint instead of a substring search.
   */
  static final long[] HINT_MASKS = RULES.stream().flatMapToLong(r -> java.util.Arrays.stream(r.hintMasks())).toArray();

  static final int[] HINT_RULE = java.util.stream.IntStream.range(0, RULES.size())
      .flatMap(r -> java.util.stream.IntStream.range(0, RULES.get(r).hints().size()).map(h -> r)).toArray();

  /** The openai rule must not claim Anthropic keys. */
  static boolean accept(Rule rule, String token, Matcher m) {
    return switch (rule.detector()) {
      case "openai_key" -> !token.startsWith("sk-ant-", m.start()) && hasDigitAndLetter(token, m.start() + 3, m.end());
      case "connection_string" -> !placeholder(m.group(1));
      case "aws_access_key" -> true;
      default -> true;
    };
  }

  static boolean placeholder(String value) {
    if (value.isEmpty()) {
      return true;
    }
    char c = value.charAt(0);
    if (c == '$' || c == '{' || c == '<' || c == '%' || c == '[') {
      return true;
    }
    String v = value.toLowerCase(java.util.Locale.ROOT);
    return v.chars().allMatch(ch -> ch == '*' || ch == 'x' || ch == '.')
        || v.equals("password") || v.equals("pass") || v.equals("secret") || v.equals("changeme") || v.equals("example");
  }

  static boolean hasDigitAndLetter(String s, int from, int to) {
    boolean digit = false;
    boolean letter = false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      digit |= c >= '0' && c <= '9';
      letter |= c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }
    return digit && letter;
  }

  /** Shannon entropy in bits per character. */
  static double entropy(String s, int from, int to) {
    int[] counts = new int[128];
    int other = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < 128) {
        counts[c]++;
      } else {
        other++;
      }
    }
    double n = to - from;
    double h = 0;
    for (int c : counts) {
      if (c > 0) {
        double p = c / n;
        h -= p * Math.log(p);
      }
    }
    if (other > 0) {
      double p = other / n;
      h -= p * Math.log(p);
    }
    return h / Math.log(2);
  }
}
