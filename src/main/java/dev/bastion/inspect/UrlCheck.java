package dev.bastion.inspect;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * SSRF check for URL arguments. Only http and https; no credentials in the URL; the host must be on
 * the allowlist when one is configured (a look-alike of an allowed host is reported as {@code
 * confusable_host}); and every address the host stands for must be public. IP literals are read in
 * every form {@code inet_aton} accepts (decimal {@code 2130706433}, octal {@code 0177.0.0.1}, hex
 * {@code 0x7f.1}, short {@code 127.1}) and IPv6 (including IPv4-mapped, NAT64 and 6to4 forms, whose
 * embedded IPv4 address is checked). Names are resolved with a bounded timeout; a name that does not
 * resolve is refused (fail closed) unless it is on the allowlist (then the tool's own fetch fails).
 *
 * <p>What this cannot see: redirects the tool follows and a name that resolves differently when the
 * tool looks it up (DNS rebinding). Those are the upstream's to refuse; see docs/firewall.md.
 */
public final class UrlCheck {

  /** Resolves a host name to addresses. */
  @FunctionalInterface
  public interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  public static final Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));
  private static final Set<String> METADATA_NAMES = Set.of(
      "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal", "localhost");

  private final Set<String> allowHosts;
  private final Resolver resolver;
  private final Duration timeout;

  public UrlCheck(Set<String> allowHosts, Resolver resolver, Duration timeout) {
    this.allowHosts = Set.copyOf(allowHosts);
    this.resolver = resolver;
    this.timeout = timeout;
  }

  /** Empty if the URL may be fetched, else the detector id of the problem. */
  public Optional<String> check(String value) {
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      return Optional.of("url_invalid");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("url_scheme");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("url_credentials");
    }
    String host = uri.getHost();
    if (host == null) {
      // java.net.URI leaves the host null for some registry-based authorities (e.g. with '_'); read it raw
      String authority = uri.getRawAuthority();
      if (authority == null || authority.isEmpty()) {
        return Optional.of("url_invalid");
      }
      host = authority.replaceFirst(":[0-9]*$", "");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String ascii = HostMatch.normalize(host);
    if (ascii.isEmpty()) {
      return Optional.of("url_invalid");
    }
    if (!allowHosts.isEmpty() && !HostMatch.allowed(ascii, allowHosts)) {
      return Optional.of(HostMatch.nearMiss(host, allowHosts) ? "confusable_host" : "host_not_allowed");
    }
    if (METADATA_NAMES.contains(ascii) || ascii.endsWith(".localhost") || ascii.endsWith(".internal")) {
      return Optional.of("ssrf_internal_host");
    }
    Optional<InetAddress> literal = literal(ascii);
    if (literal.isPresent()) {
      return blocked(literal.get()) ? Optional.of("ssrf_private_address") : Optional.empty();
    }
    // A host on the allowlist is trusted to exist: if it does not resolve here, the tool's own fetch
    // fails; if it resolves to an internal address, that is still refused.
    boolean listed = !allowHosts.isEmpty();
    List<InetAddress> addresses;
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<List<InetAddress>> f = executor.submit(() -> resolver.resolve(ascii));
      try {
        addresses = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        f.cancel(true);
        return listed ? Optional.empty() : Optional.of("ssrf_unresolvable");
      } catch (ExecutionException e) {
        return listed ? Optional.empty() : Optional.of("ssrf_unresolvable");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of("ssrf_unresolvable");
      }
    }
    if (addresses.isEmpty()) {
      return listed ? Optional.empty() : Optional.of("ssrf_unresolvable");
    }
    for (InetAddress a : addresses) {
      if (blocked(a)) {
        return Optional.of("ssrf_private_address");
      }
    }
    return Optional.empty();
  }

  /** An IP literal in any inet_aton or IPv6 form, or empty if the host is a name. */
  static Optional<InetAddress> literal(String host) {
    if (host.indexOf(':') >= 0) {
      try {
        return Optional.of(InetAddress.ofLiteral(host));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length > 4) {
      return Optional.empty();
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Long v = number(parts[i]);
      if (v == null) {
        return Optional.empty();
      }
      values[i] = v;
    }
    long addr;
    int k = values.length;
    for (int i = 0; i < k - 1; i++) {
      if (values[i] > 255) {
        return Optional.empty();
      }
    }
    long last = values[k - 1];
    long lastMax = k == 1 ? 0xFFFFFFFFL : k == 2 ? 0xFFFFFFL : k == 3 ? 0xFFFFL : 0xFFL;
    if (last > lastMax) {
      return Optional.empty();
    }
    addr = last;
    for (int i = 0; i < k - 1; i++) {
      addr |= values[i] << (24 - 8 * i);
    }
    byte[] b = {(byte) (addr >>> 24), (byte) (addr >>> 16), (byte) (addr >>> 8), (byte) addr};
    try {
      return Optional.of(InetAddress.getByAddress(b));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static Long number(String part) {
    if (part.isEmpty() || part.length() > 12) {
      return null;
    }
    try {
      if (part.startsWith("0x") || part.startsWith("0X")) {
        return part.length() == 2 ? 0L : Long.parseLong(part.substring(2), 16);
      }
      if (part.length() > 1 && part.startsWith("0")) {
        return Long.parseLong(part.substring(1), 8);
      }
      return Long.parseLong(part);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Loopback, unspecified, link-local (cloud metadata), private, CGNAT, ULA, multicast, reserved, and IPv4 embedded in IPv6. */
  static boolean blocked(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int o0 = b[0] & 0xFF;
      int o1 = b[1] & 0xFF;
      return o0 == 0 || o0 == 10 || o0 == 127
          || o0 == 100 && o1 >= 64 && o1 <= 127 // CGNAT, incl. 100.100.100.200 (Alibaba metadata)
          || o0 == 169 && o1 == 254
          || o0 == 172 && o1 >= 16 && o1 <= 31
          || o0 == 192 && o1 == 168
          || o0 == 192 && o1 == 0 && (b[2] & 0xFF) == 0
          || o0 == 198 && (o1 == 18 || o1 == 19)
          || o0 >= 224;
    }
    if (a instanceof Inet6Address) {
      int w0 = (b[0] & 0xFF) << 8 | b[1] & 0xFF;
      if ((b[0] & 0xFE) == 0xFC) {
        return true; // fc00::/7 unique local (incl. fd00:ec2::254, AWS metadata over IPv6)
      }
      if ((w0 & 0xFFC0) == 0xFE80 || (w0 & 0xFFC0) == 0xFEC0) {
        return true;
      }
      boolean zeros80 = true;
      for (int i = 0; i < 10; i++) {
        zeros80 &= b[i] == 0;
      }
      if (zeros80 && (b[10] == (byte) 0xFF && b[11] == (byte) 0xFF || b[10] == 0 && b[11] == 0)) {
        return blocked(v4(b, 12)); // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d
      }
      if (w0 == 0x0064 && b[2] == (byte) 0xFF && b[3] == (byte) 0x9B) {
        return blocked(v4(b, 12)); // NAT64 64:ff9b::/96
      }
      if (w0 == 0x2002) {
        return blocked(v4(b, 2)); // 6to4
      }
      return false;
    }
    return true;
  }

  private static InetAddress v4(byte[] b, int offset) {
    try {
      return InetAddress.getByAddress(new byte[] {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
