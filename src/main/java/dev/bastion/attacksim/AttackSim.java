package dev.bastion.attacksim;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.AuditConfig;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.FirewallConfig;
import dev.bastion.config.FlowConfig;
import dev.bastion.config.HostPort;
import dev.bastion.config.PolicyConfig;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.gateway.Gateway;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs scenarios against a live gateway built from a configuration: the configuration's policy,
 * agents, limits, security and flow settings are kept; its upstreams are replaced by the suite's
 * good and evil test servers (real stdio MCP servers, {@link dev.bastion.attacksim.servers.SimServer}),
 * its listeners move to ephemeral loopback ports and its data to a temporary folder. A suite agent
 * ({@code attack-sim}) is added with a fresh key, and one rule allowing it is appended to the
 * policy (deny rules still override it).
 *
 * <p>Each scenario plays its attack and its benign twin, each in a fresh flow session, and judges
 * every step by side effect: the test servers log every call that reaches a tool.
 */
public final class AttackSim {
  /**
   * The defences this build contains (every capability is merged). Scenarios expecting another are
   * reported as not run; so are scenarios whose {@code not_run} names a step type the runner lacks or
   * a known defence gap.
   */
  public static final Set<String> PRESENT_DEFENCES = Set.of("flow", "firewall", "integrity", "limits", "identity", "policy", "protocol");
  static final String AGENT = "attack-sim";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Pattern TEMPLATE = Pattern.compile("\\$\\{(b64|b64url|hex|url):(.*?)}", Pattern.DOTALL);

  private final BastionConfig base;
  private final Set<String> present;
  private final PrintStream progress;

  public AttackSim(BastionConfig base, Set<String> present, PrintStream progress) {
    this.base = base;
    this.present = present;
    this.progress = progress;
  }

