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
    TelemetryConfig telemetry,
    IntegrityConfig integrity,
    IdentityConfig identity,
    RateLimitsConfig rateLimits,
    FlowConfig flow,
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
    telemetry = telemetry == null ? TelemetryConfig.DEFAULT : telemetry;
    integrity = integrity == null ? IntegrityConfig.DEFAULT : integrity;
    identity = identity == null ? IdentityConfig.DEFAULT : identity;
    rateLimits = rateLimits == null ? RateLimitsConfig.NONE : rateLimits;
    flow = flow == null ? FlowConfig.DEFAULT : flow;
    firewall = firewall == null ? FirewallConfig.DEFAULT : firewall;
  }

  /** A configuration of the core sections only; every later section takes its defaults. */
  public BastionConfig(
      HostPort listen, HostPort admin, Path dataDir, String publicUrl, SecurityConfig security, LimitsConfig limits,
      Map<String, UpstreamConfig> upstreams, Map<String, AgentConfig> agents, PolicyConfig policy, AuditConfig audit) {
    this(listen, admin, dataDir, publicUrl, security, limits, upstreams, agents, policy, audit, null, null, null, null, null, null);
  }

  /** The resource URI agents address (and tokens must be minted for): {@code public_url} or the listener's. */
  public String resourceUri() {
    return publicUrl != null ? publicUrl : "http://" + listen.hostForUrl() + ":" + listen.port() + "/mcp";
  }
}
