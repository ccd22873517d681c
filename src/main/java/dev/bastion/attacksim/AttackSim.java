package dev.bastion.attacksim;

import dev.bastion.config.BastionConfig;
import dev.bastion.attacksim.servers.HttpSimServer;
import dev.bastion.gateway.Gateway;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
  private static final SecureRandom RANDOM = new SecureRandom();
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
    CallLog log = new CallLog(work.resolve("calls.jsonl"));
    Files.writeString(log.file(), "");
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put(AGENT, newKey());
    runnable.forEach(s -> s.agents().keySet().forEach(name -> keys.put(name, newKey())));
    TokenIssuer issuer = runnable.stream().anyMatch(Scenario::jwt) ? TokenIssuer.create(work) : null;
    RunConfig.writeCatalogs(runnable, work);
    List<String> servers = RunConfig.servers(runnable);
    // The gateway's access lines go to the run's work folder, not over the progress bar.
    Path accessLog = work.resolve("access.log");
    try (HttpSimServer canary = HttpSimServer.canary(log.file());
        HttpServers http = HttpServers.start(RunConfig.httpServers(runnable), servers, work, log.file(), mode, canary.origin());
        PrintStream accessLines = new PrintStream(Files.newOutputStream(accessLog), true, StandardCharsets.UTF_8);
        Gateway gateway = Gateway.start(RunConfig.build(base, runnable, work, mode, log.file(), keys, issuer, http.urls()), new dev.bastion.telemetry.Telemetry.Exporters(null, null, accessLines::println, false));
        DirectClient goodDirect = DirectClient.start(RunConfig.serverCommand("good", work, work.resolve("direct.jsonl"), mode));
        DirectClient evilDirect = DirectClient.start(RunConfig.serverCommand("evil", work, work.resolve("direct.jsonl"), mode))) {
      Map<String, AgentClient> agents = new LinkedHashMap<>();
      keys.forEach((name, key) -> agents.put(name, new AgentClient(gateway.mcpUrl(), key)));
      StepPlayer player = new StepPlayer(agents, log, Map.of("good", goodDirect, "evil", evilDirect), servers,
          new RawHttp(gateway.mcpUrl(), gateway.config().resourceUri(), keys, issuer));
      int done = 0;
      int total = runnable.size() * 2;
      for (Scenario s : runnable) {
        Scorecard.Result r = new Scorecard.Result(s, true);
        for (String variant : List.of("attack", "benign")) {
          bar(done, total, s.id() + " " + variant);
          Files.writeString(mode, variant);
          player.newFlow();
          List<Scenario.Step> steps = variant.equals("attack") ? s.attack() : s.benign();
          List<String> misses = new ArrayList<>();
          for (int i = 0; i < steps.size(); i++) {
            String miss = player.play(steps.get(i), r);
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

  /** The scenarios' HTTP test servers, started before the gateway that connects to them. */
  private record HttpServers(Map<String, HttpSimServer> byName) implements AutoCloseable {
    static HttpServers start(java.util.Set<String> names, List<String> servers, Path work, Path log, Path mode, String canary) throws IOException {
      Map<String, HttpSimServer> out = new LinkedHashMap<>();
      for (String name : names) {
        String role = RunConfig.role(name, servers);
        out.put(name, HttpSimServer.start(role, RunConfig.catalog(work, role), log, mode, canary));
      }
      return new HttpServers(out);
    }

    Map<String, java.net.URI> urls() {
      Map<String, java.net.URI> out = new LinkedHashMap<>();
      byName.forEach((name, s) -> out.put(name, s.url()));
      return out;
    }

    @Override
    public void close() {
      byName.values().forEach(HttpSimServer::close);
    }
  }

  private static String newKey() {
    byte[] keyBytes = new byte[24];
    RANDOM.nextBytes(keyBytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(keyBytes);
  }

  private void bar(int done, int total, String what) {
    int width = 30;
    int filled = total == 0 ? width : done * width / total;
    progress.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/" + total + " " + String.format("%-24s", what));
    progress.flush();
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

}