  /** Runs the scenarios; those whose defence is absent are returned as not run. */
  public Scorecard run(List<Scenario> scenarios) throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("bastion-attack-sim");
    List<Scenario> runnable = scenarios.stream().filter(s -> present.contains(s.defence()) && s.notRun() == null).toList();
    List<Scorecard.Result> results = new ArrayList<>();
    for (Scenario s : scenarios) {
      if (!present.contains(s.defence()) || s.notRun() != null) {
        results.add(Scorecard.Result.notRun(s));
      }
    }
    if (runnable.isEmpty()) {
      return new Scorecard(results);
    }
    Path mode = work.resolve("mode.txt");
    Path log = work.resolve("calls.jsonl");
    Files.writeString(log, "");
    byte[] keyBytes = new byte[24];
    new SecureRandom().nextBytes(keyBytes);
    String key = Base64.getUrlEncoder().withoutPadding().encodeToString(keyBytes);
    BastionConfig config = configFor(runnable, work, mode, log, key);
    // The gateway's access lines go to the run's work folder, not over the progress bar.
    Path accessLog = work.resolve("access.log");
    try (PrintStream accessLines = new PrintStream(Files.newOutputStream(accessLog), true, StandardCharsets.UTF_8);
        Gateway gateway = Gateway.start(config, new dev.bastion.telemetry.Telemetry.Exporters(null, null, accessLines::println, false));
        DirectClient goodDirect = DirectClient.start(serverCommand("good", work, work.resolve("direct.jsonl"), mode));
        DirectClient evilDirect = DirectClient.start(serverCommand("evil", work, work.resolve("direct.jsonl"), mode))) {
      AgentClient agent = new AgentClient(gateway.mcpUrl(), key);
      int done = 0;
      int total = runnable.size() * 2;
      for (Scenario s : runnable) {
        Scorecard.Result r = new Scorecard.Result(s, true);
        for (String variant : List.of("attack", "benign")) {
          bar(done, total, s.id() + " " + variant);
          Files.writeString(mode, variant);
          agent.newFlowSession();
          List<Scenario.Step> steps = variant.equals("attack") ? s.attack() : s.benign();
          List<String> misses = new ArrayList<>();
          for (int i = 0; i < steps.size(); i++) {
            String miss = play(steps.get(i), agent, log, r, Map.of("good", goodDirect, "evil", evilDirect));
            if (miss != null) {
              misses.add("step " + (i + 1) + " (" + steps.get(i).call() + "): " + miss);
            }
          }
          if (variant.equals("attack")) {
            r.attackMisses().addAll(misses);
          } else {
            r.benignMisses().addAll(misses);
          }
          done++;
        }
        results.add(r);
      }
      bar(total, total, "done");
      progress.println();
    }
    results.sort(java.util.Comparator.comparingInt(r -> scenarios.indexOf(r.scenario())));
    return new Scorecard(results);
  }

  private void bar(int done, int total, String what) {
    int width = 30;
    int filled = total == 0 ? width : done * width / total;
    progress.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/" + total + " " + String.format("%-24s", what));
    progress.flush();
  }

  /** Plays one step; returns why it missed its expectation, or null. */
  private String play(Scenario.Step step, AgentClient agent, Path log, Scorecard.Result r, Map<String, DirectClient> direct)
      throws IOException, InterruptedException {
    if (step.newSession()) {
      agent.newFlowSession();
    }
    ObjectNode args = JSON.createObjectNode();
    step.args().forEach((k, v) -> args.set(k, JSON.valueToTree(expand(v))));
    if (step.chunks() == null) {
      Call c = call(agent, step.call(), args, log, r, direct);
      return judge(step, c);
    }
    String text = step.chunks().text();
    StringBuilder delivered = new StringBuilder();
    boolean refused = false;
    List<String> misses = new ArrayList<>();
    for (int i = 0; i < text.length(); i += step.chunks().size()) {
      String piece = text.substring(i, Math.min(text.length(), i + step.chunks().size()));
      ObjectNode a = args.deepCopy();
      a.put(step.chunks().arg(), piece);
      Call c = call(agent, step.call(), a, log, r, direct);
      if (c.reached()) {
        delivered.append(piece);
      }
      if (!c.reply().ok()) {
        refused = true;
        if (step.expect() == Scenario.Expect.BLOCKED) {
          String miss = judge(step, c);
          if (miss != null) {
            misses.add(miss);
          }
          break;
        }
      }
    }
    return switch (step.expect()) {
      case ALLOWED -> refused || !delivered.toString().equals(text) ? "expected every piece to reach the tool; " + delivered.length() + " of "
          + text.length() + " characters did" : null;
      case BLOCKED -> !refused ? "expected the split data to be stopped, but all " + text.length() + " characters reached the tool"
          : !misses.isEmpty() ? misses.getFirst() : null;
    };
  }

  private record Call(AgentClient.Reply reply, boolean reached, JsonNode reachedArgs) {}

  private Call call(AgentClient agent, String tool, ObjectNode args, Path log, Scorecard.Result r, Map<String, DirectClient> direct)
      throws IOException, InterruptedException {
    long before = Files.lines(log).count();
    long start = System.nanoTime();
    AgentClient.Reply reply = agent.callTool(tool, args);
    long through = System.nanoTime() - start;
    List<String> lines = Files.readAllLines(log);
    boolean reached = false;
    JsonNode reachedArgs = null;
    String upstream = tool.contains("__") ? tool.substring(tool.indexOf("__") + 2) : tool;
    for (int i = (int) before; i < lines.size(); i++) {
      JsonNode entry = JSON.readTree(lines.get(i));
      if (entry.path("tool").asString().equals(upstream)) {
        reached = true;
        reachedArgs = entry.get("arguments");
      }
    }
    String server = tool.contains("__") ? tool.substring(0, tool.indexOf("__")) : "";
    DirectClient d = direct.get(server);
    if (reached && d != null) {
      long directNanos = d.time(upstream, args);
      r.addedLatencyMicros().add(Math.max(0, (through - directNanos) / 1000));
    }
    return new Call(reply, reached, reachedArgs);
  }

  private static String judge(Scenario.Step step, Call c) {
    switch (step.expect()) {
      case ALLOWED -> {
        if (!c.reached()) {
          return "expected the call to reach the tool; it did not (" + clip(c.reply().text()) + ")";
        }
        if (!c.reply().ok()) {
          return "the tool was called but the agent got an error: " + clip(c.reply().text());
        }
      }
      case BLOCKED -> {
        if (c.reached()) {
          return "expected the call to be stopped; it reached the tool with " + clip(String.valueOf(c.reachedArgs()));
        }
        if (c.reply().ok()) {
          return "the tool was not called, yet the agent got a result";
        }
        if (!step.reasons().isEmpty() && !step.reasons().contains(c.reply().reason())) {
          return "stopped with reason " + c.reply().reason() + ", expected " + String.join(" or ", step.reasons());
        }
      }
    }
    if (step.responseLacks() != null && c.reply().text().contains(step.responseLacks())) {
      return "the agent received text that should have been removed: " + clip(step.responseLacks());
    }
    return null;
  }

  static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  /** Expands {@code ${b64:..}}, {@code ${b64url:..}}, {@code ${hex:..}} and {@code ${url:..}} in strings, recursively in lists and maps. */
  static Object expand(Object v) {
    if (v instanceof String s) {
      Matcher m = TEMPLATE.matcher(s);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        byte[] bytes = m.group(2).getBytes(StandardCharsets.UTF_8);
        String enc = switch (m.group(1)) {
          case "b64" -> Base64.getEncoder().encodeToString(bytes);
          case "b64url" -> Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
          case "hex" -> HexFormat.of().formatHex(bytes);
          case "url" -> URLEncoder.encode(m.group(2), StandardCharsets.UTF_8);
          default -> throw new IllegalStateException(m.group(1));
        };
        m.appendReplacement(out, Matcher.quoteReplacement(enc));
      }
      m.appendTail(out);
      return out.toString();
    }
    if (v instanceof List<?> l) {
      return l.stream().map(AttackSim::expand).toList();
    }
    if (v instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, val) -> out.put(k, expand(val)));
      return out;
    }
    return v;
  }

  // ---------------------------------------------------------------- configuration

  private BastionConfig configFor(List<Scenario> scenarios, Path work, Path mode, Path log, String key) throws IOException {
    Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
    for (String role : List.of("good", "evil")) {
      ArrayNode catalog = JSON.createArrayNode();
      for (Scenario s : scenarios) {
        for (Scenario.Tool t : s.tools()) {
          if (t.server().equals(role)) {
            ObjectNode def = catalog.addObject();
            def.put("name", t.name());
            def.put("description", t.description());
            def.set("annotations", JSON.valueToTree(t.annotations()));
            def.set("inputSchema", t.inputSchema() == null ? JSON.createObjectNode().put("type", "object") : JSON.valueToTree(t.inputSchema()));
            def.set("returns", JSON.valueToTree(t.returns()));
            def.put("isError", t.isError());
          }
        }
      }
      Files.writeString(work.resolve(role + "-tools.json"), JSON.writeValueAsString(catalog));
      upstreams.put(role, new UpstreamConfig.Stdio(role, serverCommand(role, work, log, mode), Map.of(), work, base.limits().callTimeout()));
    }
    Map<String, AgentConfig> agents = new LinkedHashMap<>(base.agents());
    agents.remove(AGENT);
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    agents.put(AGENT, new AgentConfig(AGENT, List.of(digest), List.of(AGENT), false));
    List<PolicyConfig.Rule> rules = new ArrayList<>(base.policy().rules());
    rules.add(new PolicyConfig.Rule("attack-sim-agent", PolicyConfig.Effect.ALLOW, "agent.id == \"" + AGENT + "\"", PolicyConfig.Mode.ENFORCE,
        "added by bastion attack-sim: its agent may call the test servers (deny rules still apply)", 0));
    PolicyConfig policy = new PolicyConfig(base.policy().defaultEffect(), rules);
    Map<String, FlowConfig.ServerLabels> servers = new LinkedHashMap<>(base.flow().servers());
    for (String role : List.of("good", "evil")) {
      Map<String, FlowConfig.LabelSpec> tools = new LinkedHashMap<>();
      for (Scenario s : scenarios) {
        if (s.labels().get(role) instanceof Map<?, ?> roleLabels && roleLabels.get("tools") instanceof Map<?, ?> toolLabels) {
          toolLabels.forEach((name, spec) -> tools.put(name.toString(), spec((Map<?, ?>) spec)));
        }
      }
      servers.put(role, new FlowConfig.ServerLabels(FlowConfig.LabelSpec.NONE, tools, Map.of()));
    }
    FlowConfig f = base.flow();
    FlowConfig flow = new FlowConfig(f.enabled(), servers, f.internalDomains(), f.rules(), f.egressBudgetBytes(), f.maxSessions(), f.sessionIdleTimeout());
    FirewallConfig fw = base.firewall();
    Map<String, Map<String, FirewallConfig.ArgumentRule>> argumentRules = new LinkedHashMap<>(fw.tools());
    for (Scenario s : scenarios) {
      s.arguments().forEach((tool, toolRules) -> {
        Map<String, FirewallConfig.ArgumentRule> perArg = new LinkedHashMap<>(argumentRules.getOrDefault(tool.toString(), Map.of()));
        ((Map<?, ?>) toolRules).forEach((arg, rule) -> perArg.put(arg.toString(), argumentRule((Map<?, ?>) rule, work)));
        argumentRules.put(tool.toString(), perArg);
      });
    }
    FirewallConfig firewall = new FirewallConfig(fw.enabled(), fw.actions(), fw.linkHosts(), fw.validateSchema(), fw.maxResultChars(), fw.maxLineChars(),
        fw.onOversize(), argumentRules);
    AuditConfig a = base.audit();
    AuditConfig audit = new AuditConfig("sqlite:" + work.resolve("audit.db"), a.durability(), a.batchWindow(), a.checkpointInterval(), a.failOpen());
    return new BastionConfig(new HostPort("127.0.0.1", 0), new HostPort("127.0.0.1", 0), work.resolve("data"), null, new dev.bastion.config.SecurityConfig(base.security().allowedOrigins(), List.of()),
        base.limits(), upstreams, agents, policy, audit, base.telemetry(), base.integrity(), base.identity(), base.rateLimits(), flow, firewall);
  }

  /** A scenario's argument rule; its roots are folders created inside the run's temporary folder. */
  private static FirewallConfig.ArgumentRule argumentRule(Map<?, ?> m, Path work) {
    FirewallConfig.ArgumentRule.Kind kind = FirewallConfig.ArgumentRule.Kind.valueOf(m.get("type").toString().toUpperCase(java.util.Locale.ROOT));
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
        i == null ? null : FlowConfig.Integrity.valueOf(i.toString().toUpperCase(java.util.Locale.ROOT)),
        s == null ? null : FlowConfig.Sink.valueOf(s.toString().toUpperCase(java.util.Locale.ROOT)),
        k == null ? null : ((List<?>) k).stream().map(Object::toString).toList());
  }

  static List<String> serverCommand(String role, Path work, Path log, Path mode) {
    String javaBin = ProcessHandle.current().info().command().orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // absolute entries: the servers run in the gateway's working folder, not in ours
    String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    return List.of(javaBin, "-cp", classPath, dev.bastion.attacksim.servers.SimServer.class.getName(),
        "--role", role, "--catalog", work.resolve(role + "-tools.json").toString(), "--log", log.toString(), "--mode", mode.toString());
  }

  static Duration timeout() {
    return Duration.ofSeconds(30);
  }
}
