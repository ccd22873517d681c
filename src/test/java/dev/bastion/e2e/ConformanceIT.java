package dev.bastion.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.Gateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The official MCP conformance suite ({@code @modelcontextprotocol/conformance}, server mode, the
 * checks each revision requires) against server-everything directly and against Bastion fronting
 * the same server. Every check the direct server passes, Bastion must pass too, except the
 * documented differences below (docs/conformance.md explains each); Bastion must also pass the
 * DNS-rebinding, session and header checks itself. Summaries go to target/conformance/*.json.
 */
class ConformanceIT {
  static final Path OUT = Path.of("target", "conformance").toAbsolutePath();
  static final long RUN_TIMEOUT_SECONDS = 300;

  /**
   * Checks server-everything passes and Bastion does not, for reasons that are not Bastion's
   * fault. Keyed {@code scenario/check}; the value is the justification.
   */
  static final Map<String, String> KNOWN_DIFFERENCES =
      Map.of(
          "tools-call-simple-text/tools-call-simple-text",
              "server-everything has no test_simple_text tool and answers the unknown tool with an isError result, which the check accepts; Bastion answers a tool that is not in the agent's catalog with JSON-RPC -32602, as the spec requires for unknown tools",
          "tools-call-error/tools-call-error",
              "server-everything has no test_error_handling tool and answers the unknown tool with an isError result, which the check accepts; Bastion answers -32602 for a tool not in the agent's catalog",
          "resources-subscribe/resources-subscribe",
              "test://watched-resource does not exist on server-everything, which accepts a subscription to any URI; Bastion routes a subscription to the upstream that lists the URI and refuses a URI that none lists (fail closed)",
          "resources-unsubscribe/resources-unsubscribe",
              "as resources-subscribe: the URI is in no upstream's catalog, so Bastion has nowhere to route it",
          "server-sse-multiple-streams/server-sse-streams-functional",
              "SSE on a POST response is optional: Bastion answers with application/json unless the call streams notifications, which the suite reports as INFO 'SSE streaming is optional' rather than a failure",
          "server-sse-polling/server-sse-priming-event",
              "pending scenario: priming events apply to servers that answer with SSE; Bastion answered with JSON, so the suite reported 'priming event tests not applicable' (INFO) and emitted no priming check");

  @TempDir static Path dir;
  static Process everything;
  static String directUrl;
  static Gateway gateway;

  @BeforeAll
  static void start() throws Exception {
    NodePeers.requireInstalled();
    everything = PeerGateway.startHttpEverything();
    directUrl = PeerGateway.awaitHttpEverything(everything);
    // The suite cannot send a credential: an explicit anonymous agent with one narrow role.
    String yaml =
        """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        upstreams:
          everything: { url: %s }
        agents:
          conformance: { anonymous: true, roles: [conformance] }
        policy:
          default: deny
          rules:
            - { id: conformance-suite, effect: allow, when: '"conformance" in agent.roles' }
        audit: { durability: batch }
        """
            .formatted(directUrl);
    ConfigResult loaded = ConfigLoader.parse(yaml, dir, System::getenv);
    assertThat(loaded).isInstanceOf(ConfigResult.Ok.class);
    gateway = Gateway.start(((ConfigResult.Ok) loaded).config());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (gateway != null) {
      gateway.close();
    }
    if (everything != null) {
      everything.destroy();
      if (!everything.waitFor(10, TimeUnit.SECONDS)) {
        everything.destroyForcibly();
      }
    }
  }

  @ParameterizedTest(name = "revision {0}")
  @ValueSource(strings = {"2025-11-25", "2026-07-28"})
  void bastionPassesEveryCheckTheDirectServerPasses(String revision) throws Exception {
    Map<String, JsonNode> direct = run("direct", directUrl, revision);
    Map<String, JsonNode> bastion = run("bastion", gateway.mcpUrl(), revision);
    assertThat(direct).as("the suite ran against the direct server").isNotEmpty();
    assertThat(bastion).as("the suite ran against Bastion").isNotEmpty();

    Set<String> lost = new TreeSet<>();
    for (var e : direct.entrySet()) {
      JsonNode b = bastion.get(e.getKey());
      if (passed(e.getValue()) && (b == null || !passed(b))) {
        lost.add(e.getKey());
      }
    }
    Set<String> unexplained = new TreeSet<>(lost);
    unexplained.removeAll(KNOWN_DIFFERENCES.keySet());

    List<String> ownChecks = new ArrayList<>();
    ownChecks.add("dns-rebinding-protection/");
    if (revision.equals("2025-11-25")) {
      ownChecks.add("server-session-lifecycle/");
    } else {
      ownChecks.add("server-stateless/");
      ownChecks.add("http-header-validation/");
    }
    Set<String> ownFailures = new TreeSet<>();
    int ownPassed = 0;
    for (var e : bastion.entrySet()) {
      if (ownChecks.stream().noneMatch(e.getKey()::startsWith)) {
        continue;
      }
      if (passed(e.getValue())) {
        ownPassed++;
      } else if (!untestable(e.getValue())) {
        ownFailures.add(e.getKey() + ": " + e.getValue().path("errorMessage").asString(""));
      }
    }

    writeSummary(revision, direct, bastion, lost, ownPassed, ownFailures);

    assertThat(unexplained).as("checks server-everything passes directly but fails through Bastion (see %s)", OUT).isEmpty();
    assertThat(ownPassed).as("Bastion's own DNS-rebinding/session/header checks ran").isPositive();
    assertThat(ownFailures).as("Bastion's own DNS-rebinding/session/header checks").isEmpty();
  }

