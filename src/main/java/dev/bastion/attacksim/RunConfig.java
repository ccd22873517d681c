package dev.bastion.attacksim;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.AuditConfig;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.FirewallConfig;
import dev.bastion.config.FlowConfig;
import dev.bastion.config.HostPort;
import dev.bastion.config.IdentityConfig;
import dev.bastion.config.PolicyConfig;
import dev.bastion.config.UpstreamConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The configuration a run's gateway is built from: the operator's configuration with its upstreams
 * replaced by the test servers, listeners on ephemeral loopback ports, data in the run's folder, and
 * what the scenarios add — the suite agent and its allow rule, the scenarios' own agents and policy
 * rules, their firewall argument rules and flow labels, and the run's JWT issuer when a scenario
 * sends tokens.
 */
final class RunConfig {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final java.util.regex.Pattern PLAIN_NAME = java.util.regex.Pattern.compile("[a-z0-9_-]{1,32}");

  private RunConfig() {}

  /** The upstreams the scenarios use, {@code good} and {@code evil} first (earlier servers are the incumbents for look-alike checks). */
  static List<String> servers(List<Scenario> scenarios) {
    Set<String> out = new LinkedHashSet<>(List.of("good", "evil"));
    scenarios.forEach(s -> s.tools().forEach(t -> out.add(t.server())));
    return List.copyOf(out);
  }

  /** The role a server's process is started with and logs under: its name, or {@code upstream-N} when the name is not plain ASCII. */
  static String role(String server, List<String> servers) {
    return PLAIN_NAME.matcher(server).matches() ? server : "upstream-" + servers.indexOf(server);
  }

  /** Where each server's catalogue is written. */
  static Path catalog(Path work, String role) {
    return work.resolve(role + "-tools.json");
  }

  /** Servers the scenarios run over HTTP. */
  static Set<String> httpServers(List<Scenario> scenarios) {
    Set<String> out = new LinkedHashSet<>();
    scenarios.forEach(s -> out.addAll(s.httpUpstreams()));
    return out;
  }

  /** Writes every server's catalogue (the tools the scenarios give it) into the run's folder. */
  static void writeCatalogs(List<Scenario> scenarios, Path work) throws IOException {
    List<String> servers = servers(scenarios);
    for (String server : servers) {
      ArrayNode catalog = JSON.createArrayNode();
      for (Scenario s : scenarios) {
        for (Scenario.Tool t : s.tools()) {
          if (t.server().equals(server)) {
            ObjectNode def = catalog.addObject();
            def.put("name", t.name());
            def.put("description", t.description());
            def.set("annotations", JSON.valueToTree(t.annotations()));
            def.set("inputSchema", t.inputSchema() == null ? JSON.createObjectNode().put("type", "object") : JSON.valueToTree(t.inputSchema()));
            def.set("returns", JSON.valueToTree(t.returns()));
            def.put("isError", t.isError());
            def.set("behaviour", JSON.valueToTree(t.behaviour()));
          }
        }
      }
      Files.writeString(catalog(work, role(server, servers)), JSON.writeValueAsString(catalog));
    }
  }

