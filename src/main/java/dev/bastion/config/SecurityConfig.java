package dev.bastion.config;

import java.util.List;

/**
 * Transport protections on the agent-facing listener.
 *
 * @param allowedOrigins Origin header values accepted (exact match); requests with any other
 *     Origin get 403. Requests with no Origin (non-browser clients) are accepted.
 * @param allowedHosts Host header values accepted (host or host:port); empty means the listener's
 *     own address plus {@code localhost} when it binds loopback.
 */
public record SecurityConfig(List<String> allowedOrigins, List<String> allowedHosts) {
  public SecurityConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
    allowedHosts = List.copyOf(allowedHosts);
  }

  public static final SecurityConfig DEFAULT = new SecurityConfig(List.of(), List.of());
}
