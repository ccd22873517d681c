package dev.bastion.inspect;

import com.ibm.icu.text.SpoofChecker;
import java.net.IDN;
import java.util.Locale;
import java.util.Set;

/**
 * Host allowlists. An entry {@code example.com} allows that host; {@code *.example.com} allows its
 * subdomains. A host that is not allowed but whose confusable skeleton (Unicode TR39, ICU's
 * SpoofChecker) equals an allowed entry's is a homoglyph near-miss ({@code exаmple.com} with a
 * Cyrillic a): {@link #nearMiss} says so, and it stays not allowed.
 */
public final class HostMatch {
  private static final SpoofChecker SPOOF = new SpoofChecker.Builder().build();

  private HostMatch() {}

  public static boolean allowed(String host, Set<String> allowlist) {
    String h = normalize(host);
    if (h.isEmpty()) {
      return false;
    }
    for (String entry : allowlist) {
      String e = entry.toLowerCase(Locale.ROOT);
      if (e.startsWith("*.")) {
        if (h.endsWith(e.substring(1))) {
          return true;
        }
      } else if (h.equals(e)) {
        return true;
      }
    }
    return false;
  }

  /** True if {@code host} is not allowed but looks like an allowed entry (same confusable skeleton). */
  public static boolean nearMiss(String host, Set<String> allowlist) {
    if (allowed(host, allowlist)) {
      return false;
    }
    String skeleton = skeleton(unicode(host));
    for (String entry : allowlist) {
      String e = entry.startsWith("*.") ? entry.substring(2) : entry;
      String s = skeleton(e);
      if (skeleton.equals(s) || entry.startsWith("*.") && skeleton.endsWith("." + s)) {
        return true;
      }
    }
    return false;
  }

  public static String skeleton(String text) {
    return SPOOF.getSkeleton(text.toLowerCase(Locale.ROOT));
  }

  /** Lower-case ASCII (punycode) form of a host, without a trailing dot; empty if it cannot be converted. */
  static String normalize(String host) {
    String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    try {
      return IDN.toASCII(h, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private static String unicode(String host) {
    try {
      return IDN.toUnicode(host, IDN.ALLOW_UNASSIGNED);
    } catch (IllegalArgumentException e) {
      return host;
    }
  }
}