  private static boolean passed(JsonNode check) {
    return check.path("status").asString("").equals("SUCCESS");
  }

  /** A check the suite could not exercise because the server lacks the suite's diagnostic tools, or a SHOULD (warning). */
  private static boolean untestable(JsonNode check) {
    return check.path("details").path("untestable").asBoolean(false) || check.path("status").asString("").equals("WARNING");
  }

  /** Runs the suite's checks required by {@code revision} against {@code url}; returns checks by scenario/id. */
  private static Map<String, JsonNode> run(String target, String url, String revision) throws Exception {
    Path raw = OUT.resolve("raw").resolve(target + "-" + revision);
    deleteRecursively(raw);
    Files.createDirectories(raw);
    Path log = OUT.resolve("raw").resolve(target + "-" + revision + ".log");
    Process p =
        new ProcessBuilder(
                NodePeers.NODE.toString(), NodePeers.CONFORMANCE.toString(), "server", "--url", url, "--requirements", revision, "-o", raw.toString())
            .directory(NodePeers.DIR.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("conformance run against " + target + " (" + revision + ") did not finish in " + RUN_TIMEOUT_SECONDS + " s; log: " + log);
    }
    // The suite exits non-zero when any check fails; the checks themselves are compared below.
    Map<String, JsonNode> checks = new TreeMap<>();
    JsonMapper json = JsonMapper.builder().build();
    try (Stream<Path> files = Files.walk(raw)) {
      for (Path f : files.filter(f -> f.getFileName().toString().equals("checks.json")).toList()) {
        String scenario = f.getParent().getFileName().toString().replaceFirst("^server-", "").replaceFirst("-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$", "");
        for (JsonNode c : json.readTree(f.toFile())) {
          checks.put(scenario + "/" + c.path("id").asString(), c);
        }
      }
    }
    if (checks.isEmpty()) {
      throw new AssertionError("conformance produced no checks against " + target + " (" + revision + "):\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    return checks;
  }

  private static void writeSummary(
      String revision, Map<String, JsonNode> direct, Map<String, JsonNode> bastion, Set<String> lost, int ownPassed, Set<String> ownFailures)
      throws IOException {
    JsonMapper json = JsonMapper.builder().build();
    ObjectNode s = json.createObjectNode();
    s.put("revision", revision);
    s.put("suite", "@modelcontextprotocol/conformance server --requirements " + revision);
    s.set("direct", counts(json, direct));
    s.set("bastion", counts(json, bastion));
    var diff = s.putArray("passedDirectFailedThroughBastion");
    for (String key : lost) {
      ObjectNode d = diff.addObject();
      d.put("check", key);
      d.put("bastionError", bastion.containsKey(key) ? bastion.get(key).path("errorMessage").asString("") : "(check not run)");
      d.put("knownDifference", KNOWN_DIFFERENCES.getOrDefault(key, null));
    }
    s.put("passedThroughBastionOnly", bastion.keySet().stream().filter(k -> passed(bastion.get(k)) && (!direct.containsKey(k) || !passed(direct.get(k)))).count());
    s.put("bastionOwnChecksPassed", ownPassed);
    var own = s.putArray("bastionOwnChecksFailed");
    ownFailures.forEach(own::add);
    Files.createDirectories(OUT);
    Files.writeString(OUT.resolve(revision + ".json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(s));
  }

  private static ObjectNode counts(JsonMapper json, Map<String, JsonNode> checks) {
    ObjectNode c = json.createObjectNode();
    Map<String, Integer> byStatus = new TreeMap<>();
    Set<String> scenarios = new TreeSet<>();
    for (var e : checks.entrySet()) {
      byStatus.merge(e.getValue().path("status").asString("?"), 1, Integer::sum);
      scenarios.add(e.getKey().substring(0, e.getKey().indexOf('/')));
    }
    c.put("scenarios", scenarios.size());
    c.put("checks", checks.size());
    byStatus.forEach(c::put);
    return c;
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