  /**
   * @param httpUrls where the servers that run over HTTP listen (their catalogues written already)
   */
  static BastionConfig build(BastionConfig base, List<Scenario> scenarios, Path work, Path mode, Path log, Map<String, String> keys, TokenIssuer issuer,
      Map<String, java.net.URI> httpUrls) throws IOException {
    List<String> servers = servers(scenarios);
    Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
    for (String server : servers) {
      java.net.URI url = httpUrls.get(server);
      upstreams.put(server, url != null ? new UpstreamConfig.Http(server, url, Map.of(), base.limits().callTimeout())
          : new UpstreamConfig.Stdio(server, serverCommand(role(server, servers), work, log, mode), Map.of(), work, base.limits().callTimeout()));
    }
    Map<String, AgentConfig> agents = new LinkedHashMap<>(base.agents());
    List<PolicyConfig.Rule> rules = new ArrayList<>(base.policy().rules());
    agents.remove(AttackSim.AGENT);
    agents.put(AttackSim.AGENT, new AgentConfig(AttackSim.AGENT, List.of(sha256(keys.get(AttackSim.AGENT))), List.of(AttackSim.AGENT), false));
    for (Scenario s : scenarios) {
      s.agents().forEach((name, roles) -> agents.put(name, new AgentConfig(name, List.of(sha256(keys.get(name))), roles, false)));
      for (Scenario.Rule r : s.rules()) {
        rules.add(new PolicyConfig.Rule(r.id(), PolicyConfig.Effect.valueOf(r.effect().toUpperCase(Locale.ROOT)), r.when(), PolicyConfig.Mode.ENFORCE,
            "added by bastion attack-sim for " + s.id() + ": " + r.description(), 0));
      }
    }
    rules.add(new PolicyConfig.Rule("attack-sim-agent", PolicyConfig.Effect.ALLOW, "agent.id == \"" + AttackSim.AGENT + "\"", PolicyConfig.Mode.ENFORCE,
        "added by bastion attack-sim: its agent may call the test servers (deny rules still apply)", 0));
    PolicyConfig policy = new PolicyConfig(base.policy().defaultEffect(), rules);
    Map<String, FlowConfig.ServerLabels> labelled = new LinkedHashMap<>(base.flow().servers());
    for (String server : servers) {
      Map<String, FlowConfig.LabelSpec> tools = new LinkedHashMap<>();
      for (Scenario s : scenarios) {
        if (s.labels().get(server) instanceof Map<?, ?> roleLabels && roleLabels.get("tools") instanceof Map<?, ?> toolLabels) {
          toolLabels.forEach((name, spec) -> tools.put(name.toString(), spec((Map<?, ?>) spec)));
        }
      }
      labelled.put(server, new FlowConfig.ServerLabels(FlowConfig.LabelSpec.NONE, tools, Map.of()));
    }
    FlowConfig f = base.flow();
    FlowConfig flow = new FlowConfig(f.enabled(), labelled, f.internalDomains(), f.rules(), f.egressBudgetBytes(), f.maxSessions(), f.sessionIdleTimeout());
    FirewallConfig fw = base.firewall();
    Map<String, Map<String, FirewallConfig.ArgumentRule>> argumentRules = new LinkedHashMap<>(fw.tools());
    for (Scenario s : scenarios) {
      s.arguments().forEach((tool, toolRules) -> {
        Map<String, FirewallConfig.ArgumentRule> perArg = new LinkedHashMap<>(argumentRules.getOrDefault(tool, Map.of()));
        ((Map<?, ?>) toolRules).forEach((arg, rule) -> perArg.put(arg.toString(), argumentRule((Map<?, ?>) rule, work)));
        argumentRules.put(tool, perArg);
      });
    }
    FirewallConfig firewall = new FirewallConfig(fw.enabled(), fw.actions(), fw.linkHosts(), fw.validateSchema(), fw.maxResultChars(), fw.maxLineChars(),
        fw.onOversize(), argumentRules, fw.elicitationUrlHosts());
    AuditConfig a = base.audit();
    AuditConfig audit = new AuditConfig("sqlite:" + work.resolve("audit.db"), a.durability(), a.batchWindow(), a.checkpointInterval(), a.failOpen());
    IdentityConfig identity = base.identity();
    if (issuer != null) {
      // the scenarios' tokens come from the run's own issuer; the configuration's JWT settings (if any) give way
      IdentityConfig.Jwt jwt = new IdentityConfig.Jwt(TokenIssuer.ISSUER, null, issuer.jwksFile(), "roles", "client_id", null, null, null);
      identity = new IdentityConfig(jwt, List.of(TokenIssuer.ISSUER));
    }
    return new BastionConfig(new HostPort("127.0.0.1", 0), new HostPort("127.0.0.1", 0), work.resolve("data"), null,
        new dev.bastion.config.SecurityConfig(base.security().allowedOrigins(), List.of()), base.limits(), upstreams, agents, policy, audit,
        base.telemetry(), base.integrity(), identity, base.rateLimits(), flow, firewall);
  }

  static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A scenario's argument rule; its roots are folders created inside the run's temporary folder. */
  private static FirewallConfig.ArgumentRule argumentRule(Map<?, ?> m, Path work) {
    FirewallConfig.ArgumentRule.Kind kind = FirewallConfig.ArgumentRule.Kind.valueOf(m.get("type").toString().toUpperCase(Locale.ROOT));
    List<Path> roots = new ArrayList<>();
    for (Object r : m.get("roots") instanceof List<?> l ? l : List.of()) {
      Path root = work.resolve("roots").resolve(r.toString()).normalize();
      if (!root.startsWith(work)) {
        throw new IllegalArgumentException("argument rule root " + r + " leaves the run's folder");
      }
      try {
        Files.createDirectories(root);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      roots.add(root);
    }
    List<String> hosts = m.get("allow_hosts") instanceof List<?> l ? l.stream().map(Object::toString).toList() : List.of();
    return new FirewallConfig.ArgumentRule(kind, roots, hosts);
  }

  private static FlowConfig.LabelSpec spec(Map<?, ?> m) {
    Object c = m.get("confidentiality");
    Object i = m.get("integrity");
    Object s = m.get("sink");
    Object k = m.get("key_arguments");
    return new FlowConfig.LabelSpec(
        c == null ? null : c.toString(),
        i == null ? null : FlowConfig.Integrity.valueOf(i.toString().toUpperCase(Locale.ROOT)),
        s == null ? null : FlowConfig.Sink.valueOf(s.toString().toUpperCase(Locale.ROOT)),
        k == null ? null : ((List<?>) k).stream().map(Object::toString).toList());
  }

  static List<String> serverCommand(String role, Path work, Path log, Path mode) {
    String javaBin = ProcessHandle.current().info().command().orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // absolute entries: the servers run in the gateway's working folder, not in ours
    String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    return List.of(javaBin, "-cp", classPath, dev.bastion.attacksim.servers.SimServer.class.getName(),
        "--role", role, "--catalog", catalog(work, role).toString(), "--log", log.toString(), "--mode", mode.toString());
  }
}
