package dev.bastion.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recipient allow-list for e-mail arguments ({@code type: email}): every address in the value
 * (one address, a display-name form {@code Ana <ana@example.com>}, or a comma/semicolon-separated
 * list) must be at an allowed domain ({@code example.com}, or {@code *.example.com} for its
 * subdomains). A domain that is not allowed but whose confusable skeleton (Unicode TR39, via
 * {@link HostMatch}) equals an allowed one — {@code ex\u0430mple.com} with a Cyrillic a, {@code
 * examp1e.com} with a digit one — is reported as {@code email_confusable_domain}, a look-alike
 * rather than a mere stranger ({@code email_domain_not_allowed}). Immutable and thread-safe.
 */
public final class EmailCheck {
  /** Addresses one value may list. */
  static final int MAX_ADDRESSES = 100;
  private static final Pattern ANGLE = Pattern.compile("<([^<>]*)>");
  private static final Pattern LOCAL = Pattern.compile("[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~.-]{1,64}");
  /** Letters, marks, digits, dots and hyphens only: no invisible or control characters IDN mapping would drop. */
  private static final Pattern DOMAIN = Pattern.compile("[\\p{L}\\p{M}\\p{N}.-]{1,253}");

  private final Set<String> allowDomains;

  public EmailCheck(Set<String> allowDomains) {
    this.allowDomains = Set.copyOf(allowDomains);
  }

  /** The detector id of the first problem, or empty when every address is allowed. */
  public Optional<String> check(String value) {
    List<String> addresses = addresses(value);
    if (addresses.isEmpty()) {
      return Optional.of("email_invalid");
    }
    for (String a : addresses) {
      Optional<String> problem = checkOne(a);
      if (problem.isPresent()) {
        return problem;
      }
    }
    return Optional.empty();
  }

  private Optional<String> checkOne(String address) {
    int at = address.lastIndexOf('@');
    if (at <= 0 || at == address.length() - 1) {
      return Optional.of("email_invalid");
    }
    String local = address.substring(0, at);
    String domain = address.substring(at + 1);
    if (!LOCAL.matcher(local).matches() || local.startsWith(".") || local.endsWith(".") || local.contains("..")
        || !DOMAIN.matcher(domain).matches() || HostMatch.normalize(domain).isEmpty() || !domain.contains(".")) {
      return Optional.of("email_invalid");
    }
    if (HostMatch.allowed(domain, allowDomains)) {
      return Optional.empty();
    }
    return Optional.of(HostMatch.nearMiss(domain, allowDomains) ? "email_confusable_domain" : "email_domain_not_allowed");
  }

  /** The addresses of a value: each comma- or semicolon-separated part, its {@code <…>} part if it has one. */
  static List<String> addresses(String value) {
    List<String> out = new ArrayList<>();
    for (String part : value.split("[,;]", MAX_ADDRESSES + 1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      Matcher m = ANGLE.matcher(p);
      String address = m.find() ? m.group(1).strip() : p;
      if (address.startsWith("mailto:")) {
        address = address.substring("mailto:".length());
      }
      out.add(address);
      if (out.size() > MAX_ADDRESSES) {
        return List.of(); // more than a recipient list: treated as invalid
      }
    }
    return out;
  }
}
