package dev.bastion.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The whole, validated configuration. Built only by {@link ConfigLoader}; immutable; every value
 * already typed and every reference already resolved, so nothing is parsed on the request path.
 */
public record BastionConfig(
    HostPort listen,
    HostPort admin,
    Path dataDir,
    String publicUrl,
    SecurityConfig security,
    LimitsConfig limits,
    Map<String, UpstreamConfig> upstreams,
    Map<String, AgentConfig> agents,
    PolicyConfig policy,
    AuditConfig audit,
    FirewallConfig firewall) {

  public BastionConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(limits, "limits");
    upstreams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(upstreams));
    agents = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(agents));
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(audit, "audit");
    Objects.requireNonNull(firewall, "firewall");
  }

  /** The resource URI agents address (and tokens must be minted for): {@code public_url} or the listener's. */
  public String resourceUri() {
    return publicUrl != null ? publicUrl : "http://" + listen.hostForUrl() + ":" + listen.port() + "/mcp";
  }
}
