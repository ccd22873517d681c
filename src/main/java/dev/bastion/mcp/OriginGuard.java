package dev.bastion.mcp;

import dev.bastion.config.HostPort;
import dev.bastion.config.SecurityConfig;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * DNS-rebinding protection for the agent-facing listener, on by default: the {@code Host} header
 * must name this gateway and a browser's {@code Origin}, when present, must be an allowed one. A
 * loopback listener accepts only loopback host names unless {@code security.allowed_hosts} says
 * otherwise, so a page on {@code evil.example} that rebinds its name to 127.0.0.1 is refused.
 */
public final class OriginGuard {
  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final boolean loopbackListener;
  private final List<String> allowedHosts;
  private final List<String> allowedOrigins;

  public OriginGuard(HostPort listen, SecurityConfig security) {
    this.loopbackListener = listen.isLoopback();
    this.allowedHosts = security.allowedHosts().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    this.allowedOrigins = security.allowedOrigins().stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
  }

  /** Why the request is refused, or null when host and origin are acceptable. */
  public String check(String host, String origin) {
    if (!hostAllowed(host)) {
      return "Host header " + quote(host) + " is not an address of this gateway (DNS rebinding protection); add it to security.allowed_hosts";
    }
    if (origin != null && !originAllowed(origin)) {
      return "Origin " + quote(origin) + " is not allowed; add it to security.allowed_origins";
    }
    return null;
  }

  private boolean hostAllowed(String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT).trim();
    if (!allowedHosts.isEmpty()) {
      return allowedHosts.contains(h) || allowedHosts.contains(stripPort(h));
    }
    return !loopbackListener || LOOPBACK_NAMES.contains(stripPort(h));
  }

  private boolean originAllowed(String origin) {
    String o = origin.toLowerCase(Locale.ROOT).trim();
    if (allowedOrigins.contains(o)) {
      return true;
    }
    if (!allowedOrigins.isEmpty() || !loopbackListener) {
      return false;
    }
    try {
      URI u = URI.create(o);
      String host = u.getHost();
      return host != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && LOOPBACK_NAMES.contains(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static String stripPort(String hostHeader) {
    if (hostHeader.startsWith("[")) {
      int end = hostHeader.indexOf(']');
      return end < 0 ? hostHeader : hostHeader.substring(0, end + 1);
    }
    int colon = hostHeader.lastIndexOf(':');
    return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
  }

  private static String quote(String s) {
    if (s == null) {
      return "(missing)";
    }
    String t = s.length() > 100 ? s.substring(0, 100) + "…" : s;
    return "'" + t.replaceAll("[^\\x20-\\x7e]", "?") + "'";
  }
}
